#!/bin/bash
# Runs bench_addr against the real daemon in a namespace it creates and
# removes again. Usage: tests/bench/addr.sh BUILD_DIR [N]
set -euo pipefail
b=$(cd "$1" && pwd)
n=${2:-100}
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
ip -n "$ns" link add zb0 type veth peer name zb1
ip -n "$ns" link set zb0 up
echo '{"interfaces":[{"name":"zb0"}]}' >"$dir/zfwd.conf"
nsenter --net=/run/netns/"$ns" "$b/zfwd/zfwd" -c "$dir/zfwd.conf" -s "$dir/sock" -p "$pin" \
	-S "$dir/state" -l warning &
pid=$!
for _ in $(seq 100); do ZFWD_SOCKET=$dir/sock "$b/clients/zfwctl/zfwctl" status >/dev/null 2>&1 && break; sleep 0.05; done
nsenter --net=/run/netns/"$ns" "$b/tests/bench/bench_addr" "$pin" zb0 "$n"
