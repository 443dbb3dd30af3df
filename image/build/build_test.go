package build

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/image/internal/imagetest"
)

// The builder treats tcpbox as bytes to place at /user/tcpbox; these tests
// check the placing with known bytes (the QEMU tests in image/vmtest run
// the real program).
var payload = bytes.Repeat([]byte("tcpbox payload for the image tests\n"), 3000)

func testConfig(t *testing.T, target string) *Config {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tcpbox")
	if err := os.WriteFile(bin, payload, 0o755); err != nil {
		t.Fatal(err)
	}
	return &Config{Target: target, Password: "test-password", RepoDir: "../..", TcpboxBinary: bin}
}

func writeDisk(t *testing.T, c *Config, size int64) string {
	t.Helper()
	f := imagetest.Blank(t, "disk.img", size)
	if err := Disk(f, size, c, false); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

// TestDiskAmd64 builds a whole amd64 image and reads every part back with
// the standard tools.
func TestDiskAmd64(t *testing.T) {
	testbed.Tools(t, "sgdisk", "fsck.fat", "mcopy", "unsquashfs", "e2fsck")
	c := testConfig(t, "amd64")
	const size = MinDiskSize + 100*MiB
	img := writeDisk(t, c, size)
	if out := testbed.Run(t, "sgdisk", "-v", img); !strings.Contains(out, "No problems found") {
		t.Errorf("sgdisk -v:\n%s", out)
	}
	tab, err := Layout(c, size)
	if err != nil {
		t.Fatal(err)
	}
	p := tab.Partitions
	if p[0].Start != 8192 || p[0].Sectors != 100*2048 || p[1].Sectors != 500*2048 || p[2].Start != p[1].Start+500*2048 || p[3].Start != p[2].Start+500*2048 {
		t.Errorf("layout differs from gokrazy's: %+v", p)
	}
	out := testbed.Run(t, "sgdisk", "-i", "1", img)
	if !strings.Contains(out, PartitionGUID("tcpbox", 1)) {
		t.Errorf("partition 1 GUID is not %s:\n%s", PartitionGUID("tcpbox", 1), out)
	}

	// Boot FAT.
	boot := imagetest.Extract(t, img, p[0].Start, p[0].Sectors, "boot.fat")
	testbed.Run(t, "fsck.fat", "-n", boot)
	dir := t.TempDir()
	testbed.Run(t, "mcopy", "-i", boot, "-s", "-n", "::/", dir)
	kdir, err := moduleDir("../..", targets["amd64"].kernel)
	if err != nil {
		t.Fatal(err)
	}
	same := func(got, want string) {
		t.Helper()
		a, err1 := os.ReadFile(got)
		b, err2 := os.ReadFile(want)
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs from %s (%v, %v)", got, want, err1, err2)
		}
	}
	same(filepath.Join(dir, "vmlinuz"), filepath.Join(kdir, "vmlinuz"))
	same(filepath.Join(dir, "EFI/BOOT/BOOTX64.EFI"), systemdBootX64)
	cmdline, _ := os.ReadFile(filepath.Join(dir, "cmdline.txt"))
	for _, want := range []string{"root=PARTUUID=" + PartitionGUID("tcpbox", 1) + "/PARTNROFF=1", "init=/gokrazy/init", "rootwait", "console=ttyS0,115200", "panic=10"} {
		if !strings.Contains(string(cmdline), want) {
			t.Errorf("cmdline.txt lacks %q: %q", want, cmdline)
		}
	}
	if strings.Contains(string(cmdline), "rootdelay") {
		t.Errorf("cmdline.txt keeps rootdelay: %q", cmdline)
	}
	entry, _ := os.ReadFile(filepath.Join(dir, "loader/entries/gokrazy.conf"))
	if !strings.Contains(string(entry), "linux /vmlinuz") || !strings.Contains(string(entry), strings.TrimSpace(string(cmdline))) {
		t.Errorf("loader entry: %q", entry)
	}

	// Root squashfs.
	root := imagetest.Extract(t, img, p[1].Start, p[1].Sectors, "root.squashfs")
	rdir := filepath.Join(t.TempDir(), "root")
	testbed.Run(t, "unsquashfs", "-no-progress", "-d", rdir, root)
	same(filepath.Join(rdir, "user/tcpbox"), c.TcpboxBinary)
	for name, want := range map[string]string{
		"etc/hostname":         "tcpbox\n",
		"etc/gokr-pw.txt":      "test-password",
		"etc/http-port.txt":    "80",
		"etc/tcpbox/flags.txt": strings.Join(TcpboxFlags["amd64"], "\n") + "\n",
		"etc/tcpbox/nic.txt":   "dedicated eth1\n",
	} {
		got, err := os.ReadFile(filepath.Join(rdir, name))
		if err != nil || !strings.HasSuffix(string(got), want) {
			t.Errorf("%s = %q (%v), want %q", name, got, err, want)
		}
	}
	for name, want := range map[string]string{"etc/resolv.conf": "/tmp/resolv.conf", "var": "/perm/var", "gokrazy/tcpbox-console": "/gokrazy/init"} {
		if got, err := os.Readlink(filepath.Join(rdir, name)); err != nil || got != want {
			t.Errorf("%s -> %q (%v), want %q", name, got, err, want)
		}
	}
	for _, bin := range []string{"gokrazy/init", "gokrazy/dhcp"} {
		b, err := os.ReadFile(filepath.Join(rdir, bin))
		if err != nil || !bytes.HasPrefix(b, []byte("\x7fELF")) {
			t.Errorf("%s is not an ELF program (%v)", bin, err)
		}
	}
	for _, d := range []string{"dev", "proc", "sys", "tmp", "perm", "run", "mnt"} {
		if st, err := os.Stat(filepath.Join(rdir, d)); err != nil || !st.IsDir() {
			t.Errorf("mount point /%s missing", d)
		}
	}
	// Every kernel module file, byte-identical.
	n := 0
	filepath.Walk(filepath.Join(kdir, "lib/modules"), func(path string, info os.FileInfo, err error) error {
		if err != nil || !info.Mode().IsRegular() {
			return nil
		}
		rel, _ := filepath.Rel(kdir, path)
		same(filepath.Join(rdir, rel), path)
		n++
		return nil
	})
	if n == 0 {
		t.Error("no kernel module files compared")
	}

	// /perm.
	perm := imagetest.Extract(t, img, p[3].Start, p[3].Sectors, "perm.ext4")
	testbed.Run(t, "e2fsck", "-fn", perm)
}

