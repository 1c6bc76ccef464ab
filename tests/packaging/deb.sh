#!/bin/bash
# The Debian package: cpack -G DEB from the build tree (into a temporary
# directory), its control fields and file list, then unpacked into a
# scratch root where its maintainer scripts run (DPKG_ROOT) and its
# programs, configuration example, pages and completion are tried.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

for c in cpack dpkg-deb dpkg-shlibdeps; do
	command -v $c >/dev/null || skip "$c missing (apt-get install dpkg-dev cmake)"
done
[ -f "$BUILD/CPackConfig.cmake" ] || { fail "no CPackConfig.cmake in $BUILD"; exit 1; }

OUT=$T_DIR/out
if ! cpack --config "$BUILD/CPackConfig.cmake" -G DEB -B "$OUT" >"$T_DIR/cpack.log" 2>&1; then
	cat "$T_DIR/cpack.log" >&2
	fail "cpack -G DEB"
	exit 1
fi
deb=$(ls "$OUT"/*.deb 2>/dev/null)
[ "$(echo "$deb" | wc -w)" -eq 1 ] || { fail "expected one .deb, got: $deb"; exit 1; }
arch=$(dpkg --print-architecture)
[ "$(basename "$deb")" = "zfwd_${VERSION}-1_${arch}.deb" ] ||
	fail "file name $(basename "$deb") is not zfwd_${VERSION}-1_${arch}.deb"
ok "built $(basename "$deb")"

# --- control -----------------------------------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = zfwd ] || fail "Package: $(field Package)"
[ "$(field Version)" = "${VERSION}-1" ] || fail "Version: $(field Version)"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture: $(field Architecture)"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
[ "$(field Section)" = net ] || fail "Section: $(field Section)"
[ -n "$(field Description)" ] || fail "no Description"
deps=$(field Depends)
t_log "Depends: $deps"
for d in systemd libbpf libjansson libev libmnl libc6; do
	case ", $deps" in
	*", $d"*) ;;
	*) fail "Depends lacks $d (dpkg-shlibdeps, or CPACK_DEBIAN_PACKAGE_DEPENDS)" ;;
	esac
done
CTL=$T_DIR/control
dpkg-deb -e "$deb" "$CTL"
for s in postinst prerm postrm; do
	[ -x "$CTL/$s" ] || fail "no executable $s"
	sh -n "$CTL/$s" || fail "$s: syntax"
done
[ "$(cat "$CTL/conffiles" 2>/dev/null)" = /etc/zfwd/zfwd.conf.example ] ||
	fail "conffiles: $(cat "$CTL/conffiles" 2>/dev/null)"
ok "control fields and scripts"

# --- contents ------------------------------------------------------------------
dpkg-deb -c "$deb" >"$T_DIR/contents"
if awk '$2 != "root/root"' "$T_DIR/contents" | grep .; then
	fail "files not owned by root/root (above)"
fi
want="./usr/sbin/zfwd ./usr/sbin/zfwctl ./usr/sbin/zfw
./lib/systemd/system/zfwd.service ./lib/systemd/system/zfwd.socket
./usr/lib/sysusers.d/zfwd.conf ./usr/lib/tmpfiles.d/zfwd.conf
./etc/zfwd/zfwd.conf.example
./usr/share/man/man8/zfwd.8.gz ./usr/share/man/man8/zfwctl.8.gz
./usr/share/man/man8/zfw.8.gz ./usr/share/man/man5/zfwd.conf.5.gz
./usr/share/man/man7/zfwd-api.7.gz
./usr/share/bash-completion/completions/zfwctl
./usr/share/bash-completion/completions/zfw
./usr/share/doc/zfwd/copyright ./usr/share/doc/zfwd/README.md
./usr/share/doc/zfwd/io.openziti.zfwd.varlink
./usr/share/doc/zfwd/examples/AddRules.request.json"
have=$(awk '{ print $6 }' "$T_DIR/contents")
for f in $want; do
	grep -qx -- "$f" <<<"$have" || fail "not in the package: $f"
done
if grep -E '^\./usr/local|^\./usr/include|\.a$|/CMakeFiles/|^\./usr/lib/[^/]*-linux-gnu' <<<"$have"; then
	fail "files that do not belong in the package (above)"
fi
ok "contents ($(wc -l <"$T_DIR/contents") entries)"

# --- unpacked ------------------------------------------------------------------
R=$T_DIR/root
dpkg-deb -x "$deb" "$R"
[ "$(readlink "$R/usr/sbin/zfw")" = zfwctl ] || fail "zfw is not a link to zfwctl"
[ "$(readlink "$R/usr/share/man/man8/zfw.8.gz")" = zfwctl.8.gz ] || fail "zfw.8.gz is not a link"
[ "$(readlink "$R/usr/share/bash-completion/completions/zfw")" = zfwctl ] ||
	fail "completion for zfw is not a link"
v=$("$R/usr/sbin/zfwd" --version)
[ "$v" = "zfwd $VERSION" ] || fail "installed zfwd --version: $v"
check "installed zfwd --check-config on the example" \
	"$R/usr/sbin/zfwd" --check-config -c "$R/etc/zfwd/zfwd.conf.example"
out=$(ZFWD_SOCKET=$T_DIR/nowhere.sock "$R/usr/sbin/zfw" -V)
case $out in
*"$VERSION"*"not reachable"*) ok "installed zfw -V" ;;
*) fail "installed zfw -V: $out" ;;
esac
ZFWD_SOCKET=$T_DIR/nowhere.sock "$R/usr/sbin/zfwctl" status >/dev/null 2>&1
[ $? -eq 3 ] || fail "installed zfwctl without a daemon does not exit 3"
check "completion parses" bash -n "$R/usr/share/bash-completion/completions/zfwctl"
if command -v man >/dev/null; then
	for p in man8/zfwd.8 man8/zfwctl.8 man5/zfwd.conf.5 man7/zfwd-api.7; do
		MANWIDTH=80 man -l "$R/usr/share/man/$p.gz" 2>/dev/null | grep -q '^NAME' ||
			fail "$p.gz does not render"
	done
fi
cmp -s "$SRC/systemd/zfwd.service" "$R/lib/systemd/system/zfwd.service" ||
	fail "the packaged zfwd.service differs from systemd/zfwd.service"
cmp -s "$SRC/systemd/zfwd.socket" "$R/lib/systemd/system/zfwd.socket" ||
	fail "the packaged zfwd.socket differs from systemd/zfwd.socket"

# --- maintainer scripts, against the scratch root ------------------------------
# Stubs for everything that would act on the real system: with DPKG_ROOT
# set none may run.
STUB=$T_DIR/stub
mkdir -p "$STUB"
for c in systemctl deb-systemd-helper deb-systemd-invoke addgroup; do
	printf '#!/bin/sh\necho "%s $*" >>"%s/real-system"\n' "$c" "$T_DIR" >"$STUB/$c"
	chmod +x "$STUB/$c"
done
# shellcheck disable=SC2317 # called through check
run_script() {
	(cd /tmp && DPKG_ROOT=$R PATH=$STUB:$PATH sh -e "$CTL/$1" "${@:2}")
}
check "postinst configure" run_script postinst configure
group=$(awk '$1 == "g" { print $2 }' "$R/usr/lib/sysusers.d/zfwd.conf")
grep -q "^$group:" "$R/etc/group" 2>/dev/null || fail "postinst: no group $group in the root"
[ "$(stat -c %a "$R/var/lib/zfwd" 2>/dev/null)" = 700 ] || fail "postinst: /var/lib/zfwd not 0700"
[ -d "$R/run/zfwd" ] || fail "postinst: no /run/zfwd"
check "postinst configure again (upgrade)" run_script postinst configure "$VERSION-0"
echo state >"$R/var/lib/zfwd/rules.json"
check "prerm remove" run_script prerm remove
check "postrm remove" run_script postrm remove
[ -f "$R/var/lib/zfwd/rules.json" ] || fail "postrm remove deleted /var/lib/zfwd"
check "postrm purge" run_script postrm purge
[ ! -e "$R/var/lib/zfwd" ] || fail "postrm purge kept /var/lib/zfwd"
if [ -s "$T_DIR/real-system" ]; then
	fail "maintainer scripts under DPKG_ROOT acted on the real system:"
	cat "$T_DIR/real-system" >&2
fi
exit 0
