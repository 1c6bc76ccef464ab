# shellcheck shell=bash
# Shared by the netns tests: a topology of namespaces the test owns, the
# real daemon started inside the router namespace, assertions, and a trap
# that removes everything on any exit.
#
#   client (T_C) --- veth --- router (T_R, zfwd) --- veth --- server (T_S)
#   10.10.0.2/24      T_RC0 10.10.0.1   T_RS0 10.20.0.1      10.20.0.2/24
#   fd00:10::2/64           fd00:10::1        fd00:20::1     fd00:20::2/64
#
# Environment: ZFWD, ZFWCTL, TPROXY_ECHO (binaries). Needs root.

set -u

: "${ZFWD:?path to zfwd}" "${ZFWCTL:?path to zfwctl}" "${TPROXY_ECHO:?path to tproxy_echo}"

T_ID=${T_ID:-$$}
T_C=zfwt-$T_ID-c
T_R=zfwt-$T_ID-r
T_S=zfwt-$T_ID-s
T_RC0=zt${T_ID}rc
T_RS0=zt${T_ID}rs
T_DIR=$(mktemp -d /tmp/zfwt.XXXXXX)
T_PIN=/sys/fs/bpf/zfwt-$T_ID
T_SOCK=$T_DIR/zfwd.sock
T_DAEMON_PID=
T_BG_PIDS=()
T_FAILS=0
export ZFWD_SOCKET=$T_SOCK

t_log() { printf '%s\n' "$*" >&2; }

# A test with more to undo (namespaces, groups) defines t_cleanup_extra;
# it runs first, and the test's exit status is kept.
t_cleanup() {
	local rc=$?
	set +e
	if declare -F t_cleanup_extra >/dev/null; then t_cleanup_extra; fi
	for p in "${T_BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	if [ -n "$T_DAEMON_PID" ]; then kill "$T_DAEMON_PID" 2>/dev/null; wait "$T_DAEMON_PID" 2>/dev/null; fi
	if [ -d "$T_PIN" ]; then
		nsenter --net=/run/netns/"$T_R" "$ZFWD" -c "$T_DIR/zfwd.conf" -p "$T_PIN" \
			-S "$T_DIR/state" --uninstall >/dev/null 2>&1
		rm -rf "$T_PIN"
	fi
	for ns in "$T_C" "$T_R" "$T_S"; do ip netns del "$ns" 2>/dev/null; done
	if [ "$rc" -ne 0 ] || [ "$T_FAILS" -ne 0 ]; then
		t_log "--- zfwd log ---"
		cat "$T_DIR"/zfwd*.log >&2 2>/dev/null
	fi
	rm -rf "$T_DIR"
	if [ "$T_FAILS" -ne 0 ] && [ "$rc" -eq 0 ]; then rc=1; fi
	exit "$rc"
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || { t_log "SKIP: needs root"; trap - EXIT; rm -rf "$T_DIR"; exit 77; }

in_c() { ip netns exec "$T_C" "$@"; }
in_s() { ip netns exec "$T_S" "$@"; }
# The router side runs with nsenter so /sys (bpffs, cgroups) stays the host's.
in_r() { nsenter --net=/run/netns/"$T_R" "$@"; }

t_topology() {
	ip netns add "$T_C"
	ip netns add "$T_R"
	ip netns add "$T_S"
	ip link add "$T_RC0" netns "$T_R" type veth peer name c0 netns "$T_C"
	ip link add "$T_RS0" netns "$T_R" type veth peer name s0 netns "$T_S"
	ip -n "$T_C" addr add 10.10.0.2/24 dev c0
	ip -n "$T_C" addr add fd00:10::2/64 dev c0 nodad
	ip -n "$T_R" addr add 10.10.0.1/24 dev "$T_RC0"
	ip -n "$T_R" addr add fd00:10::1/64 dev "$T_RC0" nodad
	ip -n "$T_R" addr add 10.20.0.1/24 dev "$T_RS0"
	ip -n "$T_R" addr add fd00:20::1/64 dev "$T_RS0" nodad
	ip -n "$T_S" addr add 10.20.0.2/24 dev s0
	ip -n "$T_S" addr add fd00:20::2/64 dev s0 nodad
	for ns in "$T_C" "$T_R" "$T_S"; do ip -n "$ns" link set lo up; done
	ip -n "$T_C" link set c0 up
	ip -n "$T_S" link set s0 up
	ip -n "$T_R" link set "$T_RC0" up
	ip -n "$T_R" link set "$T_RS0" up
	ip -n "$T_C" route add default via 10.10.0.1
	ip -n "$T_C" -6 route add default via fd00:10::1
	ip -n "$T_S" route add default via 10.20.0.1
	ip -n "$T_S" -6 route add default via fd00:20::1
	ip netns exec "$T_R" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$T_R" sysctl -qw net.ipv6.conf.all.forwarding=1
}

# t_config JSON: writes the daemon's config.
t_config() { printf '%s\n' "$1" >"$T_DIR/zfwd.conf"; }

# The default: zfwd manages the client-facing interface, dropping.
t_config_default() {
	t_config "{\"interfaces\":[{\"name\":\"$T_RC0\",\"role\":\"internal\",\"default_action\":\"drop\"}]}"
}

t_start_daemon() {
	local log=$T_DIR/zfwd.$(date +%s%N).log
	[ -f "$T_DIR/zfwd.conf" ] || t_config_default
	# nsenter execs zfwd: $! is the daemon itself, not a wrapper.
	nsenter --net=/run/netns/"$T_R" "$ZFWD" -c "$T_DIR/zfwd.conf" -s "$T_SOCK" \
		-p "$T_PIN" -S "$T_DIR/state" -l debug "$@" >"$log" 2>&1 &
	T_DAEMON_PID=$!
	for _ in $(seq 100); do
		if "$ZFWCTL" status >/dev/null 2>&1; then return 0; fi
		if ! kill -0 "$T_DAEMON_PID" 2>/dev/null; then
			t_log "zfwd exited during start:"; cat "$log" >&2; return 1
		fi
		sleep 0.05
	done
	t_log "zfwd did not answer within 5s"; return 1
}

t_kill_daemon() { # [signal]
	kill -"${1:-TERM}" "$T_DAEMON_PID" 2>/dev/null
	wait "$T_DAEMON_PID" 2>/dev/null
	T_DAEMON_PID=
}

# t_bg c|r|s CMD...: runs a command in a namespace in the background,
# killed at cleanup. The namespace tools exec the command, so the PID we
# keep is the command's own.
t_bg() {
	local where=$1; shift
	case $where in
	r) nsenter --net=/run/netns/"$T_R" "$@" & ;;
	s) ip netns exec "$T_S" "$@" & ;;
	c) ip netns exec "$T_C" "$@" & ;;
	esac
	T_BG_PIDS+=($!)
}

