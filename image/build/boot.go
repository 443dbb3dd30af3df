package build

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tcpbox/tcpbox/image/fat"
)

// cmdlinePad leaves room to edit the command line in place: gokrazy's
// updater rewrites root= through the file's extent and cannot grow it.
const cmdlinePad = 64

// Cmdline derives the kernel command line from the kernel package's
// cmdline.txt: the consoles first (the last console= becomes /dev/console,
// so the serial console goes last), root= by GPT partition UUID relative
// to the boot partition (the form gokrazy's rootdev accepts on any disk
// driver), and rootwait instead of rootdelay, which costs a fixed 10 s.
func Cmdline(pkgCmdline, host, serial string) string {
	var out []string
	out = append(out, "console=tty1")
	if serial != "off" {
		out = append(out, "console="+serial)
	}
	out = append(out, "root=PARTUUID="+PartitionGUID(host, 1)+"/PARTNROFF=1")
	wait := false
	for _, f := range strings.Fields(pkgCmdline) {
		switch {
		case strings.HasPrefix(f, "root="), strings.HasPrefix(f, "rootdelay="), strings.HasPrefix(f, "console="):
			continue
		case f == "rootwait":
			wait = true
		}
		out = append(out, f)
	}
	if !wait {
		out = append(out, "rootwait")
	}
	return strings.Join(out, " ")
}

// bootFiles returns the files of the boot partition.
func bootFiles(c *Config, t target) (map[string][]byte, string, error) {
	kdir, err := moduleDir(c.RepoDir, t.kernel)
	if err != nil {
		return nil, "", err
	}
	files := map[string][]byte{}
	read := func(dst, src string) error {
		b, err := os.ReadFile(src)
		if err != nil {
			return fmt.Errorf("build: %w", err)
		}
		files[dst] = b
		return nil
	}
	if err := read("vmlinuz", filepath.Join(kdir, "vmlinuz")); err != nil {
		return nil, "", err
	}
	pkgCmdline, err := os.ReadFile(filepath.Join(kdir, "cmdline.txt"))
	if err != nil {
		return nil, "", fmt.Errorf("build: %w", err)
	}
	serial := c.Serial
	if serial == "" {
		serial = t.serial
	}
	line := Cmdline(string(pkgCmdline), c.Hostname, serial)
	padded := line + strings.Repeat(" ", cmdlinePad)
	files["cmdline.txt"] = []byte(padded + "\n")
	files["loader/entries/gokrazy.conf"] = []byte("title tcpbox\nlinux /vmlinuz\noptions " + padded + "\n")

	if cfg, err := os.ReadFile(filepath.Join(kdir, "config.txt")); err == nil {
		s := string(cfg)
		if serial != "off" {
			s = strings.ReplaceAll(s, "enable_uart=0", "enable_uart=1")
		}
		files["config.txt"] = []byte(s)
	}
	// Device trees and overlays from the kernel package.
	for _, pat := range []string{"*.dtb", "overlays/*"} {
		m, _ := filepath.Glob(filepath.Join(kdir, pat))
		for _, p := range m {
			rel, _ := filepath.Rel(kdir, p)
			if err := read(filepath.ToSlash(rel), p); err != nil {
				return nil, "", err
			}
		}
	}
	if err := efiLoader(c, t, files); err != nil {
		return nil, "", err
	}
	if t.pi {
		fw, err := moduleDir(c.RepoDir, "github.com/gokrazy/firmware")
		if err != nil {
			return nil, "", err
		}
		for _, pat := range []string{"*.bin", "*.dat", "*.elf"} {
			m, _ := filepath.Glob(filepath.Join(fw, pat))
			for _, p := range m {
				if err := read(filepath.Base(p), p); err != nil {
					return nil, "", err
				}
			}
		}
		if c.PiEEPROM {
			if err := eepromFiles(c, files); err != nil {
				return nil, "", err
			}
		}
	}
	return files, line, nil
}