func TestDeterministic(t *testing.T) {
	c := testConfig(t, "amd64")
	sum := func() [32]byte {
		f, err := os.Open(writeDisk(t, c, MinDiskSize))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		h := sha256.New()
		io.Copy(h, f)
		var s [32]byte
		copy(s[:], h.Sum(nil))
		return s
	}
	if a, b := sum(), sum(); a != b {
		t.Fatalf("two builds differ: %x, %x", a, b)
	}
}

// What the Raspberry Pi firmware reads from the boot partition:
// Pi 4 (BCM2711): the GPU firmware start4.elf with fixup4.dat, its device
// trees, config.txt, cmdline.txt and the kernel named in config.txt;
// Pi 5 (BCM2712): its bootloader lives in EEPROM and reads config.txt,
// cmdline.txt, the kernel and the bcm2712 device trees (also the D0
// stepping), with overlays/overlay_map.dtb to map overlays.
var piRequired = []string{
	"config.txt", "cmdline.txt", "vmlinuz",
	"start4.elf", "fixup4.dat",
	"bcm2711-rpi-4-b.dtb", "bcm2711-rpi-400.dtb", "bcm2711-rpi-cm4.dtb",
	"bcm2712-rpi-5-b.dtb", "bcm2712d0-rpi-5-b.dtb", "bcm2712-rpi-500.dtb", "bcm2712-rpi-cm5-cm5io.dtb",
	"overlays/overlay_map.dtb", "overlays/disable-bt-pi5.dtbo",
}

func TestPiBootPartition(t *testing.T) {
	testbed.Tools(t, "fsck.fat", "mcopy")
	c := testConfig(t, "pi")
	img, line, err := BootFAT(c)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "boot.fat")
	os.WriteFile(p, img, 0o644)
	testbed.Run(t, "fsck.fat", "-n", p)
	dir := t.TempDir()
	testbed.Run(t, "mcopy", "-i", p, "-s", "-n", "::/", dir)
	for _, f := range piRequired {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("Pi boot partition lacks %s", f)
		}
	}
	cfg, _ := os.ReadFile(filepath.Join(dir, "config.txt"))
	if !strings.Contains(string(cfg), "kernel=vmlinuz") || !strings.Contains(string(cfg), "enable_uart=1") {
		t.Errorf("config.txt:\n%s", cfg)
	}
	if !strings.Contains(line, "console=serial0,115200") {
		t.Errorf("command line %q has no Pi serial console", line)
	}
	if _, err := os.Stat(filepath.Join(dir, "EFI")); err == nil {
		t.Error("the Pi image carries an x86 UEFI loader")
	}
	again, _, err := BootFAT(c)
	if err != nil || sha256.Sum256(again) != sha256.Sum256(img) {
		t.Errorf("two builds of the Pi boot partition differ (%v)", err)
	}
}

