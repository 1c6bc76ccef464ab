#!/bin/bash
# The stateful firewall with real clients: zfwd manages the router's
# server-facing interface (default drop) and the one towards a second
# server behind a smaller-MTU link.
#   - the router's own connections complete (curl, nc, UDP, ping, v4/v6);
#   - the server cannot open a connection back;
#   - ping to the router only with icmp_echo, switched at run time;
#   - an IPv6 Packet Too Big from the path reaches the router, which
#     lowers its path MTU and the transfer completes;
#   - SSH to the interface's own address, not to an address on lo;
#     ssh off and on again at run time.
. "$(dirname "$0")/lib.sh"

T_M=zfwt-$T_ID-m
T_S2=zfwt-$T_ID-s2
T_RM0=zt${T_ID}rm
t_cleanup_extra() { ip netns del "$T_M" 2>/dev/null; ip netns del "$T_S2" 2>/dev/null; }

t_topology
# router --(1500)-- mid --(1280 on mid's side)-- server2
ip netns add "$T_M"
ip netns add "$T_S2"
ip link add "$T_RM0" netns "$T_R" type veth peer name m0 netns "$T_M"
ip link add m1 netns "$T_M" type veth peer name s0 netns "$T_S2"
ip -n "$T_R" addr add fd00:30::1/64 dev "$T_RM0" nodad
ip -n "$T_M" addr add fd00:30::2/64 dev m0 nodad
ip -n "$T_M" addr add fd00:40::1/64 dev m1 nodad
ip -n "$T_S2" addr add fd00:40::2/64 dev s0 nodad
ip -n "$T_M" link set m1 mtu 1280
for l in "$T_R:$T_RM0" "$T_M:m0" "$T_M:m1" "$T_S2:s0" "$T_M:lo" "$T_S2:lo"; do
	ip -n "${l%%:*}" link set "${l#*:}" up
done
ip netns exec "$T_M" sysctl -qw net.ipv6.conf.all.forwarding=1
ip -n "$T_R" -6 route add fd00:40::/64 via fd00:30::2
ip -n "$T_S2" -6 route add default via fd00:40::1

