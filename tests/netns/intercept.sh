#!/bin/bash
# End to end: the real daemon in a router namespace, rules added with
# zfwctl, real clients (nc, curl) in a client namespace.
#   - TCP and UDP, IPv4 and IPv6, to addresses that exist nowhere land in
#     a TPROXY listener with the original destination as local address;
#   - pass reaches a real server behind the router; deny and unmatched
#     traffic is dropped (and counted);
#   - a removed rule stops matching;
#   - SIGKILL: traffic keeps being intercepted while zfwd is dead; the
#     restarted daemon adopts the maps and lists the same rules.
. "$(dirname "$0")/lib.sh"

t_topology
t_start_daemon
t_tproxy_listener 15000
t_tproxy_listener 15001 -6
# Real servers behind the router.
t_http_server 8080 "hello from server"
t_http_server 8080 "hello from server" 6
t_http_server 8081 "should be denied"
t_http_server 8082 "should be unmatched"
sleep 0.3

Z=$ZFWCTL
t_expect "add tcp intercept"  $Z rule add --proto tcp --dst 203.0.113.5 --ports 80 --tproxy 15000 --service-id web
t_expect "add udp intercept"  $Z rule add --proto udp --dst 203.0.113.0/24 --ports 5000-6000 --tproxy 15000
t_expect "add tcp6 intercept" $Z rule add --proto tcp --dst fd00:99::/64 --tproxy 15001
t_expect "add udp6 intercept" $Z rule add --proto udp --dst fd00:99::/64 --tproxy 15001
t_expect "add pass"           $Z rule add --proto tcp --dst 10.20.0.0/24 --ports 8080 --pass
t_expect "add pass v6"        $Z rule add --proto tcp --dst fd00:20::/64 --ports 8080 --pass
t_expect "add deny"           $Z rule add --proto tcp --dst 10.20.0.2 --ports 8081 --deny

out=$(in_c nc -w 2 203.0.113.5 80 </dev/null)
t_expect_eq "tcp/v4 lands in the listener with the original destination" \
	"local=203.0.113.5:80" "$(grep -o 'local=[^ ]*' <<<"$out")"
out=$(echo ping | in_c nc -u -w 1 203.0.113.77 5353)
t_expect_eq "udp/v4 lands in the listener with the original destination" \
	"local=203.0.113.77:5353" "$(grep -o 'local=[^ ]*' <<<"$out")"
out=$(in_c nc -w 2 fd00:99::1234 443 </dev/null)
t_expect_eq "tcp/v6 lands in the listener with the original destination" \
	"local=[fd00:99::1234]:443" "$(grep -o 'local=[^ ]*' <<<"$out")"
out=$(echo ping | in_c nc -u -w 1 fd00:99::53 53)
t_expect_eq "udp/v6 lands in the listener with the original destination" \
	"local=[fd00:99::53]:53" "$(grep -o 'local=[^ ]*' <<<"$out")"
grep -q "peer=10.10.0.2:" "$T_DIR/echo-15000.out" && t_ok "listener saw the client's address" \
	|| t_fail "listener did not see the client's address"

out=$(in_c curl -s --max-time 3 http://10.20.0.2:8080/)
t_expect_eq "pass reaches the real server (v4)" "hello from server" "$out"
out=$(in_c curl -s --max-time 3 "http://[fd00:20::2]:8080/")
t_expect_eq "pass reaches the real server (v6)" "hello from server" "$out"
t_expect_fail "deny rule drops" in_c curl -s --max-time 2 http://10.20.0.2:8081/
t_expect_fail "unmatched traffic meets default drop" in_c curl -s --max-time 2 http://10.20.0.2:8082/
t_expect_fail "udp outside the port range is unmatched" \
	bash -c "echo x | ip netns exec $T_C nc -u -w 1 203.0.113.77 7000 | grep -q local="

counters=$($Z -j status)
for c in tproxy drop_rule drop_default pass_rule; do
	n=$(jq -r ".parameters.interfaces[0].counters.$c" <<<"$counters")
	if [ "${n:-0}" -gt 0 ]; then t_ok "counter $c = $n"; else t_fail "counter $c is ${n:-missing}"; fi
done
hits=$($Z -j rule list | jq -r '.parameters.rules[] | select(.rule.service_id == "web") | .packets')
[ "${hits:-0}" -gt 0 ] && t_ok "rule hit counter counts ($hits packets)" || t_fail "rule hit counter is ${hits:-missing}"

t_expect "remove the tcp intercept" $Z rule del --proto tcp --dst 203.0.113.5 --ports 80
t_expect_fail "a removed rule stops matching" in_c nc -z -w 1 203.0.113.5 80
t_expect "add it back" $Z rule add --proto tcp --dst 203.0.113.5 --ports 80 --tproxy 15000 --service-id web
t_expect "and it matches again" bash -c "ip netns exec $T_C nc -w 2 203.0.113.5 80 </dev/null | grep -q local=203.0.113.5:80"

before=$($Z -j rule list | jq -c '[.parameters.rules[] | {owner, rule}]')
t_kill_daemon KILL
t_expect "SIGKILL: interception continues while zfwd is dead" \
	bash -c "ip netns exec $T_C nc -w 2 203.0.113.5 80 </dev/null | grep -q local=203.0.113.5:80"
t_expect_fail "SIGKILL: deny still enforced while zfwd is dead" in_c curl -s --max-time 2 http://10.20.0.2:8081/
t_start_daemon
after=$($Z -j rule list | jq -c '[.parameters.rules[] | {owner, rule}]')
t_expect_eq "restarted zfwd lists the same rules" "$before" "$after"
t_expect_eq "restarted zfwd adopted the pinned maps" "true" \
	"$($Z -j status | jq -r .parameters.maps_adopted)"
t_expect_eq "restart changed nothing in the kernel" "0" \
	"$($Z -j status | jq -r .parameters.kernel_ops)"
t_expect "interception works after the restart" \
	bash -c "ip netns exec $T_C nc -w 2 203.0.113.5 80 </dev/null | grep -q local=203.0.113.5:80"
t_done
