#!/bin/bash
# Control-plane cost as a router sees it, against the real daemon in a
# namespace this script creates and removes:
#   - zfw compatibility: one process per rule, as routers fork zfw today;
#   - one SyncRules with 10,000 rules, and a re-sync changing 10 of them;
#   - one AddRules with 10,000 rules.
# Usage: tests/bench/api.sh BUILD_DIR [N_ZFW_CALLS]
set -euo pipefail
b=$(cd "$1" && pwd)
n=${2:-1000}
here=$(cd "$(dirname "$0")" && pwd)
ns=zfwd-bench-$$
dir=$(mktemp -d /tmp/zfwd-bench.XXXXXX)
pin=/sys/fs/bpf/zfwd-bench-$$
pid=
cleanup() {
	set +e
	[ -n "$pid" ] && kill "$pid" && wait "$pid"
	nsenter --net=/run/netns/"$ns" "$b/zfwd/zfwd" -c "$dir/zfwd.conf" -p "$pin" --uninstall \
		>/dev/null 2>&1
	rm -rf "$pin" "$dir"
	ip netns del "$ns"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
echo '{"interfaces":[]}' >"$dir/zfwd.conf"
nsenter --net=/run/netns/"$ns" "$b/zfwd/zfwd" -c "$dir/zfwd.conf" -s "$dir/sock" -p "$pin" \
	-S "$dir/state" -l warning &
pid=$!
export ZFWD_SOCKET=$dir/sock
Z=$b/clients/zfwctl/zfwctl
for _ in $(seq 100); do "$Z" status >/dev/null 2>&1 && break; sleep 0.05; done
ms() { echo $(( ($2 - $1) / 1000000 )); }

zfw_calls() { # FROM: n zfw -I calls
	local t0 t1 i
	t0=$(date +%s%N)
	for i in $(seq "$1" $(($1 + n - 1))); do
		"$b/clients/zfwctl/zfw" -I -c "100.96.$((i / 256 % 256)).$((i % 256))" -m 32 -p tcp \
			-o 0.0.0.0 -n 0 -l 443 -h 443 -t 15000 -s "svc-$i" >/dev/null
	done
	t1=$(date +%s%N)
	echo "$(( (t1 - t0) / n / 1000 ))"
}

gen() {
	awk -v n="$1" -v off="$2" 'BEGIN { printf "[";
		for (i = 0; i < n; i++) { a = i + off;
			printf "%s{\"protocol\":\"tcp\",\"destination\":\"100.%d.%d.%d/32\",\"ports\":{\"low\":443,\"high\":443},\"action\":\"tproxy\",\"tproxy_port\":15000,\"service_id\":\"svc-%d\"}", \
				(i ? "," : ""), 64 + int(a / 65536), int(a / 256) % 256, a % 256, a }
		printf "]" }'
}
echo "zfw -I, one process per rule, on an empty set: $(zfw_calls 0) us per call ($n calls)"
"$Z" rule flush >/dev/null
gen 10000 0 >"$dir/a.json"
gen 10000 10 >"$dir/b.json"
t0=$(date +%s%N)
"$Z" rule sync --owner bench "$dir/a.json" >/dev/null
t1=$(date +%s%N)
out=$("$Z" -j rule sync --owner bench "$dir/b.json")
t2=$(date +%s%N)
echo "SyncRules, 10,000 rules from none: $(ms "$t0" "$t1") ms"
echo "SyncRules, 10 of 10,000 changed: $(ms "$t1" "$t2") ms," \
	"$(jq -r '.parameters | "added \(.added), removed \(.removed), kept \(.kept), \(.kernel_ops) map operations"' <<<"$out")"
echo "zfw -I on top of those 10,000 rules: $(zfw_calls 20000) us per call ($n calls)"
echo "state file: $(stat -c %s "$dir/state/rules.json") bytes for $((10000 + n)) rules"
"$Z" rule flush >/dev/null
gen 10000 0 | jq -c '{owner: "bench", rules: .}' >"$dir/add.json"
t0=$(date +%s%N)
"$Z" call AddRules - <"$dir/add.json" >/dev/null
t1=$(date +%s%N)
echo "AddRules, 10,000 rules in one call: $(ms "$t0" "$t1") ms"
