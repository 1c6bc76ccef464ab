#!/bin/bash
# zfwd under a service manager, faked: the notify protocol (a datagram
# socket standing in for systemd's) and socket activation (LISTEN_FDS,
# through systemd-socket-activate).
#   - READY=1 with MAINPID, STATUS= with rule and interface counts,
#     WATCHDOG=1 at half of WATCHDOG_USEC (and not when WATCHDOG_PID names
#     another process), RELOADING=1 with MONOTONIC_USEC then READY=1 on
#     SIGHUP, STOPPING=1 on SIGTERM; an abstract notify socket works too;
#   - a malformed WATCHDOG_USEC stops the start with a clear error;
#   - log lines carry sd-daemon priority prefixes;
#   - with a socket from the service manager zfwd serves it, binds none of
#     its own, and leaves its file when it stops; a LISTEN_PID for another
#     process is ignored.
. "$(dirname "$0")/lib.sh"
: "${NOTIFY_RECV:?path to notify_recv}"

t_topology
NS=$T_DIR/notify.sock
"$NOTIFY_RECV" "$NS" >"$T_DIR/notify.out" 2>&1 &
T_BG_PIDS+=($!)
for _ in $(seq 50); do [ -S "$NS" ] && break; sleep 0.02; done

msgs() { grep "^pid=$T_DAEMON_PID " "$T_DIR/notify.out"; }
wait_msg() { # PATTERN: up to 3 s
	for _ in $(seq 60); do msgs | grep -q -- "$1" && return 0; sleep 0.05; done
	return 1
}
# CLOCK_MONOTONIC in µs (the kernel's "now", in ns, without its last 3 digits).
mono_usec() { awk '/^now at/ { print substr($3, 1, length($3) - 3); exit }' /proc/timer_list; }

export NOTIFY_SOCKET=$NS WATCHDOG_USEC=400000
t_start_daemon
unset NOTIFY_SOCKET WATCHDOG_USEC
t_expect "READY=1 with MAINPID, sent by the daemon itself" wait_msg "READY=1 MAINPID=$T_DAEMON_PID"
t_expect "STATUS= counts rules and interfaces" wait_msg "STATUS=0 rules, 1 interfaces managed"
sleep 1.2
n=$(msgs | grep -c "WATCHDOG=1")
[ "$n" -ge 4 ] && [ "$n" -le 10 ] && t_ok "WATCHDOG=1 every 0.2 s ($n in about 1.2 s)" ||
	t_fail "WATCHDOG=1: $n messages in about 1.2 s, want about 6"
"$ZFWCTL" rule add --proto tcp --dst 10.99.0.0/16 --pass >/dev/null
t_expect "STATUS= follows a rule change" wait_msg "STATUS=1 rules, 1 interfaces managed"

before=$(mono_usec)
kill -HUP "$T_DAEMON_PID"
t_expect "SIGHUP: RELOADING=1 with MONOTONIC_USEC" wait_msg "RELOADING=1 MONOTONIC_USEC="
after=$(mono_usec)
m=$(msgs | grep -o "RELOADING=1 MONOTONIC_USEC=[0-9]*" | head -1 | cut -d= -f3)
[ "${m:-0}" -ge "$before" ] && [ "${m:-0}" -le "$after" ] &&
	t_ok "MONOTONIC_USEC is CLOCK_MONOTONIC at the reload ($before <= $m <= $after)" ||
	t_fail "MONOTONIC_USEC $m outside [$before, $after]"
t_expect "... then READY=1" bash -c "grep '^pid=$T_DAEMON_PID ' $T_DIR/notify.out |
	sed -n '/RELOADING=1/,\$p' | grep -q '^pid=[0-9]* READY=1'"
