#!/bin/bash
# zfwd follows interfaces and addresses over netlink, with no restart:
#   - addresses added and removed with `ip addr` (IPv4 primary and
#     secondary, IPv6) show in ListInterfaces and in the map (SSH to them
#     is admitted exactly while they exist);
#   - a veth deleted and created again is attached again and filtered;
#   - a renamed interface is re-evaluated against the configuration;
#   - 200 quick link flaps: zfwd answers, no fd and no map entry leaks.
. "$(dirname "$0")/lib.sh"

t_topology
FLAP=zt${T_ID}x
t_config "{\"interfaces\":[
  {\"name\":\"$T_RS0\",\"role\":\"internal\",\"default_action\":\"drop\"},
  {\"name\":\"${FLAP}*\",\"role\":\"internal\",\"default_action\":\"drop\"}]}"
t_start_daemon
Z=$ZFWCTL
t_bg r socat TCP4-LISTEN:22,fork,reuseaddr EXEC:"echo ssh-ok"
t_bg r socat TCP6-LISTEN:22,fork,reuseaddr,ipv6only=1 EXEC:"echo ssh-ok"
t_bg r socat TCP4-LISTEN:9000,fork,reuseaddr EXEC:"echo open"
t_http_server 8080 "hello from server"
sleep 0.3

addrs() { $Z -j iface list "$T_RS0" | jq -r '.parameters.interfaces[0].addresses[]?'; }
# wait_for CMD...: polls until the command succeeds (at most 3 s).
wait_for() {
	for _ in $(seq 60); do "$@" && return 0; sleep 0.05; done
	return 1
}
has_addr() { addrs | grep -qx "$1"; }
lacks_addr() { ! addrs | grep -qx "$1"; }
ssh_ok() { [ "$(ip netns exec "$T_S" nc -w 2 "$@" 22 </dev/null)" = ssh-ok ]; }

t_expect_fail "no SSH to an address the interface does not have" in_s nc -z -w 1 10.20.0.77 22
ip -n "$T_R" addr add 10.20.0.77/24 dev "$T_RS0"
t_expect "an added address shows in ListInterfaces" wait_for has_addr 10.20.0.77/24
t_expect "and in the map: SSH to it is admitted" ssh_ok 10.20.0.77
ip -n "$T_R" addr add 10.20.0.78/24 dev "$T_RS0"   # same subnet: a secondary address
t_expect "a secondary address shows too" wait_for has_addr 10.20.0.78/24
t_expect "and is in the map" ssh_ok 10.20.0.78
ip -n "$T_R" addr add fd00:20::77/64 dev "$T_RS0" nodad
t_expect "an IPv6 address shows" wait_for has_addr fd00:20::77/64
t_expect "and is in the map" ssh_ok -6 fd00:20::77
ip -n "$T_R" addr del 10.20.0.77/24 dev "$T_RS0"
t_expect "a removed address leaves ListInterfaces" wait_for lacks_addr 10.20.0.77/24
t_expect_fail "and the map: SSH to it is dropped" in_s nc -z -w 1 10.20.0.77 22
ip -n "$T_R" addr del fd00:20::77/64 dev "$T_RS0"
t_expect "a removed IPv6 address leaves too" wait_for lacks_addr fd00:20::77/64

# Delete and re-create the server-facing veth.
old=$($Z -j iface list "$T_RS0" | jq -r '.parameters.interfaces[0].ifindex')
ip -n "$T_R" link del "$T_RS0"
gone() { [ "$($Z -j iface list "$T_RS0" | jq '.parameters.interfaces | length')" = 0 ]; }
t_expect "a deleted interface leaves ListInterfaces" wait_for gone
ip link add "$T_RS0" netns "$T_R" type veth peer name s0 netns "$T_S"
ip -n "$T_R" addr add 10.20.0.1/24 dev "$T_RS0"
ip -n "$T_S" addr add 10.20.0.2/24 dev s0
ip -n "$T_R" link set "$T_RS0" up
ip -n "$T_S" link set s0 up
ip -n "$T_S" route add default via 10.20.0.1
back() {
	local j
	j=$($Z -j iface list "$T_RS0")
	[ "$(jq -r '.parameters.interfaces[0].attached | "\(.ingress)\(.egress)"' <<<"$j")" = truetrue ] &&
		[ "$(jq -r '.parameters.interfaces[0].ifindex' <<<"$j")" != "$old" ]
}
t_expect "the re-created interface is attached again (new ifindex)" wait_for back
t_expect_fail "and filtered again: the server cannot connect in" in_s nc -z -w 1 10.20.0.1 9000
t_expect_eq "while the router's own connections work" "hello from server" \
	"$(in_r curl -s --max-time 3 http://10.20.0.2:8080/)"
t_expect "and SSH to its address is admitted" ssh_ok 10.20.0.1

# Rename: out of the configuration and back into it.
ip -n "$T_R" link set "$T_RS0" down
ip -n "$T_R" link set "$T_RS0" name zt${T_ID}zz
t_expect "a renamed interface the config does not name is no longer managed" wait_for gone
t_expect_eq "and zfwd's filters are off it" "" \
	"$(ip -n "$T_R" -j filter show dev zt${T_ID}zz ingress 2>/dev/null | jq -r '.[]?.options?.bpf_name? // empty')"
ip -n "$T_R" link set zt${T_ID}zz name "$T_RS0"
ip -n "$T_R" link set "$T_RS0" up
there() { [ "$($Z -j iface list "$T_RS0" | jq -r '.parameters.interfaces[0].attached.ingress')" = true ]; }
t_expect "renamed back, it is managed again" wait_for there

# 200 quick flaps: interfaces matching the config created and deleted,
# and a managed one taken down and up.
pid=$T_DAEMON_PID
count() { bpftool -j map dump pinned "$T_PIN/$1" | jq length; }
fds0=$(ls /proc/"$pid"/fd | wc -l)
m0="$(count zfwd_ifaces) $(count zfwd_istats) $(count zfwd_addrs)"
{
	for i in $(seq 100); do
		echo "link add ${FLAP}a type veth peer name ${FLAP}b"
		echo "addr add 10.99.0.1/24 dev ${FLAP}a"
		echo "link set ${FLAP}a up"
		echo "link del ${FLAP}a"
	done
	for i in $(seq 100); do
		echo "link set $T_RS0 down"
		echo "link set $T_RS0 up"
	done
} >"$T_DIR/flaps"
ip -n "$T_R" -batch "$T_DIR/flaps"
settled() {
	[ "$($Z -j iface list | jq '[.parameters.interfaces[] | select(.name | startswith("'"$FLAP"'"))] | length')" = 0 ] &&
		[ "$(count zfwd_ifaces) $(count zfwd_istats) $(count zfwd_addrs)" = "$m0" ]
}
t_expect "after 200 flaps zfwd answers and its maps are back to where they were ($m0)" wait_for settled
t_expect_eq "no file descriptor leaked" "$fds0" "$(ls /proc/"$pid"/fd | wc -l)"
t_expect "the managed interface is still attached" there
t_expect "and still filtering" in_s bash -c "! nc -z -w 1 10.20.0.1 9000"
t_expect "it is the same daemon" kill -0 "$pid"
echo "netlink: $($Z -j status | jq -c .parameters.netlink)" >&2
t_done