# t_http_server PORT BODY [6]: a real HTTP server (socat) in the server
# namespace answering every request with BODY.
t_http_server() {
	local port=$1 body=$2 v=${3:-4} script=$T_DIR/http-$1-${3:-4}.sh
	# Read the request line first: exiting before socat has written the
	# request makes socat fail with EPIPE and drop the answer.
	printf '#!/bin/sh\nread -r _\nprintf '"'"'HTTP/1.0 200 OK\\r\\n\\r\\n%s\\n'"'"'\n' "$body" >"$script"
	chmod +x "$script"
	if [ "$v" = 6 ]; then
		t_bg s socat -T2 TCP6-LISTEN:"$port",fork,reuseaddr,ipv6only=1 EXEC:"$script"
	else
		t_bg s socat -T2 TCP4-LISTEN:"$port",fork,reuseaddr EXEC:"$script"
	fi
}

t_tproxy_listener() { # PORT [-6] -> output in $T_DIR/echo-PORT.out
	local port=$1; shift
	t_bg r "$TPROXY_ECHO" -p "$port" "$@" >"$T_DIR/echo-$port.out" 2>/dev/null
	for _ in $(seq 50); do
		if in_r ss -Hltn "sport = :$port" | grep -q .; then return 0; fi
		sleep 0.05
	done
	t_log "tproxy_echo on $port did not start"; return 1
}

t_ok() { t_log "ok - $*"; }
t_fail() { t_log "FAIL - $*"; T_FAILS=$((T_FAILS + 1)); }

# t_expect DESCRIPTION CMD...: the command must succeed.
t_expect() {
	local what=$1; shift
	if "$@"; then t_ok "$what"; else t_fail "$what"; fi
}

# t_expect_fail DESCRIPTION CMD...: the command must fail.
t_expect_fail() {
	local what=$1; shift
	if "$@"; then t_fail "$what"; else t_ok "$what"; fi
}

# t_expect_eq DESCRIPTION WANT GOT
t_expect_eq() {
	if [ "$2" = "$3" ]; then t_ok "$1"; else t_fail "$1: want '$2', got '$3'"; fi
}

t_done() {
	if [ "$T_FAILS" -ne 0 ]; then t_log "$T_FAILS check(s) failed"; exit 1; fi
	t_log "all checks passed"
}

# t_gen_rules N OFFSET [PORT]: a JSON array of N tcp tproxy rules, one per
# /32 from 100.64.0.0 + OFFSET, service "svc-<i>".
t_gen_rules() {
	awk -v n="$1" -v off="$2" -v port="${3:-15000}" 'BEGIN {
		printf "[";
		for (i = 0; i < n; i++) {
			a = i + off;
			printf "%s{\"protocol\":\"tcp\",\"destination\":\"100.%d.%d.%d/32\",", \
				(i ? "," : ""), 64 + int(a / 65536), int(a / 256) % 256, a % 256;
			printf "\"ports\":{\"low\":443,\"high\":443},\"action\":\"tproxy\",";
			printf "\"tproxy_port\":%d,\"service_id\":\"svc-%d\"}", port, a;
		}
		printf "]";
	}'
}

# t_rules_sig [OWNER]: a signature of an owner's rules (order-free).
t_rules_sig() {
	"$ZFWCTL" -j call ListRules "{\"owner\":\"${1:-local}\"}" |
		jq -r '.parameters.rules[] | .rule | "\(.destination) \(.service_id) \(.tproxy_port)"' |
		sort | sha1sum | cut -d' ' -f1
}