cp "$T_DIR/zfwd.conf" "$T_DIR/zfwd.conf.good"
echo '{"interfaces": 7}' >"$T_DIR/zfwd.conf"
kill -HUP "$T_DAEMON_PID"
t_expect "a failed reload says so, READY=1 again" wait_msg "READY=1 STATUS=reload failed"
t_expect "... and zfwd keeps serving" "$ZFWCTL" status
cp "$T_DIR/zfwd.conf.good" "$T_DIR/zfwd.conf"
pid=$T_DAEMON_PID
kill -TERM "$pid"
wait "$pid"; code=$?
T_DAEMON_PID=$pid
t_expect "SIGTERM: STOPPING=1" wait_msg "STOPPING=1"
t_expect_eq "... and a clean exit" "0" "$code"
t_expect_eq "every log line has an sd-daemon priority prefix" "0" \
	"$(cat "$T_DIR"/zfwd.*.log | grep -cv '^<[0-7]>')"
T_DAEMON_PID=

# The watchdog is another process's: no WATCHDOG=1 from zfwd.
export NOTIFY_SOCKET=$NS WATCHDOG_USEC=200000 WATCHDOG_PID=1
t_start_daemon
unset NOTIFY_SOCKET WATCHDOG_USEC WATCHDOG_PID
sleep 0.6
t_expect "READY=1 still" wait_msg "READY=1"
t_expect_eq "no WATCHDOG=1 when WATCHDOG_PID names another process" "0" \
	"$(msgs | grep -c WATCHDOG=1)"
t_kill_daemon

# An abstract notify socket (its namespace is the network namespace's).
t_bg r "$NOTIFY_RECV" "@zfwt-$T_ID-notify" >"$T_DIR/abstract.out"
sleep 0.2
export NOTIFY_SOCKET=@zfwt-$T_ID-notify
t_start_daemon
unset NOTIFY_SOCKET
for _ in $(seq 60); do grep -q "READY=1" "$T_DIR/abstract.out" && break; sleep 0.05; done
t_expect "an abstract NOTIFY_SOCKET gets READY=1" grep -q "^pid=$T_DAEMON_PID READY=1" "$T_DIR/abstract.out"
t_kill_daemon

out=$(WATCHDOG_USEC=soon "$ZFWD" -c "$T_DIR/zfwd.conf" -s "$T_DIR/x.sock" -p "$T_PIN" \
	-S "$T_DIR/state" 2>&1); code=$?
t_expect_eq "a malformed WATCHDOG_USEC stops the start" "1" "$code"
t_expect "... saying why" grep -q "WATCHDOG_USEC is malformed" <<<"$out"

# Socket activation: systemd-socket-activate binds, and execs zfwd (through
# nsenter, which execs too: LISTEN_PID stays right) at the first connection.
AS=$T_DIR/activated.sock
systemd-socket-activate -l "$AS" -- nsenter --net=/run/netns/"$T_R" "$ZFWD" \
	-c "$T_DIR/zfwd.conf" -s "$T_DIR/own.sock" -p "$T_PIN" -S "$T_DIR/state" -l debug \
	>"$T_DIR/zfwd.activated.log" 2>&1 &
T_DAEMON_PID=$!
for _ in $(seq 50); do [ -S "$AS" ] && break; sleep 0.02; done
t_expect "the first connection starts zfwd and is served" "$ZFWCTL" -s "$AS" status
t_expect_eq "GetStatus names the socket it serves" "$AS" \
	"$("$ZFWCTL" -s "$AS" -j status | jq -r .parameters.socket)"
t_expect_fail "zfwd bound no socket of its own" test -e "$T_DIR/own.sock"
t_expect "the log says where the socket came from" \
	grep -q "from the service manager" "$T_DIR/zfwd.activated.log"
t_expect "rules survived (state file)" bash -c "$ZFWCTL -s $AS rule list | grep -q 10.99.0.0/16"
t_kill_daemon
t_expect "the socket file stays when zfwd stops (it is the manager's)" test -S "$AS"

# LISTEN_PID for another process: not ours, zfwd binds its own socket.
export LISTEN_FDS=1 LISTEN_PID=1
t_start_daemon 3<"$T_DIR/zfwd.conf"
unset LISTEN_FDS LISTEN_PID
t_expect "LISTEN_PID of another process: zfwd binds its own socket" test -S "$T_SOCK"
t_expect_eq "... and names it" "$T_SOCK" "$("$ZFWCTL" -j status | jq -r .parameters.socket)"
t_done
