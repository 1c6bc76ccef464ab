#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Fuzzes every target for SECONDS each, starting from a scratch copy of
# its seed corpus (the repository is never written), then replays
# tests/fuzz/regressions/<target>/* if any. Crash and leak inputs are
# kept in BUILD_DIR/fuzz-artifacts/<target>/. Non-zero if any target
# failed.
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 BUILD_DIR SECONDS" >&2
	exit 2
fi
build=$(cd "$1" && pwd) || exit 2
secs=$2
here=$(cd "$(dirname "$0")" && pwd)
targets="fuzz_request fuzz_config"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/zfwd-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
failed=""

for t in $targets; do
	bin=$build/tests/fuzz/$t
	seeds=$here/corpus/${t#fuzz_}
	art=$build/fuzz-artifacts/$t
	work=$tmp/$t

	if [ ! -x "$bin" ]; then
		echo "$t: $bin not built (configure with -DZFWD_FUZZ=ON)" >&2
		failed="$failed $t"
		continue
	fi
	mkdir -p "$art" "$work"
	cp "$seeds"/* "$work"/
	dict=()
	if [ -f "$here/${t#fuzz_}.dict" ]; then
		dict=(-dict="$here/${t#fuzz_}.dict")
	fi
	echo "=== $t: fuzzing for ${secs}s"
	if ! "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 \
		-print_final_stats=1 "${dict[@]}" -artifact_prefix="$art/" "$work"; then
		echo "=== $t: FAILED, inputs in $art" >&2
		failed="$failed $t"
	fi

	for r in "$here/regressions/$t"/*; do
		[ -f "$r" ] || continue
		echo "=== $t: replaying ${r#"$here"/}"
		if ! "$bin" -timeout=10 -artifact_prefix="$art/" "$r"; then
			echo "=== $t: regression ${r#"$here"/} FAILED" >&2
			failed="$failed $t:${r##*/}"
		fi
	done
done

if [ -n "$failed" ]; then
	echo "fuzz failures:$failed" >&2
	exit 1
fi
echo "all fuzz targets passed"