t_config "{\"interfaces\":[
  {\"name\":\"$T_RS0\",\"role\":\"internal\",\"default_action\":\"drop\"},
  {\"name\":\"$T_RM0\",\"role\":\"external\",\"default_action\":\"drop\"}]}"
t_start_daemon
Z=$ZFWCTL

t_http_server 8080 "hello from server"
t_http_server 8080 "hello from server" 6
t_bg s socat UDP4-RECVFROM:5353,fork EXEC:"echo udp-ok"
t_bg s socat TCP4-LISTEN:7,fork,reuseaddr EXEC:cat
t_bg r socat TCP4-LISTEN:9000,fork,reuseaddr EXEC:"echo router-open"
t_bg r socat TCP4-LISTEN:22,fork,reuseaddr EXEC:"echo ssh-ok"
t_bg r socat TCP6-LISTEN:22,fork,reuseaddr,ipv6only=1 EXEC:"echo ssh-ok"
ip -n "$T_R" addr add 192.0.2.1/32 dev lo
ip -n "$T_S" route add 192.0.2.1/32 via 10.20.0.1
sleep 0.3

t_expect_eq "the router's HTTP request to the server completes (v4)" "hello from server" \
	"$(in_r curl -s --max-time 3 http://10.20.0.2:8080/)"
t_expect_eq "the router's HTTP request to the server completes (v6)" "hello from server" \
	"$(in_r curl -s --max-time 3 'http://[fd00:20::2]:8080/')"
t_expect_eq "a TCP stream both ways (nc through an echo)" "several lines" \
	"$(echo 'several lines' | in_r nc -q 1 -w 3 10.20.0.2 7)"
t_expect_eq "the router's UDP query gets its answer" "udp-ok" \
	"$(echo q | in_r nc -u -w 1 10.20.0.2 5353)"
t_expect "the router can ping the server (v4)" in_r ping -c 1 -W 2 10.20.0.2
t_expect "the router can ping the server (v6)" in_r ping -6 -c 1 -W 2 fd00:20::2

t_expect_fail "the server cannot open a connection to the router" in_s nc -z -w 1 10.20.0.1 9000
t_expect_fail "the server cannot ping the router while icmp_echo is off" in_s ping -c 1 -W 1 10.20.0.1
t_expect "icmp_echo on, at run time" $Z iface set "$T_RS0" --icmp-echo on
t_expect "now the server can ping the router" in_s ping -c 1 -W 2 10.20.0.1
t_expect "and over IPv6" in_s ping -6 -c 1 -W 2 fd00:20::1
t_expect "icmp_echo off again" $Z iface set "$T_RS0" --icmp-echo off
t_expect_fail "and pings are dropped again" in_s ping -c 1 -W 1 10.20.0.1

# Path MTU: the router sends full-size segments; mid cannot forward them
# onto its 1280-byte link and answers Packet Too Big.
t_bg c true
ip netns exec "$T_S2" nc -6 -l -N 5001 >"$T_DIR/received" &
T_BG_PIDS+=($!)
sleep 0.3
head -c 300000 /dev/urandom >"$T_DIR/sent"
in_r timeout 15 nc -6 -N -w 10 fd00:40::2 5001 <"$T_DIR/sent"
sleep 0.5
t_expect_eq "a 300 kB transfer over the 1280-byte path completes" 300000 \
	"$(stat -c %s "$T_DIR/received" 2>/dev/null)"
t_expect "the router honoured Packet Too Big (path MTU 1280 cached)" \
	bash -c "nsenter --net=/run/netns/$T_R ip -6 route get fd00:40::2 | grep -q 'mtu 1280'"
n=$($Z -j iface list "$T_RM0" | jq -r '.parameters.interfaces[0].counters.pass_icmp')
[ "${n:-0}" -gt 0 ] && t_ok "the Packet Too Big was admitted as ICMP of a tracked flow ($n)" \
	|| t_fail "no ICMP admitted on $T_RM0: $($Z -j iface list "$T_RM0" | jq -c .parameters.interfaces[0].counters)"

t_expect_eq "SSH to the interface's own address is admitted" "ssh-ok" \
	"$(in_s nc -w 2 10.20.0.1 22 </dev/null)"
t_expect_eq "and over IPv6" "ssh-ok" "$(in_s nc -6 -w 2 fd00:20::1 22 </dev/null)"
t_expect_fail "SSH to an address the router has on lo is not" in_s nc -z -w 1 192.0.2.1 22
t_expect "ssh off, at run time" $Z iface set "$T_RS0" --ssh off
t_expect_fail "SSH is refused now" in_s nc -z -w 1 10.20.0.1 22
t_expect "ssh on again" $Z iface set "$T_RS0" --ssh on
t_expect_eq "SSH is admitted again" "ssh-ok" "$(in_s nc -w 2 10.20.0.1 22 </dev/null)"

info=$($Z -j iface list "$T_RS0")
t_expect_eq "ListInterfaces: attached on both hooks" "true true" \
	"$(jq -r '.parameters.interfaces[0].attached | "\(.ingress) \(.egress)"' <<<"$info")"
t_expect_eq "ListInterfaces: its addresses" '["10.20.0.1/24","fd00:20::1/64"]' \
	"$(jq -c '[.parameters.interfaces[0].addresses[] | select(startswith("fe80") | not)] | sort' <<<"$info")"
t_expect_eq "ListInterfaces: run-time options persist as overrides" "true" \
	"$(jq -r '.parameters.interfaces[0].overridden' <<<"$info")"
t_kill_daemon TERM
t_start_daemon
t_expect_eq "SetInterface options survive a restart" "true false" \
	"$($Z -j iface list "$T_RS0" | jq -r '.parameters.interfaces[0] | "\(.options.ssh) \(.options.icmp_echo)"')"
t_expect "reset returns to the configuration" $Z iface set "$T_RS0" --reset
t_expect_eq "no longer overridden" "false" \
	"$($Z -j iface list "$T_RS0" | jq -r '.parameters.interfaces[0].overridden')"
t_done
