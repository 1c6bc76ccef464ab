#!/bin/bash
# The API through the real socket: zfwctl's exit codes and messages, raw
# Varlink calls, whole-call validation, and hostile input (garbage, oversized
# and truncated messages) that must cost a connection, never the daemon.
. "$(dirname "$0")/lib.sh"

t_topology
t_config "{\"interfaces\":[{\"name\":\"$T_RC0\",\"default_action\":\"drop\"}],\"limits\":{\"max_message\":65536}}"
t_start_daemon
Z=$ZFWCTL

# Raw Varlink: one JSON object and a NUL, answered the same way.
vcall() { printf '%s\0' "$1" | timeout 5 socat -t 2 - UNIX-CONNECT:"$T_SOCK" | tr -d '\0'; }

"$Z" -s "$T_DIR/nothing.sock" status >/dev/null 2>&1
t_expect_eq "zfwctl: daemon unreachable exits 3" 3 $?
"$Z" rule add --proto tcp --pass >/dev/null 2>&1
t_expect_eq "zfwctl: usage error exits 2" 2 $?
"$Z" rule add --proto tcp --dst 10.1.2.3/8 --pass 2>"$T_DIR/err"
t_expect_eq "zfwctl: daemon error exits 1" 1 $?
t_expect "zfwctl: the error names the rule and the field" \
	grep -q "InvalidRule: rule 0, field destination: host bits" "$T_DIR/err"
"$Z" frobnicate >/dev/null 2>&1
t_expect_eq "zfwctl: unknown command exits 2" 2 $?

out=$(vcall '{"method":"org.varlink.service.GetInfo"}')
t_expect_eq "GetInfo lists the interfaces" '["org.varlink.service","io.openziti.zfwd"]' \
	"$(jq -c .parameters.interfaces <<<"$out")"
vcall '{"method":"org.varlink.service.GetInterfaceDescription","parameters":{"interface":"io.openziti.zfwd"}}' |
	jq -j .parameters.description >"$T_DIR/idl"
t_expect "GetInterfaceDescription serves proto/io.openziti.zfwd.varlink" \
	diff -q "$(dirname "$0")/../../proto/io.openziti.zfwd.varlink" "$T_DIR/idl"
out=$(vcall '{"method":"io.openziti.zfwd.Frobnicate"}')
t_expect_eq "unknown method is MethodNotFound" "org.varlink.service.MethodNotFound" \
	"$(jq -r .error <<<"$out")"
out=$(vcall '{"method":"io.openziti.zfwd.AddRules","parameters":{"rules":[
	{"protocol":"tcp","destination":"198.51.100.1","action":"pass"},
	{"protocol":"udp","destination":"198.51.100.2","action":"deny"},
	{"protocol":"tcp","destination":"198.51.100.3","action":"tproxy"}]}}')
t_expect_eq "a bad third rule fails the call with its index and field" "2 tproxy_port" \
	"$(jq -r '"\(.parameters.index) \(.parameters.field)"' <<<"$out")"
t_expect_eq "and nothing of the call was applied" "0" \
	"$("$Z" -j rule list | jq '.parameters.rules | length')"
out=$(vcall '{"method":"io.openziti.zfwd.AddRules","parameters":{"owner":"bad owner!","rules":[]}}')
t_expect_eq "an invalid owner is InvalidParameter" "owner" "$(jq -r .parameters.parameter <<<"$out")"
out=$(vcall '{"method":"io.openziti.zfwd.ListRules","parameters":{"ownr":"x"}}')
t_expect_eq "an unknown parameter is InvalidParameter" "ownr" "$(jq -r .parameters.parameter <<<"$out")"
printf '%s\0%s\0' '{"method":"io.openziti.zfwd.GetStatus"}' '{"method":"io.openziti.zfwd.ListRules"}' |
	timeout 5 socat -t 2 - UNIX-CONNECT:"$T_SOCK" | tr '\0' '\n' >"$T_DIR/pipelined"
t_expect_eq "two pipelined calls get two replies" 2 "$(grep -c parameters "$T_DIR/pipelined")"

# Hostile input: each costs at most its own connection.
printf 'this is not json\0' | timeout 5 socat -t 2 - UNIX-CONNECT:"$T_SOCK" >"$T_DIR/garbage"
t_expect_eq "non-JSON closes the connection without a reply" 0 "$(wc -c <"$T_DIR/garbage")"
head -c 100000 /dev/zero | tr '\0' 'x' | timeout 5 socat -t 2 - UNIX-CONNECT:"$T_SOCK" >/dev/null
t_expect "a message over max_message is refused and zfwd still answers" "$Z" status
for _ in $(seq 30); do
	head -c $((RANDOM % 4096 + 1)) /dev/urandom | timeout 2 socat -t 1 - UNIX-CONNECT:"$T_SOCK" >/dev/null 2>&1
done
printf '{"method":"io.openziti.zfwd.GetSt' | timeout 2 socat -t 0.2 - UNIX-CONNECT:"$T_SOCK" >/dev/null
t_expect "random bytes and truncated calls leave zfwd answering" "$Z" status
t_expect "the daemon is the same process" kill -0 "$T_DAEMON_PID"
t_done
