#!/bin/bash
# The bash completion, driven the way bash drives it (COMP_WORDS,
# COMP_CWORD, COMPREPLY), against a stub zfwctl that answers like a daemon
# would (and the real zfwctl's --help).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COMP_FILE=$SRC/completion/zfwctl.bash
STUB=$T_DIR/bin
mkdir -p "$STUB"
# The IDL as a JSON string, for GetInterfaceDescription.
awk 'BEGIN { printf "{\n  \"description\": \"" }
	{ gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); printf "%s\\n", $0 }
	END { printf "\"\n}\n" }' "$SRC/proto/io.openziti.zfwd.varlink" >"$T_DIR/idl.json"
cat >"$STUB/zfwctl" <<STUBEOF
#!/bin/bash
# A stand-in for zfwctl and its daemon. STUB_MODE: up (default), down, hung.
[ "\$1" = -s ] && { echo "\$2" >>"$T_DIR/sockets"; shift 2; }
[ "\$1" = --help ] && exec "$ZFWCTL" --help
case \${STUB_MODE:-up} in
down) echo "zfwctl: cannot reach zfwd" >&2; exit 3 ;;
hung) sleep 30; exit 3 ;;
esac
case "\$*" in
"-j iface list") printf '{\n  "interfaces": [\n    {\n      "name": "ethA",\n      "ifindex": 2\n    },\n    {\n      "name": "ethB"\n    }\n  ]\n}\n' ;;
"-j status") printf '{\n  "owners": [\n    {\n      "owner": "ziti",\n      "rules": 3\n    },\n    {\n      "owner": "zfw-compat"\n    }\n  ]\n}\n' ;;
call\ org.varlink.service.GetInterfaceDescription*) cat "$T_DIR/idl.json" ;;
*) exit 2 ;;
esac
STUBEOF
chmod +x "$STUB/zfwctl"
ln -s zfwctl "$STUB/zfw"

# shellcheck disable=SC1090
. "$COMP_FILE"
complete -p zfwctl >/dev/null 2>&1 || fail "no completion registered for zfwctl"
complete -p zfw >/dev/null 2>&1 || fail "no completion registered for zfw"

# comp WORD... : completes the last word (as bash splits them).
comp() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_zfwctl
	printf '%s\n' "${COMPREPLY[@]}" | sort -u | tr '\n' ' ' | sed 's/ $//'
}
# expect "WANTED WORDS" WORD...: the completion is exactly these words.
expect() {
	local want got
	want=$(tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -u | tr '\n' ' ' | sed 's/ $//')
	shift
	got=$(comp "$@")
	if [ "$got" = "$want" ]; then ok "[$*] -> $got"; else fail "[$*] -> '$got', wanted '$want'"; fi
}
# contains "WORDS" WORD...: the completion holds at least these.
contains() {
	local w got
	got=" $(comp "${@:2}") "
	for w in $1; do
		[[ $got == *" $w "* ]] || { fail "[${*:2}] -> '$got' lacks $w"; return; }
	done
	ok "[${*:2}] holds $1"
}

Z=$STUB/zfwctl
expect "status metrics monitor rule iface call zfw" "$Z" ""
expect "rule" "$Z" r
expect "-s -j -h --socket --json --help" "$Z" -
expect "add del list flush sync validate" "$Z" rule ""
expect "list set" "$Z" -j iface ""
expect "--proto --dst --src --ports --tproxy --pass --deny --iface --service-id --service-name --owner" \
	"$Z" rule add --
expect "--proto --dst --src --ports --iface --service-id --owner --ignore-missing" "$Z" rule del --
expect "--owner" "$Z" rule list --
expect "--proto --ports --pass" "$Z" rule add --p
expect "tcp udp" "$Z" rule add --proto ""
expect "udp" "$Z" rule add --dst 10.0.0.1 --proto = u
expect "ethA ethB" "$Z" rule add --iface ""
expect "local zfw-compat ziti" "$Z" rule flush --owner ""
expect "ethA ethB" "$Z" iface set ""
expect "" "$Z" iface set ethA ""
expect "on off" "$Z" iface set ethA --ssh ""
expect "drop pass" "$Z" iface set ethA --default ""
expect "internal external" "$Z" iface set ethA --role = ""
contains "--role --default --icmp-echo --ssh --ipv6 --egress --reset" "$Z" iface set ethA --
# Methods: the daemon's IDL.
idl=$(sed -n 's/^method \([A-Za-z]*\).*/\1/p' "$SRC/proto/io.openziti.zfwd.varlink" | tr '\n' ' ')
expect "$idl org.varlink.service.GetInfo org.varlink.service.GetInterfaceDescription" "$Z" call ""
expect "- {}" "$Z" call GetStatus ""
# The socket given on the command line is the one asked.
: >"$T_DIR/sockets"
comp "$Z" -s /run/other.sock iface list "" >/dev/null
grep -qx /run/other.sock "$T_DIR/sockets" || fail "-s SOCKET not passed on to zfwctl"
: >"$T_DIR/sockets"
comp "$Z" --socket = /run/other2.sock iface list "" >/dev/null
grep -qx /run/other2.sock "$T_DIR/sockets" || fail "--socket=SOCKET not passed on to zfwctl"
# Files for rule sync.
touch "$T_DIR/rules-a.json"
expect "$T_DIR/rules-a.json" "$Z" rule sync "$T_DIR/rules-"
expect "--iface --type --service-id --count" "$Z" monitor --
expect "intercept drop interface" "$Z" monitor --type ""
expect "ethA ethB" "$Z" monitor --count 3 --iface ""
expect "--rules" "$Z" metrics -
# A command this file does not know: its options come from zfwctl --help.
help_opts=$(cd "$T_DIR" && _zfwctl_bin=$Z _zfwctl_help_opts "rule add" | tr '\n' ' ')
case " $help_opts " in
*" --proto "*" --tproxy "*) ok "options from zfwctl --help: $help_opts" ;;
*) fail "options of rule add from zfwctl --help: '$help_opts'" ;;
esac

# The zfw compatibility link.
contains "-I -D -F -L -V -c -m -o -n -l -h -p -t -s -N" "$STUB/zfw" -
expect "--delete --dcidr-block --dprefix-len" "$STUB/zfw" --d
expect "tcp udp" "$STUB/zfw" -I -p ""
expect "ethA ethB" "$STUB/zfw" -I -N ""

# No daemon: the system's interfaces and the built-in methods.
export STUB_MODE=down
# shellcheck disable=SC2012
sys=$(ls /sys/class/net | tr '\n' ' ')
expect "$sys" "$Z" iface list ""
contains "GetStatus AddRules Monitor GetMetrics org.varlink.service.GetInfo" "$Z" call ""
# A daemon that does not answer must not hang the shell.
export STUB_MODE=hung
start=$SECONDS
comp "$Z" rule add --iface "" >/dev/null
[ $((SECONDS - start)) -le 8 ] || fail "completion waited $((SECONDS - start))s on a hung daemon"
ok "hung daemon: gave up after $((SECONDS - start))s"
exit 0
