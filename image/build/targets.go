package build

import "github.com/tcpbox/tcpbox/image/gpt"

// target describes what differs between the hardware images.
type target struct {
	goarch   string
	kernel   string // module holding vmlinuz, cmdline.txt, config.txt, lib/modules
	rootType gpt.GUID
	serial   string // default serial console
	efi      string // name of the UEFI boot loader in EFI/BOOT, or ""
	pi       bool   // add the Pi firmware and device trees
}

var targets = map[string]target{
	"amd64": {goarch: "amd64", kernel: "github.com/gokrazy/kernel.amd64", rootType: gpt.TypeLinuxRootX64, serial: "ttyS0,115200", efi: "BOOTX64.EFI"},
	// No aarch64 systemd-boot is available here, so arm64 images boot
	// with QEMU -kernel (or any loader that reads loader/entries).
	"arm64": {goarch: "arm64", kernel: "github.com/gokrazy/kernel.arm64", rootType: gpt.TypeLinuxRootA64, serial: "ttyAMA0,115200"},
	"pi":    {goarch: "arm64", kernel: "github.com/gokrazy/kernel.rpi", rootType: gpt.TypeLinuxRootA64, serial: "serial0,115200", pi: true},
}

// systemdBootX64 is Debian's systemd-boot-efi, used as the UEFI loader of
// amd64 images (gokrazy embeds the same loader; its module is not
// reachable here).
const systemdBootX64 = "/usr/lib/systemd/boot/efi/systemd-bootx64.efi"
