#!/bin/bash
# The manual pages, the example configuration and the completion against
# what they describe:
#   zfwd-api(7)   every method and error of proto/*.varlink, and each
#                 method's parameters and reply fields; nothing more;
#   zfwd.conf(5)  every key zfwd/config.c accepts; nothing more; the
#                 example configuration holds every key and is valid;
#   zfwctl(8)     every command of clients/zfwctl/zfwctl.c and every long
#                 option of clients/zfwctl/*.c; nothing more;
#   zfwd(8)       every option of zfwd/main.c; nothing more;
#   completion    every command, subcommand, option and method;
# and the built pages render without warnings.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

MAN=$SRC/man
HERE=$(dirname "$0")

# Lines of section "# $2" of scdoc file $1 (up to the next "# ").
section() {
	awk -v s="# $2" '/^# / { on = ($0 == s); next } on' "$1"
}
# Words of regex group 1 of $1 (ERE) over stdin.
grab() { sed -nE "s/$1/\\1/p"; }

# --- zfwd-api(7) against the IDL ------------------------------------------------
api=$MAN/zfwd-api.7.scd
idl_methods="" idl_errors=""
for idl in "$SRC"/proto/*.varlink; do
	iface=$(sed -n 's/^interface \([a-z.]*\).*/\1/p' "$idl")
	members=$(awk -f "$HERE/idl_members.awk" "$idl")
	idl_methods+=$(awk -v i="$iface" '$1 == "method" { print i "." $2 }' <<<"$members")$'\n'
	idl_errors+=$(awk -v i="$iface" '$1 == "error" { print i "." $2 }' <<<"$members")$'\n'
	# Each method's subsection names its parameters and reply fields.
	while read -r kind m f; do
		body=$(awk -v h="## $iface.$m" '/^#/ { on = ($0 == h); next } on' "$api")
		[ -n "$body" ] || continue # reported below
		grep -qF -- "*$f*" <<<"$body" ||
			fail "zfwd-api(7): $iface.$m does not mention its $kind *$f*"
	done < <(awk '$1 == "param" || $1 == "reply" { print $1, $2, $3 }' <<<"$members")
done
man_methods=$(section "$api" METHODS | grab '^## ([A-Za-z0-9_.]+)$')
man_errors=$(section "$api" ERRORS | grab '^\*([A-Za-z0-9_.]+)\*.*')
same_set "methods" "the IDL" "$idl_methods" "zfwd-api(7)" "$man_methods"
same_set "errors" "the IDL" "$idl_errors" "zfwd-api(7)" "$man_errors"

# --- zfwd.conf(5) against zfwd/config.c ---------------------------------------------
# The key tables: static arrays named *keys or extra, each the keys of
# one object; the nested objects' keys are documented as object.key.
conf_entries=$(awk '
	match($0, /static const char \*const [a-z_]*(keys|extra)\[\] = \{/) {
		on = 1; arr = $0; sub(/.*const /, "", arr); sub(/\[.*/, "", arr)
	}
	on {
		line = $0
		while (match(line, /"[a-z_]+"/)) {
			print arr, substr(line, RSTART + 1, RLENGTH - 2)
			line = substr(line, RSTART + RLENGTH)
		}
	}
	on && /\};/ { on = 0 }' "$SRC/zfwd/config.c")
conf_keys=$(awk '{ print $2 }' <<<"$conf_entries" | sort -u)
conf_names=$(while read -r arr key; do
	case $arr in
	ckeys) echo "conntrack.$key" ;;
	tkeys) echo "tproxy.$key" ;;
	lkeys) echo "limits.$key" ;;
	keys | opt_keys | extra) echo "$key" ;;
	*) echo "$arr.$key (a new table: teach tests/packaging/docs.sh its object)" ;;
	esac
done <<<"$conf_entries")
conf=$MAN/zfwd.conf.5.scd
man_names=$(sed -nE 's/^\*(([a-z_]+\.)?[a-z_]+)\* \(.*/\1/p' "$conf" | sort -u)
same_set "configuration keys" "zfwd/config.c" "$conf_names" "zfwd.conf(5)" "$man_names"
example=$SRC/etc/zfwd.conf.example
for k in $conf_keys; do
	grep -q "\"$k\":" "$example" || fail "zfwd.conf.example lacks \"$k\""
done
if "$ZFWD" --check-config -c "$example" >/dev/null; then
	ok "zfwd --check-config zfwd.conf.example"
else
	fail "zfwd --check-config zfwd.conf.example"
fi

