#!/bin/bash
# Lost netlink events: with a tiny receive buffer, a burst of link changes
# overruns zfwd's socket (ENOBUFS); zfwd dumps links and addresses again
# and its maps converge to what exists. Also: a foreign tc filter on a
# managed interface outlives zfwd letting go of the interface.
. "$(dirname "$0")/lib.sh"

t_topology
FLAP=zt${T_ID}x
t_config "{\"interfaces\":[
  {\"name\":\"$T_RS0\",\"default_action\":\"drop\"},
  {\"name\":\"${FLAP}*\",\"default_action\":\"drop\"}],
  \"limits\":{\"netlink_rcvbuf\":4096}}"
t_start_daemon
Z=$ZFWCTL
count() { bpftool -j map dump pinned "$T_PIN/$1" | jq length; }
wait_for() {
	for _ in $(seq 100); do "$@" && return 0; sleep 0.05; done
	return 1
}

# Another tool's filter on the managed interface, at its own priority: a
# classic BPF program that classifies everything (cls_bpf, like zfwd's).
t_expect "another tool adds its own tc filter" \
	ip netns exec "$T_R" tc filter add dev "$T_RS0" ingress prio 1 bpf bytecode '1,6 0 0 4294967295,'
m0="$(count zfwd_ifaces) $(count zfwd_istats) $(count zfwd_addrs)"
{
	for i in $(seq 40); do
		echo "link add ${FLAP}$i type veth peer name ${FLAP}p$i"
		echo "addr add 10.98.$i.1/24 dev ${FLAP}$i"
	done
	# A few that stay.
	for i in 1 2 3; do echo "link add ${FLAP}keep$i type veth peer name ${FLAP}kp$i"; done
	for i in $(seq 40); do echo "link del ${FLAP}$i"; done
} >"$T_DIR/burst"
ip -n "$T_R" -batch "$T_DIR/burst"
overran() { [ "$($Z -j status | jq .parameters.netlink.overruns)" -gt 0 ]; }
t_expect "the burst overran the netlink socket (ENOBUFS seen)" wait_for overran
# 3 kept veths, both ends matching the glob: 6 new managed interfaces.
converged() {
	[ "$($Z -j iface list | jq '[.parameters.interfaces[] | select(.name | startswith("'"$FLAP"'"))] | length')" = 6 ] &&
		[ "$(count zfwd_ifaces)" = $(( ${m0%% *} + 6 )) ]
}
if wait_for converged; then
	t_ok "after the re-dump the model and maps hold exactly what exists"
else
	t_fail "after the re-dump: $($Z -j iface list | jq -c '[.parameters.interfaces[] | {name, ifindex, a: .attached}]') maps $(count zfwd_ifaces) (before: $m0) netlink $($Z -j status | jq -c .parameters.netlink)"
fi
t_expect_eq "no address of a deleted interface is left in the map" "${m0##* }" "$(count zfwd_addrs)"
attached_all() {
	[ "$($Z -j iface list | jq '[.parameters.interfaces[] | select(.attached.ingress and .attached.egress)] | length')" = 7 ]
}
t_expect "every managed interface is attached on both hooks" wait_for attached_all

echo "netlink: $($Z -j status | jq -c .parameters.netlink)" >&2

# zfwd lets go of the interface: its filters go, the foreign one stays.
t_config "{\"interfaces\":[{\"name\":\"${FLAP}*\",\"default_action\":\"drop\"}]}"
kill -HUP "$T_DAEMON_PID"
released() { [ "$($Z -j iface list "$T_RS0" | jq '.parameters.interfaces | length')" = 0 ]; }
t_expect "after a reload without it, the interface is released" wait_for released
filters=$(ip netns exec "$T_R" tc -j filter show dev "$T_RS0" ingress)
t_expect_eq "zfwd's filter is gone" "0" \
	"$(jq '[.[] | select(.options.bpf_name? // "" | startswith("zfwd"))] | length' <<<"$filters")"
t_expect_eq "the foreign filter is still there" "1" \
	"$(jq '[.[] | select(.kind == "bpf" and .options.bytecode? != null)] | length' <<<"$filters")"
t_done
