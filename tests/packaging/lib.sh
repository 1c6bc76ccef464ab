# shellcheck shell=bash
# Shared by the packaging tests: a temporary directory removed on any
# exit, and assertions that count failures instead of stopping at the
# first one.
#
# Environment (set by CMakeLists.txt): ZFWD, ZFWCTL (built binaries), SRC
# (source tree), BUILD (build tree), MAN_BUILD (built manual pages),
# VERSION (the project's).

set -u
: "${ZFWD:?}" "${ZFWCTL:?}" "${SRC:?}" "${BUILD:?}" "${MAN_BUILD:?}" "${VERSION:?}"

T_FAILS=0
T_DIR=$(mktemp -d /tmp/zfwpkg.XXXXXX)
T_CLEANUP=()

t_cleanup() {
	local rc=$? c
	set +e
	for c in "${T_CLEANUP[@]}"; do eval "$c"; done
	rm -rf "$T_DIR"
	if [ "$T_FAILS" -ne 0 ]; then
		echo "FAILED: $T_FAILS check(s)" >&2
		[ "$rc" -eq 0 ] && rc=1
	fi
	exit "$rc"
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

t_log() { printf '%s\n' "$*" >&2; }
fail() { t_log "FAIL: $*"; T_FAILS=$((T_FAILS + 1)); }
ok() { t_log "ok: $*"; }
skip() { t_log "SKIP: $*"; trap - EXIT; rm -rf "$T_DIR"; exit 77; }

# check DESCRIPTION COMMAND...: runs it, counts a failure if it fails.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

# Words of list $2 missing from list $1 (one word per line each).
missing_from() {
	comm -13 <(printf '%s\n' "$1" | sed '/^$/d' | sort -u) \
		<(printf '%s\n' "$2" | sed '/^$/d' | sort -u)
}

# same_set WHAT NAME-A A NAME-B B: both lists hold the same words.
same_set() {
	local what=$1 na=$2 a=$3 nb=$4 b=$5 m
	m=$(missing_from "$b" "$a")
	[ -z "$m" ] || fail "$what: in $na but not in $nb: $(tr '\n' ' ' <<<"$m")"
	m=$(missing_from "$a" "$b")
	[ -z "$m" ] || fail "$what: in $nb but not in $na: $(tr '\n' ' ' <<<"$m")"
	[ -n "$a" ] || fail "$what: nothing found in $na"
	[ -n "$(missing_from "$a" "$b")$(missing_from "$b" "$a")" ] || ok "$what"
}
