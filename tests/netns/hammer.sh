#!/bin/bash
# 64 clients at once, 500 add/remove calls each, while a Monitor client
# reads nothing and a ping flood makes a drop event per packet:
#   - every call is answered, and says what it did;
#   - the final rule set is exactly the expected one;
#   - the silent monitor misses events (counted), is told how many once it
#     reads, and never slows the daemon down;
#   - the daemon's memory stays bounded.
. "$(dirname "$0")/lib.sh"
: "${HAMMER:?path to hammer}"
CLIENTS=${CLIENTS:-64} CALLS=${CALLS:-500}

t_topology
t_start_daemon
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$T_DAEMON_PID/status"; }
rss0=$(rss)

# A drop event per packet, as fast as a client can send: UDP to a port of
# the router nothing admits.
t_bg c sh -c 'exec timeout 120 nc -u 10.10.0.1 9 </dev/zero'
sleep 0.3
"$HAMMER" "$T_SOCK" "$CLIENTS" "$CALLS" >"$T_DIR/hammer.out" 2>&1
code=$?
cat "$T_DIR/hammer.out" >&2
t_expect_eq "every call answered and right; the monitor told what it missed" "0" "$code"
rss1=$(rss)

half=$((CALLS / 2))
want=$(awk -v n="$CLIENTS" -v h="$half" 'BEGIN {
	for (i = 0; i < n; i++)
		for (k = 0; k < h; k += 2)
			printf "hammer-%d 10.%d.%d.%d/32\n", i, 100 + int(i / 256), i % 256, k;
}' | sort)
got=$("$ZFWCTL" -j rule list | jq -r '.parameters.rules[] | "\(.owner) \(.rule.destination)"' | sort)
t_expect_eq "the final rule set is exactly the expected one ($(wc -l <<<"$want") rules)" \
	"$(sha1sum <<<"$want")" "$(sha1sum <<<"$got")"
st=$("$ZFWCTL" -j status)
missed=$(jq .parameters.events.missed <<<"$st")
t_expect "the silent monitor missed events, counted ($missed)" test "$missed" -gt 0
t_expect_eq "the daemon kept every connection in bounds (none refused)" "0" \
	"$(jq .parameters.api.refused <<<"$st")"
grow=$(( (rss1 - rss0) / 1024 ))
t_log "RSS: $((rss0 / 1024)) MiB before, $((rss1 / 1024)) MiB after ($grow MiB more)"
t_expect "RSS grew by less than 64 MiB ($grow MiB)" test "$grow" -lt 64
t_expect "zfwd still answers" "$ZFWCTL" status
t_done
