package build

import "github.com/tcpbox/tcpbox/image/gpt"

// target describes what differs between the hardware images.
type target struct {
	goarch   string
	kernel   string // module holding vmlinuz, cmdline.txt, config.txt, lib/modules
	rootType gpt.GUID
	serial   string // default serial console
	efi      string // name of the UEFI boot loader in EFI/BOOT, or ""
	efiSrc   string // where the loader is read from by default
	// efiOptional: a missing loader leaves EFI/ out (the image then boots
	// with QEMU -kernel) unless Config.RequireEFI asks for it.
	efiOptional bool
	pi          bool // add the Pi firmware and device trees
}

var targets = map[string]target{
	"amd64": {goarch: "amd64", kernel: "github.com/gokrazy/kernel.amd64", rootType: gpt.TypeLinuxRootX64, serial: "ttyS0,115200", efi: "BOOTX64.EFI", efiSrc: systemdBootX64},
	// Debian's systemd-boot for aarch64 is not installable beside the
	// amd64 one; hack/fetch-efi-arm64.sh extracts it into SystemdBootAA64.
	// Without it arm64 images boot with QEMU -kernel only.
	"arm64": {goarch: "arm64", kernel: "github.com/gokrazy/kernel.arm64", rootType: gpt.TypeLinuxRootA64, serial: "ttyAMA0,115200", efi: "BOOTAA64.EFI", efiSrc: SystemdBootAA64, efiOptional: true},
	"pi":    {goarch: "arm64", kernel: "github.com/gokrazy/kernel.rpi", rootType: gpt.TypeLinuxRootA64, serial: "serial0,115200", pi: true},
}

// systemdBootX64 is Debian's systemd-boot-efi, used as the UEFI loader of
// amd64 images (gokrazy embeds the same loader; its module is not
// reachable here).
const systemdBootX64 = "/usr/lib/systemd/boot/efi/systemd-bootx64.efi"

// SystemdBootAA64 is Debian's systemd-boot-efi for arm64, extracted by
// hack/fetch-efi-arm64.sh; the UEFI loader of arm64 images.
const SystemdBootAA64 = "/var/cache/tcpbox/efi-arm64/usr/lib/systemd/boot/efi/systemd-bootaa64.efi"