# --- zfwctl(8) against clients/zfwctl -------------------------------------------------
ctl=$MAN/zfwctl.8.scd
src_cmds=$(grep -hoE '\{ "[a-z]+", (NULL|"[a-z]+"), cmd_' "$SRC/clients/zfwctl/zfwctl.c" |
	sed -E 's/\{ "([a-z]+)", (NULL|"([a-z]+)"), cmd_/\1 \3/; s/ $//')
man_cmds=$(section "$ctl" COMMANDS | sed -nE 's/^\*([a-z]+( [a-z]+)?)\*.*/\1/p')
same_set "zfwctl commands" "zfwctl.c" "$src_cmds" "zfwctl(8)" "$man_cmds"
src_opts=$(grep -hoE '\{ "[a-z][a-z0-9-]*", (no|required|optional)_argument' \
	"$SRC"/clients/zfwctl/*.c | sed -E 's/\{ "([a-z0-9-]+)".*/--\1/' | sort -u)
man_opts=$(grep -oE -- '--[a-z][a-z0-9-]*' "$ctl" | sort -u)
same_set "zfwctl long options" "clients/zfwctl/*.c" "$src_opts" "zfwctl(8)" "$man_opts"

# --- zfwd(8) against zfwd/main.c --------------------------------------------------
d8=$MAN/zfwd.8.scd
src_dopts=$(grep -hoE '\{ "[a-z][a-z0-9-]*", (no|required|optional)_argument' "$SRC/zfwd/main.c" |
	sed -E 's/\{ "([a-z0-9-]+)".*/--\1/' | sort -u)
man_dopts=$(section "$d8" OPTIONS | grep -oE -- '^(\*-[a-zA-Z]\*, )?\*--[a-z][a-z0-9-]*\*' |
	grep -oE -- '--[a-z0-9-]+' | sort -u)
same_set "zfwd options" "zfwd/main.c" "$src_dopts" "zfwd(8)" "$man_dopts"

# --- the completion ---------------------------------------------------------------------
comp=$SRC/completion/zfwctl.bash
# The words of a variable assigned "..." (maybe over several lines).
cvar() {
	awk -v v="$1=\"" 'index($0, v) == 1 { on = 1; $0 = substr($0, length(v) + 1) }
		on { if (sub(/".*/, "")) { print; exit } print }' "$comp" | tr ' ' '\n'
}
groups=$(awk '{ print $1 }' <<<"$src_cmds" | sort -u)
same_set "completion: commands" "zfwctl.c" "$groups" "zfwctl.bash" "$(cvar _zfwctl_commands)"
for g in rule iface; do
	same_set "completion: $g subcommands" "zfwctl.c" "$(awk -v g=$g '$1 == g { print $2 }' <<<"$src_cmds")" \
		"zfwctl.bash" "$(cvar _zfwctl_${g}_subcommands)"
done
comp_opts=$(for v in $(grep -oE '^_zfwctl_opts_[a-z_]+=' "$comp" | tr -d =); do cvar "$v"; done |
	grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
same_set "completion: long options" "clients/zfwctl/*.c" "$src_opts" "zfwctl.bash" "$comp_opts"
# zfwd's methods by short name, the service's by full name.
# shellcheck disable=SC2001
idl_short=$(sed 's/^io\.openziti\.zfwd\.//' <<<"$idl_methods")
same_set "completion: methods" "the IDL" "$idl_short" "zfwctl.bash" "$(cvar _zfwctl_methods)"

# --- units and pages -----------------------------------------------------------------
while read -r ref; do
	page=${ref#man:}
	name=${page%(*} sec=${page#*(}
	sec=${sec%)}
	[ -f "$MAN/$name.$sec.scd" ] || fail "units name $ref, which man/ lacks"
done < <(grep -ho 'man:[a-z.-]*([0-9])' "$SRC"/systemd/zfwd.service \
	"$SRC"/systemd/zfwd.socket | sort -u)
for page in "$MAN"/*.scd; do
	b=$(basename "$page" .scd)
	head -1 "$page" | grep -qx "${b%.*}(${b##*.})" || fail "$b.scd: preamble is not ${b%.*}(${b##*.})"
done
if [ -d "$MAN_BUILD" ] && command -v man >/dev/null; then
	n=0
	for f in "$MAN_BUILD"/man[0-9]/*; do
		n=$((n + 1))
		w=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null)
		[ -z "$w" ] || fail "$(basename "$f") renders with warnings: $w"
		if command -v lexgrog >/dev/null; then
			lexgrog "$f" >/dev/null || fail "$(basename "$f"): NAME section unparsable (lexgrog)"
		fi
	done
	[ "$n" -eq 4 ] || fail "expected 4 built pages in $MAN_BUILD, found $n"
	ok "built pages render"
else
	t_log "pages not built (scdoc missing?): rendering not checked"
fi
exit 0
