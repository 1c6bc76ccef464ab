#!/bin/bash
# build.sh DIR [cmake options...]: configure and build into DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1; shift
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZFWD_WERROR=ON "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
