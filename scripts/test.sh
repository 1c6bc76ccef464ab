#!/bin/bash
# Builds and runs every test: unit (Check), BPF_PROG_RUN, netns end to
# end, the unit tests again under ASan+UBSan, and the fuzzers for a bounded
# time. Root is needed for the BPF and netns layers. .ci/run calls this.
#   FUZZ_SECONDS (default 60 per target) bounds the fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" -eq 0 ] || { echo "test: run as root (BPF, namespaces)" >&2; exit 1; }
./scripts/deps.sh
start=$(date +%s)
step() { echo; echo "== $* ($(($(date +%s) - start))s)"; }

step "build (gcc, -Werror)"
./scripts/build.sh build-test -DZFWD_TESTS=ON
step "unit, BPF and netns tests"
(cd build-test && ctest --output-on-failure -j1)

step "unit tests under AddressSanitizer + UBSan"
./scripts/build.sh build-asan -DZFWD_TESTS=ON -DZFWD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
(cd build-asan && ctest --output-on-failure -L unit)

step "fuzzers (clang, libFuzzer + ASan + UBSan), ${FUZZ_SECONDS:-60}s per target"
CC=clang ./scripts/build.sh build-fuzz -DZFWD_TESTS=ON -DZFWD_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug
tests/fuzz/run.sh build-fuzz "${FUZZ_SECONDS:-60}"

step "all tests passed"
