#!/bin/bash
# Who may do what, through the real socket, with clients run as other
# users (setpriv):
#   - the socket zfwd binds is 0660, group the API group;
#   - a member of the group (supplementary or primary) changes rules;
#   - any other uid cannot connect; once the socket lets it in, it reads
#     (status, list, metrics, monitor) and gets PermissionDenied for
#     changes, logged once per connection and counted;
#   - connections are bounded, silent ones time out, monitors do not.
. "$(dirname "$0")/lib.sh"

G=zfwt$T_ID
MEMBER=61001 OTHER=61002 PRIMARY=61003
groupadd "$G" || { t_log "cannot create group $G"; exit 1; }
t_cleanup_extra() { groupdel "$G" 2>/dev/null; }
GID=$(getent group "$G" | cut -d: -f3)
# Other users must reach the socket's directory.
chmod 0711 "$T_DIR"

t_topology
t_config "{\"interfaces\":[{\"name\":\"$T_RC0\"}],\"api_group\":\"$G\",
  \"limits\":{\"idle_timeout\":1,\"max_clients\":8}}"
t_start_daemon
Z=$ZFWCTL
as() { # UID [--primary] CMD...: runs CMD as UID (its own group), or in group G
	local uid=$1; shift
	if [ "$1" = --primary ]; then
		shift; setpriv --reuid="$uid" --regid="$GID" --clear-groups -- "$@"
	elif [ "$uid" = "$MEMBER" ]; then
		setpriv --reuid="$uid" --regid="$uid" --groups="$GID" -- "$@"
	else
		setpriv --reuid="$uid" --regid="$uid" --clear-groups -- "$@"
	fi
}
rc() { "$@" >/dev/null 2>&1; echo $?; }

t_expect_eq "the socket is 0660, group $G" "660 root $G" "$(stat -c '%a %U %G' "$T_SOCK")"
t_expect_eq "a member of $G adds a rule" "0" \
	"$(rc as $MEMBER "$Z" rule add --proto tcp --dst 10.99.0.0/16 --pass --owner member)"
t_expect_eq "a uid with $G as its primary group adds one" "0" \
	"$(rc as $PRIMARY --primary "$Z" rule add --proto tcp --dst 10.98.0.0/16 --pass --owner primary)"
t_expect_eq "another uid cannot even connect (exit 3)" "3" "$(rc as $OTHER "$Z" status)"

# Open the socket to everyone: reading is allowed, changing is not.
chmod 0666 "$T_SOCK"
t_expect_eq "another uid reads the status" "0" "$(rc as $OTHER "$Z" status)"
t_expect_eq "... lists rules" "2" "$(as $OTHER "$Z" -j rule list | jq '.parameters.rules | length')"
t_expect_eq "... lists interfaces" "0" "$(rc as $OTHER "$Z" iface list)"
t_expect_eq "... reads metrics" "0" "$(rc as $OTHER "$Z" metrics)"
t_expect_eq "... validates (a dry run reads)" "0" \
	"$(echo '[{"protocol":"tcp","destination":"10.97.0.0/16","action":"pass"}]' |
	   rc as $OTHER "$Z" rule validate -)"
out=$(as $OTHER "$Z" rule add --proto tcp --dst 10.97.0.0/16 --pass 2>&1); code=$?
t_expect_eq "... but cannot add a rule (exit 1)" "1" "$code"
t_expect "... told PermissionDenied" grep -q "org.varlink.service.PermissionDenied" <<<"$out"
for cmd in "rule del --proto tcp --dst 10.99.0.0/16 --owner member" "rule flush" \
	"iface set $T_RC0 --icmp-echo on"; do
	# shellcheck disable=SC2086
	t_expect_eq "... nor: $cmd" "1" "$(rc as $OTHER "$Z" $cmd)"
done
t_expect_eq "nothing changed" "2" "$("$Z" -j rule list | jq '.parameters.rules | length')"
t_expect_eq "the options did not change" "false" \
	"$("$Z" -j iface list | jq '.parameters.interfaces[0].options.icmp_echo')"
timeout 2 setpriv --reuid=$OTHER --regid=$OTHER --clear-groups -- "$Z" monitor \
	>/dev/null 2>"$T_DIR/mon.err"
t_expect "another uid may monitor" grep -q monitoring "$T_DIR/mon.err"

# Refusals: logged once per connection, every one counted.
denied0=$("$Z" -j status | jq .parameters.api.denied)
logs0=$(grep -c "may only read" "$T_DIR"/zfwd*.log)
printf '{"method":"io.openziti.zfwd.FlushRules"}\0{"method":"io.openziti.zfwd.AddRules","parameters":{"rules":[]}}\0{"method":"io.openziti.zfwd.GetStatus"}\0' |
	as $OTHER socat -t 2 - UNIX-CONNECT:"$T_SOCK" | tr '\0' '\n' >"$T_DIR/replies"
t_expect_eq "one connection, two refusals, then a read" \
	"org.varlink.service.PermissionDenied org.varlink.service.PermissionDenied ok" \
	"$(jq -r '.error // "ok"' "$T_DIR/replies" | tr '\n' ' ' | sed 's/ $//')"
t_expect_eq "both refusals counted" "$((denied0 + 2))" "$("$Z" -j status | jq .parameters.api.denied)"
t_expect_eq "one log line for that connection" "$((logs0 + 1))" \
	"$(grep -c "may only read" "$T_DIR"/zfwd*.log)"
t_expect "the log line names the uid" grep -q "uid $OTHER .*may only read" "$T_DIR"/zfwd*.log
t_expect_eq "metrics count the refusals" "$((denied0 + 2))" \
	"$("$Z" metrics | awk '$1 == "zfwd_api_denied_total" { print $2 }')"

# Silent connections time out (idle_timeout 1 s); a monitor does not.
"$Z" monitor >/dev/null 2>&1 &
T_BG_PIDS+=($!)
idle0=$("$Z" -j status | jq .parameters.api.idle_closed)
start=$(date +%s%N)
# socat stays as long as its stdin is open (5 s), unless zfwd hangs up.
( sleep 5 ) | socat -t 0.1 UNIX-CONNECT:"$T_SOCK" - >/dev/null 2>&1 &
silent=$!
T_BG_PIDS+=($silent)
for _ in $(seq 60); do kill -0 $silent 2>/dev/null || break; sleep 0.05; done
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
if ! kill -0 $silent 2>/dev/null && [ "$elapsed" -lt 2900 ]; then
	t_ok "a silent connection is closed after the idle timeout (${elapsed} ms)"
else
	t_fail "the silent connection was not closed within 3 s"
fi
t_expect "idle closes are counted" test "$("$Z" -j status | jq .parameters.api.idle_closed)" -gt "$idle0"
t_expect_eq "the monitor outlived the timeout" "1" "$("$Z" -j status | jq .parameters.events.monitors)"

# Connections are bounded (max_clients 8, one taken by the monitor): the
# crowd's extra connections are refused and counted, and zfwd answers
# again once the crowd goes.
refused0=$("$Z" -j status | jq .parameters.api.refused)
pids=()
for _ in $(seq 10); do
	( sleep 0.8 ) | socat -t 0.1 UNIX-CONNECT:"$T_SOCK" - >/dev/null 2>&1 &
	pids+=($!)
done
wait "${pids[@]}" 2>/dev/null
refused1=$("$Z" -j status | jq .parameters.api.refused)
t_expect "connections past max_clients are refused and counted ($refused0 -> $refused1)" \
	test "$refused1" -gt "$refused0"
t_expect "zfwd answers after the crowd" "$Z" status
t_done
