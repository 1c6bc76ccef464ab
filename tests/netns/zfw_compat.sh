#!/bin/bash
# zfwctl as `zfw`, driven the way an OpenZiti router with
# `mode: tproxy:/usr/sbin/zfw` drives it (the argument vectors of
# tunnel/intercept/tproxy/tproxy_linux.go): -V at start, one -I per
# address x port range x interface x source, -D on stop, the same match
# inserted again with a new port after a router restart. Real clients
# connect through the resulting intercepts.
. "$(dirname "$0")/lib.sh"

ZFW=$(dirname "$ZFWCTL")/zfw
T_C2=zfwt-$T_ID-c2
LATER=zt${T_ID}late
t_cleanup_extra() { ip netns del "$T_C2" 2>/dev/null; }

t_topology
t_config "{\"interfaces\":[
  {\"name\":\"$T_RC0\",\"role\":\"internal\",\"default_action\":\"drop\"},
  {\"name\":\"${LATER}*\",\"role\":\"external\",\"default_action\":\"drop\"}]}"
t_start_daemon
t_tproxy_listener 15000
t_tproxy_listener 15001 -6
t_tproxy_listener 15002
lands() { # PORT-FILE DEST PORT [udp]: the listener saw DEST:PORT
	if [ "${4:-}" = udp ]; then
		echo ping | ip netns exec "$T_C" nc -u -w 1 "$2" "$3" | grep -q "local=$2:$3"
	else
		ip netns exec "$T_C" nc -w 2 "$2" "$3" </dev/null | grep -q "local=$2:$3"
	fi
}

out=$("$ZFW" -V)
t_expect_eq "zfw -V exits 0" 0 $?
t_expect "zfw -V reports the daemon" grep -q "^zfwd " <<<"$out"

t_expect "router insert (tcp service)" \
	"$ZFW" -I -c 203.0.113.50 -m 32 -p tcp -o 0.0.0.0 -n 0 -l 80 -h 80 -t 15000 -s svcWeb
t_expect "router insert (udp service)" \
	"$ZFW" -I -c 203.0.113.0 -m 24 -p udp -o 0.0.0.0 -n 0 -l 5000 -h 6000 -t 15000 -s svcUdp
t_expect "router insert (IPv6 service, default IPv4 source)" \
	"$ZFW" -I -c fd00:99:: -m 64 -p tcp -o 0.0.0.0 -n 0 -l 1 -h 65535 -t 15001 -s svcV6
t_expect "tcp lands in the listener" lands 15000 203.0.113.50 80
t_expect "udp lands in the listener" lands 15000 203.0.113.9 5353 udp
t_expect "tcp/v6 lands in the listener" \
	bash -c "ip netns exec $T_C nc -w 2 fd00:99::7 443 </dev/null | grep -q 'local=\[fd00:99::7\]:443'"
t_expect "inserting the same rule again is fine (exit 0)" \
	"$ZFW" -I -c 203.0.113.50 -m 32 -p tcp -o 0.0.0.0 -n 0 -l 80 -h 80 -t 15000 -s svcWeb

# The router restarts: its listener for the service is on a new port and
# it inserts the same match again, as zfw allowed.
t_expect "re-insert with a new tproxy port replaces" \
	"$ZFW" -I -c 203.0.113.50 -m 32 -p tcp -o 0.0.0.0 -n 0 -l 80 -h 80 -t 15002 -s svcWeb
t_expect "traffic now lands in the new listener" \
	bash -c "ip netns exec $T_C nc -w 2 203.0.113.50 80 </dev/null >/dev/null; sleep 0.2; grep -q 'local=203.0.113.50:80' '$T_DIR/echo-15002.out'"
t_expect_eq "and the compat owner holds one rule for it" 1 \
	"$($ZFWCTL -j call ListRules '{"owner":"zfw-compat","destination":"203.0.113.50/32"}' | jq '.parameters.rules | length')"

# A rule for an interface that does not exist yet: kept, then applied
# when an interface of that name appears.
t_expect "insert naming an interface that does not exist" \
	"$ZFW" -I -c 203.0.113.60 -m 32 -p tcp -o 0.0.0.0 -n 0 -l 80 -h 80 -t 15000 -s svcLater -N "${LATER}0"
t_expect_eq "it is listed with its interface" "${LATER}0" \
	"$($ZFWCTL -j call ListRules '{"destination":"203.0.113.60/32"}' | jq -r '.parameters.rules[0].rule.interfaces[0]')"
ip netns add "$T_C2"
ip link add "${LATER}0" netns "$T_R" type veth peer name c0 netns "$T_C2"
ip -n "$T_R" addr add 10.30.0.1/24 dev "${LATER}0"
ip -n "$T_C2" addr add 10.30.0.2/24 dev c0
ip -n "$T_R" link set "${LATER}0" up
ip -n "$T_C2" link set c0 up
ip -n "$T_C2" link set lo up
ip -n "$T_C2" route add default via 10.30.0.1
attached() { [ "$($ZFWCTL -j iface list "${LATER}0" | jq -r '.parameters.interfaces[0].attached.ingress')" = true ]; }
for _ in $(seq 60); do attached && break; sleep 0.05; done
t_expect "the new interface is attached" attached
t_expect "and the rule naming it applies there" \
	bash -c "ip netns exec $T_C2 nc -w 2 203.0.113.60 80 </dev/null | grep -q 'local=203.0.113.60:80'"
t_expect_fail "while that external interface ignores rules without an interface list" \
	bash -c "ip netns exec $T_C2 nc -w 1 203.0.113.50 80 </dev/null | grep -q local="

t_expect "router delete (no -t, -s)" \
	"$ZFW" -D -c 203.0.113.50 -m 32 -p tcp -o 0.0.0.0 -n 0 -l 80 -h 80
t_expect_fail "the deleted intercept stops matching" in_c nc -z -w 1 203.0.113.50 80
t_expect "deleting it again is done (exit 0)" \
	"$ZFW" -D -c 203.0.113.50 -m 32 -p tcp -o 0.0.0.0 -n 0 -l 80 -h 80

# Another owner's rule: zfw's flush and list leave it alone, and a zfw
# insert that would contradict it fails with the reason.
t_expect "another owner holds a rule" \
	"$ZFWCTL" rule add --owner ops --proto tcp --dst 198.51.100.9 --ports 22 --deny
"$ZFW" -I -c 198.51.100.9 -m 32 -p tcp -o 0.0.0.0 -n 0 -l 22 -h 22 -t 15000 2>"$T_DIR/err"
t_expect_eq "a contradicting insert exits non-zero" 1 $?
t_expect "with the reason on stderr" grep -q "Conflict.*owner \"ops\"" "$T_DIR/err"
t_expect "zfw -L lists the compat rules" bash -c "'$ZFW' -L | grep -q svcUdp"
t_expect "zfw -F flushes them" "$ZFW" -F
t_expect_eq "only them" "ops" "$($ZFWCTL -j rule list | jq -r '[.parameters.rules[].owner] | unique | join(",")')"
ZFWD_SOCKET=$T_DIR/nowhere.sock "$ZFW" -I -c 10.0.0.1 -m 32 -p tcp -l 1 -h 1 -t 1 2>"$T_DIR/err"
t_expect_eq "with zfwd unreachable an insert exits 3" 3 $?
t_expect "saying so" grep -q "cannot reach zfwd" "$T_DIR/err"
t_expect_eq "zfwctl zfw ... is the same command" 0 \
	"$($ZFWCTL zfw -L >/dev/null; echo $?)"
t_done
