#!/bin/bash
# SyncRules at router scale without a gap: 10,000 rules, then a sync that
# changes 10 of them while an iperf3 UDP stream runs through a pass rule
# and a long-lived TCP connection runs through a tproxy rule, both
# unchanged: the counters say only 10 were touched, the UDP stream loses
# no datagram, the TCP connection carries every line.
#
# Egress tracking is off on the client side, so no flow entry carries the
# stream: every datagram depends on the pass rule being there. (With it
# on, iperf3's UDP handshake reply would make the stream a tracked flow.)
. "$(dirname "$0")/lib.sh"

t_topology
t_config "{\"interfaces\":[{\"name\":\"$T_RC0\",\"default_action\":\"drop\",\"egress\":false}]}"
t_start_daemon
Z=$ZFWCTL
t_bg r "$TPROXY_ECHO" -p 15000 -t -e >/dev/null
t_bg s iperf3 -s -p 5201 -1
sleep 0.3

# 9,998 tproxy rules + pass rules for iperf3's control and data.
t_gen_rules 9998 0 >"$T_DIR/gen.json"
jq '. + [{"protocol":"tcp","destination":"10.20.0.2","ports":{"low":5201},"action":"pass"},
         {"protocol":"udp","destination":"10.20.0.2","ports":{"low":5201},"action":"pass"}]' \
	"$T_DIR/gen.json" >"$T_DIR/set1.json"
# The same set with 10 rules swapped for 10 others (never the stream's).
jq '.[10:] + [range(0; 10) | {"protocol":"tcp","destination":"100.99.0.\(. + 1)/32",
	"ports":{"low":443,"high":443},"action":"tproxy","tproxy_port":15000,
	"service_id":"new-\(.)"}]' "$T_DIR/set1.json" >"$T_DIR/set2.json"

out=$($Z -j rule sync --owner ziti-router "$T_DIR/set1.json")
t_expect_eq "first sync adds 10,000" "10000 0 0" \
	"$(jq -r '.parameters | "\(.added) \(.removed) \(.kept)"' <<<"$out")"

# A long-lived TCP connection through an unchanged tproxy rule (100.64.0.200);
# after its SYN, its packets are assigned to its established socket.
(for i in $(seq 60); do echo "line $i"; sleep 0.1; done) |
	ip netns exec "$T_C" nc -q 2 100.64.0.200 443 >"$T_DIR/tcp.out" &
T_BG_PIDS+=($!)
tcp_pid=$!
# An iperf3 UDP stream through an unchanged pass rule.
ip netns exec "$T_C" iperf3 -c 10.20.0.2 -p 5201 -u -b 20M -t 5 -J >"$T_DIR/iperf.json" &
iperf_pid=$!
sleep 2
out=$($Z -j rule sync --owner ziti-router "$T_DIR/set2.json")
t_expect_eq "the second sync touches only the 10 changed rules" "10 10 9990" \
	"$(jq -r '.parameters | "\(.added) \(.removed) \(.kept)"' <<<"$out")"
ops=$(jq -r .parameters.kernel_ops <<<"$out")
[ "$ops" -le 60 ] && t_ok "and $ops kernel map operations" ||
	t_fail "the sync made $ops kernel map operations for 10 changed rules"
wait "$iperf_pid"
t_expect_eq "iperf3 ran" "0" "$?"
lost=$(jq -r '.end.sum.lost_packets' "$T_DIR/iperf.json")
total=$(jq -r '.end.sum.packets' "$T_DIR/iperf.json")
t_expect_eq "the UDP stream lost no datagram during the sync ($total sent)" 0 "$lost"
wait "$tcp_pid"
t_expect_eq "the TCP connection through the tproxy rule carried every line" 60 \
	"$(grep -c '^line ' "$T_DIR/tcp.out")"
t_expect "and it was intercepted" grep -q "local=100.64.0.200:443" "$T_DIR/tcp.out"
t_expect "a new rule of the sync intercepts" \
	bash -c "ip netns exec $T_C nc -w 2 100.99.0.3 443 </dev/null | grep -q local=100.99.0.3:443"
t_expect_fail "a removed one does not" in_c nc -z -w 1 100.64.0.3 443
t_expect_eq "validating the same set again would change nothing" "0 10000" \
	"$($Z -j rule validate --owner ziti-router "$T_DIR/set2.json" | jq -r '.parameters | "\(.added) \(.existing)"')"
t_done
