#!/usr/bin/env bash
# make run (TARGET=amd64) and make run-arm64 (TARGET=arm64): build the
# appliance image and boot it under QEMU with two NICs: management
# (tcpbox's admin page on http://127.0.0.1:8080, gokrazy's web interface on
# http://127.0.0.1:8081, both user gokrazy with the image's password) and
# the test NIC owned by tcpbox, whose services are forwarded to the local
# ports printed at start. Installs QEMU and firmware with apt-get when
# missing.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="${TARGET:-${1:-amd64}}"
case "$TARGET" in
amd64) need=(qemu-system-x86_64:qemu-system-x86 /usr/share/OVMF/OVMF_CODE_4M.fd:ovmf /usr/lib/systemd/boot/efi/systemd-bootx64.efi:systemd-boot-efi) ;;
arm64) need=(qemu-system-aarch64:qemu-system-arm /usr/share/AAVMF/AAVMF_CODE.fd:qemu-efi-aarch64); bash hack/fetch-efi-arm64.sh ;;
*) echo "run-image: TARGET must be amd64 or arm64" >&2; exit 1 ;;
esac
missing=()
for n in "${need[@]}"; do
	what="${n%%:*}" pkg="${n##*:}"
	if [[ "$what" == /* ]]; then [ -e "$what" ] || missing+=("$pkg"); else command -v "$what" >/dev/null || missing+=("$pkg"); fi
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "run-image: installing ${missing[*]}"
	if [ "$(id -u)" = 0 ]; then apt-get install -y "${missing[@]}"; else sudo apt-get install -y "${missing[@]}"; fi
fi
mkdir -p bin
img="bin/tcpbox-$TARGET.img"
go run ./image -target "$TARGET" -o "$img"
echo "run-image: admin page and gokrazy web interface: user gokrazy, password $(go run ./image -print-password)"
exec go run ./hack/qemu/run -target "$TARGET" -image "$img"
