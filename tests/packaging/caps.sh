#!/bin/bash
# zfwd.service's CapabilityBoundingSet=, tried for real: zfwd runs as root
# with only those capabilities (setpriv), in a network namespace of its
# own, managing one veth. It must load and attach its programs, take a
# rule, and do so again after a restart (which replaces its own tc
# filters: the path that needs the most).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root"
for c in setpriv nsenter ip; do
	command -v $c >/dev/null || skip "$c missing"
done

caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$SRC/systemd/zfwd.service" | tail -1)
[ -n "$caps" ] || { fail "no CapabilityBoundingSet= in zfwd.service"; exit 1; }
bset=-all
for c in $caps; do
	c=${c#CAP_}
	bset+=",+${c,,}"
done
t_log "bounding set: $bset"

NS=zfwpkg-$$
PIN=/sys/fs/bpf/zfwpkg-$$
PID=
# shellcheck disable=SC2016 # evaluated at exit
T_CLEANUP+=('[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID"'
	'nsenter --net=/run/netns/$NS "$ZFWD" -c "$T_DIR/zfwd.conf" -p "$PIN" -S "$T_DIR/state" --uninstall >/dev/null 2>&1'
	'rm -rf "$PIN"; ip netns del "$NS" 2>/dev/null')
ip netns add "$NS" || skip "cannot create a network namespace"
ip -n "$NS" link add zp0 type veth peer name zp1
ip -n "$NS" addr add 10.99.0.1/24 dev zp0
for l in lo zp0 zp1; do ip -n "$NS" link set "$l" up; done
echo '{"interfaces": [{"name": "zp0"}]}' >"$T_DIR/zfwd.conf"
export ZFWD_SOCKET=$T_DIR/zfwd.sock

start() {
	(umask 077; exec nsenter --net=/run/netns/"$NS" \
		setpriv --bounding-set="$bset" --inh-caps=-all --no-new-privs \
		"$ZFWD" -c "$T_DIR/zfwd.conf" -s "$ZFWD_SOCKET" -p "$PIN" \
		-S "$T_DIR/state") >>"$T_DIR/zfwd.log" 2>&1 &
	PID=$!
	for _ in $(seq 100); do
		"$ZFWCTL" status >/dev/null 2>&1 && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}
stop() {
	kill "$PID" && wait "$PID"
	PID=
}

for round in first restart; do
	if ! start; then
		fail "$round start with $bset"
		cat "$T_DIR/zfwd.log" >&2
		exit 1
	fi
	att=$("$ZFWCTL" -j iface list zp0 | tr -d ' \n')
	case $att in
	*'"attached":{"ingress":true,"egress":true}'*) ok "$round start: programs attached" ;;
	*) fail "$round start: programs not attached: $att" ;;
	esac
	check "$round start: a rule" "$ZFWCTL" rule add --proto tcp --dst 100.64.$((RANDOM % 250)).1 \
		--ports 443 --tproxy 15000
	if grep -E '<[34]>' "$T_DIR/zfwd.log" >&2; then
		fail "$round start: errors or warnings in the log (above)"
	fi
	: >"$T_DIR/zfwd.log"
	stop
done
exit 0
