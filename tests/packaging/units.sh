#!/bin/bash
# systemd-analyze verify of the units (offline: systemd need not be PID
# 1), and sysusers.d/tmpfiles.d applied to a scratch root.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

command -v systemd-analyze >/dev/null || skip "systemd-analyze missing (apt-get install systemd)"

U=$T_DIR/units
mkdir -p "$U"
cp "$SRC/systemd/zfwd.service" "$SRC/systemd/zfwd.socket" "$U/"
# The unit's ExecStart must exist for verify: point it at the build.
grep -q '^ExecStart=/usr/sbin/zfwd$' "$U/zfwd.service" || fail "ExecStart is not /usr/sbin/zfwd"
sed -i "s|^ExecStart=/usr/sbin/zfwd|ExecStart=$ZFWD|" "$U/zfwd.service"

# Documentation=man:... must resolve: against the pages just built.
man_opt=()
if [ -f "$MAN_BUILD/man8/zfwd.8" ] && command -v man >/dev/null; then
	export MANPATH=$MAN_BUILD
else
	t_log "manual pages not built (scdoc missing?): verify --man=no"
	man_opt=(--man=no)
fi
out=$(cd "$U" && systemd-analyze verify "${man_opt[@]}" zfwd.socket zfwd.service 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ -z "$out" ]; then
	ok "systemd-analyze verify zfwd.socket zfwd.service"
else
	fail "systemd-analyze verify (rc $rc): $out"
fi

# No ordering cycle on machines where something is both after the network
# and before sysinit.target (cloud-init.service on cloud images): zfwd is
# before network-pre.target, so it must not wait for sysinit.target.
cat >"$U/fake-net.service" <<'UNIT'
[Unit]
DefaultDependencies=no
After=network-pre.target
[Service]
ExecStart=/bin/true
UNIT
cat >"$U/fake-cloud.service" <<'UNIT'
[Unit]
DefaultDependencies=no
Wants=fake-net.service zfwd.service sysinit.target network-pre.target
After=fake-net.service
Before=sysinit.target
[Service]
ExecStart=/bin/true
UNIT
out=$(cd "$U" && systemd-analyze verify --man=no fake-cloud.service 2>&1)
if [ -z "$out" ]; then
	ok "no ordering cycle with a cloud-init-like unit"
else
	fail "ordering: $out"
fi

# What the units must say, and agree on.
svc=$SRC/systemd/zfwd.service sock=$SRC/systemd/zfwd.socket
val() { sed -n "s/^$2=//p" "$1" | tail -1; }
[ "$(val "$svc" Type)" = notify ] || fail "Type=notify"
[ "$(val "$svc" NotifyAccess)" = main ] || fail "NotifyAccess=main"
[ -n "$(val "$svc" WatchdogSec)" ] || fail "WatchdogSec= set"
# shellcheck disable=SC2016 # a literal $MAINPID
grep -qF 'ExecReload=/bin/kill -HUP $MAINPID' "$svc" || fail "ExecReload sends SIGHUP"
grep -q '^Requires=zfwd.socket$' "$svc" || fail "Requires=zfwd.socket"
grep -q '^ReadWritePaths=.*/sys/fs/bpf' "$svc" || fail "ReadWritePaths=/sys/fs/bpf"
if grep -q '^RuntimeDirectory=zfwd' "$svc"; then
	[ "$(val "$svc" RuntimeDirectoryPreserve)" = yes ] ||
		fail "RuntimeDirectory= without RuntimeDirectoryPreserve=yes removes zfwd.socket's socket"
fi
! grep -q '^ProtectControlGroups=yes' "$svc" || fail "ProtectControlGroups= breaks the IMDS guard"
! grep -q '^PrivateNetwork=yes' "$svc" || fail "PrivateNetwork= hides the host's interfaces"
def_sock=$(sed -n 's/^#define ZFWD_DEFAULT_SOCKET "\(.*\)"/\1/p' "$SRC/proto/zfwd_api.h")
[ "$(val "$sock" ListenStream)" = "$def_sock" ] ||
	fail "ListenStream=$(val "$sock" ListenStream) is not the default socket $def_sock"
[ "$(val "$sock" SocketMode)" = 0660 ] || fail "SocketMode=0660"
group=$(awk '$1 == "g" { print $2 }' "$SRC/systemd/zfwd.sysusers")
[ "$(val "$sock" SocketGroup)" = "$group" ] ||
	fail "SocketGroup=$(val "$sock" SocketGroup) is not the sysusers group $group"
grep -q "strdup(\"$group\")" "$SRC/zfwd/config.c" ||
	fail "the daemon's default api_group is not $group"
[ "$(val "$sock" DirectoryMode)" = "$(val "$svc" RuntimeDirectoryMode)" ] ||
	fail "zfwd.socket DirectoryMode= and zfwd.service RuntimeDirectoryMode= differ"
ok "unit settings"

# sysusers.d and tmpfiles.d, applied to a scratch root.
R=$T_DIR/root
mkdir -p "$R/etc"
if command -v systemd-sysusers >/dev/null; then
	check "systemd-sysusers --root" systemd-sysusers --root="$R" "$SRC/systemd/zfwd.sysusers"
	grep -q "^$group:x:[0-9]*:" "$R/etc/group" || fail "group $group not created"
	gid=$(awk -F: -v g="$group" '$1 == g { print $3 }' "$R/etc/group")
	{ [ -n "$gid" ] && [ "$gid" -lt 1000 ]; } || fail "group $group is not a system group (gid $gid)"
fi
if command -v systemd-tmpfiles >/dev/null; then
	check "systemd-tmpfiles --root --create" \
		systemd-tmpfiles --root="$R" --create "$SRC/systemd/zfwd.tmpfiles"
	[ "$(stat -c %a "$R/var/lib/zfwd" 2>/dev/null)" = 700 ] || fail "/var/lib/zfwd is not 0700"
	[ "$(stat -c %a "$R/run/zfwd" 2>/dev/null)" = "$(val "$svc" RuntimeDirectoryMode | sed 's/^0//')" ] ||
		fail "/run/zfwd mode differs from RuntimeDirectoryMode="
fi
exit 0