// efiLoader adds the target's UEFI boot loader as EFI/BOOT/<name>, the
// removable-media path firmware looks for on any disk (UEFI 2.10 §3.5.1.1).
// An optional loader (arm64) that is missing is left out unless
// c.RequireEFI; a required one that is missing is an error naming where
// it comes from.
func efiLoader(c *Config, t target, files map[string][]byte) error {
	if t.efi == "" {
		if c.RequireEFI {
			return fmt.Errorf("build: target %s has no UEFI boot", c.Target)
		}
		return nil
	}
	src := t.efiSrc
	if c.EFILoader != "" {
		src = c.EFILoader
	}
	b, err := os.ReadFile(src)
	switch {
	case err == nil:
		files["EFI/BOOT/"+t.efi] = b
		return nil
	case t.efiOptional && !c.RequireEFI && c.EFILoader == "" && errors.Is(err, fs.ErrNotExist):
		return nil
	case t.efiOptional:
		return fmt.Errorf("build: UEFI loader: %w (run hack/fetch-efi-arm64.sh)", err)
	default:
		return fmt.Errorf("build: UEFI loader: %w (install Debian's systemd-boot-efi)", err)
	}
}

// eepromFiles adds the newest Pi 4 bootloader EEPROM image and the VL805
// USB controller firmware, with the .sig files (sha256 and a timestamp)
// that the Pi's recovery.bin checks before flashing.
func eepromFiles(c *Config, files map[string][]byte) error {
	dir, err := moduleDir(c.RepoDir, "github.com/gokrazy/rpi-eeprom")
	if err != nil {
		return err
	}
	newest := func(pat string) (string, error) {
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		if len(m) == 0 {
			return "", fmt.Errorf("build: no %s in %s", pat, dir)
		}
		sort.Strings(m)
		return m[len(m)-1], nil
	}
	for _, f := range []struct{ pat, name string }{{"pieeprom-*.bin", "pieeprom"}, {"vl805-*.bin", "vl805"}} {
		p, err := newest(f.pat)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		ext := ".upd"
		if f.name == "vl805" {
			ext = ".bin"
		}
		files[f.name+ext] = b
		files[f.name+".sig"] = []byte(fmt.Sprintf("%x\nts: %d\n", sha256sum(b), c.Time.Unix()))
	}
	rec, err := os.ReadFile(filepath.Join(dir, "recovery.bin"))
	if err != nil {
		return err
	}
	files["recovery.bin"] = rec
	return nil
}

// BootFAT returns the boot partition's FAT16 image and the command line.
func BootFAT(c *Config) ([]byte, string, error) {
	if err := c.defaults(); err != nil {
		return nil, "", err
	}
	t := targets[c.Target]
	files, line, err := bootFiles(c, t)
	if err != nil {
		return nil, "", err
	}
	fs := fat.New()
	for name, b := range files {
		if err := fs.Add(name, b); err != nil {
			return nil, "", err
		}
	}
	img, err := fs.Image(fat.Options{Size: BootSize, HiddenSectors: BootStart, VolumeID: hostHash(c.Hostname), Label: "GOKRAZY"})
	if err != nil {
		return nil, "", fmt.Errorf("build: boot partition: %w", err)
	}
	return img, line, nil
}

// KernelBoot returns the kernel image and command line of cfg's target,
// for boot loaders outside the image (QEMU -kernel).
func KernelBoot(c *Config) (kernel, cmdline string, err error) {
	if err := c.defaults(); err != nil {
		return "", "", err
	}
	t := targets[c.Target]
	kdir, err := moduleDir(c.RepoDir, t.kernel)
	if err != nil {
		return "", "", err
	}
	pkg, err := os.ReadFile(filepath.Join(kdir, "cmdline.txt"))
	if err != nil {
		return "", "", fmt.Errorf("build: %w", err)
	}
	serial := c.Serial
	if serial == "" {
		serial = t.serial
	}
	return filepath.Join(kdir, "vmlinuz"), Cmdline(string(pkg), c.Hostname, serial), nil
}