func TestCmdline(t *testing.T) {
	got := Cmdline("root=/dev/sda2 ro init=/gokrazy/init panic=10 oops=panic rootdelay=10 pci=nommconf", "box", "ttyS0,115200")
	want := "console=tty1 console=ttyS0,115200 root=PARTUUID=" + PartitionGUID("box", 1) + "/PARTNROFF=1 ro init=/gokrazy/init panic=10 oops=panic pci=nommconf rootwait"
	if got != want {
		t.Errorf("Cmdline:\n got %s\nwant %s", got, want)
	}
	if got := Cmdline("root=/dev/mmcblk0p2 rootwait", "box", "off"); strings.Contains(got, "serial") || strings.Count(got, "rootwait") != 1 {
		t.Errorf("Cmdline off: %s", got)
	}
}

func TestPartitionGUID(t *testing.T) {
	// fnv32a("tcpbox"), computed independently of hostHash.
	var h uint32 = 2166136261
	for _, b := range []byte("tcpbox") {
		h ^= uint32(b)
		h *= 16777619
	}
	g := PartitionGUID("tcpbox", 2)
	if !strings.HasPrefix(g, "60C24CC1-F3F9-427A-8199-") || !strings.HasSuffix(g, "-"+hex8(h)+"0002") {
		t.Errorf("PartitionGUID = %s (fnv32a %08X)", g, h)
	}
}

func hex8(v uint32) string {
	const digits = "0123456789ABCDEF"
	b := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		b[i] = digits[v&15]
		v >>= 4
	}
	return string(b)
}

func TestPassword(t *testing.T) {
	dir := t.TempDir()
	a, err := Password(dir, "box")
	if err != nil || len(a) < 20 {
		t.Fatalf("Password: %q, %v", a, err)
	}
	b, _ := Password(dir, "box")
	if a != b {
		t.Error("second build got another password")
	}
	c, _ := Password(dir, "other")
	if c == a {
		t.Error("two hosts share a password")
	}
}

func TestBadConfig(t *testing.T) {
	for _, c := range []*Config{
		{Target: "sparc", Password: "x"},
		{Target: "amd64", Password: "a:b"},
		{Target: "amd64", Password: "x", Hostname: "a b"},
		{Target: "amd64", Password: "x", Tcpbox: []string{"-a\nb"}},
		{Target: "amd64", Password: "x", NIC: "bridge eth0"},
	} {
		if err := c.defaults(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	if _, err := Layout(&Config{Target: "amd64", Hostname: "x"}, MinDiskSize-MiB); err == nil {
		t.Error("disk below the minimum accepted")
	}
}

func TestPiEEPROM(t *testing.T) {
	testbed.Tools(t, "mcopy")
	c := testConfig(t, "pi")
	c.PiEEPROM = true
	img, _, err := BootFAT(c)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "boot.fat")
	os.WriteFile(p, img, 0o644)
	dir := t.TempDir()
	testbed.Run(t, "mcopy", "-i", p, "-s", "-n", "::/", dir)
	for _, name := range []string{"pieeprom", "vl805"} {
		ext := ".upd"
		if name == "vl805" {
			ext = ".bin"
		}
		data, err1 := os.ReadFile(filepath.Join(dir, name+ext))
		sig, err2 := os.ReadFile(filepath.Join(dir, name+".sig"))
		if err1 != nil || err2 != nil || len(data) == 0 {
			t.Errorf("%s: %v %v", name, err1, err2)
			continue
		}
		lines := strings.Split(string(sig), "\n")
		if want := fmt.Sprintf("%x", sha256.Sum256(data)); lines[0] != want || !strings.HasPrefix(lines[1], "ts: ") {
			t.Errorf("%s.sig = %q, want the sha256 %s and a ts: line", name, sig, want)
		}
	}
	if st, err := os.Stat(filepath.Join(dir, "recovery.bin")); err != nil || st.Size() == 0 {
		t.Errorf("recovery.bin: %v", err)
	}
}

// TestDHCPModPinned: gokrazy's DHCP client is built from image/dhcpmod (a
// module of its own, so its dependencies stay out of tcpbox's go.mod); it
// must use the same gokrazy as the init library it runs beside.
func TestDHCPModPinned(t *testing.T) {
	version := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(l), "require "))
			if len(f) >= 2 && f[0] == "github.com/gokrazy/gokrazy" {
				return f[1]
			}
		}
		t.Fatalf("%s does not require github.com/gokrazy/gokrazy", path)
		return ""
	}
	if a, b := version("../../go.mod"), version("../dhcpmod/go.mod"); a != b {
		t.Errorf("go.mod has gokrazy %s, image/dhcpmod/go.mod %s: update image/dhcpmod (go get github.com/gokrazy/gokrazy@%s && go mod tidy there)", a, b, a)
	}
}
