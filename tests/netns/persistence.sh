#!/bin/bash
# The rule set on disk and in the pinned maps across crashes:
#   - SIGKILL at random moments during a 10,000-rule sync: after restart
#     the rules are exactly the old set or exactly the new one;
#   - a corrupt state file stops the start, is kept aside, and the pinned
#     maps keep enforcing; --discard-state starts empty on purpose;
#   - pinned rules without a state file are not silently wiped.
. "$(dirname "$0")/lib.sh"

t_topology
t_start_daemon
t_tproxy_listener 15000
Z=$ZFWCTL
t_gen_rules 2000 0 >"$T_DIR/a.json"
t_gen_rules 10000 1000 >"$T_DIR/b.json"
t_expect "sync to set A (2,000 rules)" $Z rule sync "$T_DIR/a.json"
sigA=$(t_rules_sig)
t_expect "sync to set B (10,000 rules)" $Z rule sync "$T_DIR/b.json"
sigB=$(t_rules_sig)
t_expect "back to A" $Z rule sync "$T_DIR/a.json"
t0=$(date +%s%N)
$Z rule sync "$T_DIR/b.json" >/dev/null
t1=$(date +%s%N)
$Z rule sync "$T_DIR/a.json" >/dev/null
span_us=$(( (t1 - t0) / 1000 ))
t_log "a 10,000-rule sync takes ${span_us} us end to end"

seen_a=0 seen_b=0 cut=0
for round in $(seq 12); do
	# Alternate the direction; kill at a random point of the sync's span.
	if [ $((round % 2)) = 1 ]; then to=b.json; else to=a.json; fi
	delay_us=$((RANDOM * span_us / 32768))
	$Z rule sync "$T_DIR/$to" >/dev/null 2>&1 &
	syncer=$!
	sleep "$(printf '0.%06d' "$delay_us")"
	t_kill_daemon KILL
	wait "$syncer" 2>/dev/null
	[ $? = 0 ] || cut=$((cut + 1))
	t_start_daemon
	sig=$(t_rules_sig)
	if [ "$sig" = "$sigA" ]; then
		seen_a=$((seen_a + 1))
	elif [ "$sig" = "$sigB" ]; then
		seen_b=$((seen_b + 1))
	else
		t_fail "round $round: after SIGKILL the rules are neither set ($($Z -j rule list | jq '.parameters.rules | length') rules)"
	fi
	# Whatever survived is also what the maps enforce: reconciling again
	# changes nothing, and an address of the surviving set intercepts.
	t_kill_daemon TERM
	t_start_daemon
	ops=$($Z -j status | jq .parameters.kernel_ops)
	[ "$ops" = 0 ] || t_fail "round $round: a second restart still changed $ops map entries"
	if [ "$sig" = "$sigB" ]; then probe=100.64.39.16; else probe=100.64.0.5; fi
	ip netns exec "$T_C" nc -w 2 "$probe" 443 </dev/null | grep -q "local=$probe:443" ||
		t_fail "round $round: $probe is not intercepted"
	$Z rule sync "$T_DIR/$to" >/dev/null # finish the interrupted change
done
t_ok "12 SIGKILLs during syncs ($cut cut the call short): exactly A $seen_a times, exactly B $seen_b times"
[ "$cut" -gt 0 ] || t_log "note: no kill landed before a sync's reply this time"

# A corrupt state file.
t_expect "sync a small set" $Z rule sync "$T_DIR/a.json"
t_kill_daemon TERM
printf '{"format":"zfwd-state","version":1,"rules":[{"owner":' >"$T_DIR/state/rules.json"
log=$T_DIR/zfwd.corrupt.log
nsenter --net=/run/netns/"$T_R" "$ZFWD" -c "$T_DIR/zfwd.conf" -s "$T_SOCK" -p "$T_PIN" \
	-S "$T_DIR/state" >"$log" 2>&1
t_expect_eq "a corrupt state file stops the start" 1 $?
t_expect "saying why" grep -q "is corrupt" "$log"
t_expect "and keeps a copy aside" bash -c "ls '$T_DIR'/state/rules.json.corrupt-* >/dev/null"
t_expect "the pinned maps keep enforcing meanwhile" \
	bash -c "ip netns exec $T_C nc -w 2 100.64.0.5 443 </dev/null | grep -q local=100.64.0.5:443"
t_start_daemon --discard-state
t_expect_eq "--discard-state starts empty" 0 "$($Z -j rule list | jq '.parameters.rules | length')"
t_expect_fail "and the old intercepts are gone" in_c nc -z -w 1 100.64.0.5 443
t_expect "the copy is still there" bash -c "ls '$T_DIR'/state/rules.json.corrupt-* >/dev/null"
t_kill_daemon TERM
t_start_daemon
t_expect_eq "the next start is normal (the file says: no rules)" 0 \
	"$($Z -j rule list | jq '.parameters.rules | length')"

# A journal that lost its snapshot is damage too.
t_expect "add a rule (a journal line)" $Z rule add --proto tcp --dst 100.64.0.9 --ports 443 --tproxy 15000
t_expect "the change went to the journal" test -s "$T_DIR/state/rules.journal"
t_kill_daemon KILL
mv "$T_DIR/state/rules.json" "$T_DIR/rules.json.saved"
nsenter --net=/run/netns/"$T_R" "$ZFWD" -c "$T_DIR/zfwd.conf" -s "$T_SOCK" -p "$T_PIN" \
	-S "$T_DIR/state" >"$log" 2>&1
t_expect_eq "a journal without its snapshot stops the start" 1 $?
t_expect "saying why" grep -q "rules.json is missing" "$log"
mv "$T_DIR/rules.json.saved" "$T_DIR/state/rules.json"
rm -f "$T_DIR"/state/*.corrupt-*
t_start_daemon
t_expect_eq "with both files back, the journalled rule is there" 1 \
	"$($Z -j rule list | jq '.parameters.rules | length')"

# Pinned rules, no state at all (say, a wrong --state-dir).
t_kill_daemon TERM
rm "$T_DIR/state/rules.json" "$T_DIR/state/rules.journal"
nsenter --net=/run/netns/"$T_R" "$ZFWD" -c "$T_DIR/zfwd.conf" -s "$T_SOCK" -p "$T_PIN" \
	-S "$T_DIR/state" >"$log" 2>&1
t_expect_eq "pinned rules without a state file stop the start" 1 $?
t_expect "saying why" grep -q "hold rules, but" "$log"
t_expect "and they keep enforcing" \
	bash -c "ip netns exec $T_C nc -w 2 100.64.0.9 443 </dev/null | grep -q local=100.64.0.9:443"
t_done
