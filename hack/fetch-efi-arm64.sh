#!/bin/sh
# Extracts Debian's systemd-boot for arm64 (systemd-bootaa64.efi) into
# /var/cache/tcpbox/efi-arm64, where image/build looks for the UEFI loader
# of arm64 images (build.SystemdBootAA64). The package cannot be installed
# beside the amd64 one, so it is downloaded and unpacked, not installed.
# Needs root and the Debian mirror; takes about 7 s (apt-get update of the
# arm64 lists included). Set DEST to unpack elsewhere and pass
# -efi-loader to the image builder.
set -eu
DEST=${DEST:-/var/cache/tcpbox/efi-arm64}
EFI=$DEST/usr/lib/systemd/boot/efi/systemd-bootaa64.efi
if [ -s "$EFI" ]; then
	echo "fetch-efi-arm64: $EFI present"
	exit 0
fi
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	dpkg --add-architecture arm64
	apt-get update -qq
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# apt-get download writes into the current directory as _apt when it can.
chmod 0777 "$tmp"
(cd "$tmp" && apt-get download -q systemd-boot-efi:arm64)
mkdir -p "$DEST"
dpkg-deb -x "$tmp"/systemd-boot-efi_*_arm64.deb "$DEST"
test -s "$EFI"
echo "fetch-efi-arm64: $EFI"
