#!/usr/bin/env bash
# Installs the Debian packages tcpbox's tests and tools use (as root).
# Safe to run again: apt-get skips what is already there.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(
  iproute2 iputils-ping arping tshark ethtool iperf3 netcat-openbsd curl python3
  squashfs-tools dosfstools e2fsprogs fdisk gdisk mtools
  qemu-system-x86 qemu-system-arm qemu-utils ovmf qemu-efi-aarch64 systemd-boot-efi
  chromium
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The admin page's browser test drives chromium with playwright-core from npm.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# The arm64 image's UEFI loader: Debian's systemd-boot for arm64,
# unpacked into /var/cache/tcpbox/efi-arm64 (not installed).
bash "$(dirname "$0")/fetch-efi-arm64.sh"
