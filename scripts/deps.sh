#!/bin/bash
# Installs what zfwd needs to build and test, from Debian 12's archive.
# Skips apt entirely when everything is already there.
set -euo pipefail

PKGS=(
	build-essential cmake pkg-config clang llvm libclang-rt-14-dev
	libbpf-dev bpftool libelf-dev zlib1g-dev linux-libc-dev
	libjansson-dev libev-dev libmnl-dev check golang-go
	iproute2 iputils-ping netcat-openbsd socat curl iperf3 jq util-linux procps
	scdoc dpkg-dev man-db systemd passwd golang-github-prometheus-common-dev
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing ${missing[*]}; run as root to install them" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
