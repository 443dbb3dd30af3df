package build

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tcpbox/tcpbox/image/squashfs"
)

func sha256sum(b []byte) [32]byte { return sha256.Sum256(b) }

// RootFiles is the content of the root file system, by path.
type rootEntry struct {
	data   []byte
	perm   fs.FileMode
	link   string
	isDir  bool
	source string // for error messages
}

// rootTree assembles the root file system: gokrazy's mount points and
// /etc files, our init (also linked as the console wrapper), gokrazy's
// DHCP client, tcpbox and its flags, and the kernel's modules.
func rootTree(c *Config, t target, bins *binaries) (map[string]rootEntry, error) {
	m := map[string]rootEntry{}
	dir := func(p string) { m[p] = rootEntry{isDir: true, perm: 0o755} }
	file := func(p string, b []byte, perm fs.FileMode) { m[p] = rootEntry{data: b, perm: perm} }
	link := func(p, target string) { m[p] = rootEntry{link: target} }

	// Empty mount points that gokrazy's Boot mounts over.
	for _, d := range []string{"bin", "dev", "etc", "proc", "sys", "tmp", "perm", "lib", "run", "mnt", "user", "gokrazy"} {
		dir(d)
	}
	link("var", "/perm/var")
	file("etc/hostname", []byte(c.Hostname+"\n"), 0o644)
	file("etc/hosts", []byte("127.0.0.1 localhost\n::1 localhost\n127.0.1.1 "+c.Hostname+"\n"), 0o644)
	file("etc/gokr-pw.txt", []byte(c.Password), 0o400)
	file("etc/http-port.txt", []byte(strconv.Itoa(c.HTTPPort)), 0o644)
	link("etc/resolv.conf", "/tmp/resolv.conf")
	if c.NIC != "none" {
		file("etc/tcpbox/nic.txt", []byte(c.NIC+"\n"), 0o644)
	}
	file("etc/tcpbox/flags.txt", []byte("# tcpbox's flags, one per line (written by the image builder)\n"+strings.Join(c.Tcpbox, "\n")+"\n"), 0o644)

	file("gokrazy/init", bins.init, 0o755)
	link("gokrazy/tcpbox-console", "/gokrazy/init")
	file("gokrazy/dhcp", bins.dhcp, 0o755)
	file("user/tcpbox", bins.tcpbox, 0o755)

	kdir, err := moduleDir(c.RepoDir, t.kernel)
	if err != nil {
		return nil, err
	}
	mods := filepath.Join(kdir, "lib", "modules")
	err = filepath.WalkDir(mods, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(kdir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			dir(rel)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			link(rel, target)
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			file(rel, b, 0o644)
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("build: kernel modules: %w", err)
	}
	return m, nil
}

// RootSquashfs compiles the programs and returns the root file system
// image.
func RootSquashfs(c *Config) ([]byte, error) {
	if err := c.defaults(); err != nil {
		return nil, err
	}
	if c.Password == "" {
		return nil, errors.New("build: no password for the gokrazy web interface")
	}
	t := targets[c.Target]
	tmp, err := os.MkdirTemp("", "tcpbox-image-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bins, err := compile(c, t, tmp)
	if err != nil {
		return nil, err
	}
	tree, err := rootTree(c, t, bins)
	if err != nil {
		return nil, err
	}
	sq := squashfs.New()
	for p, e := range tree {
		switch {
		case e.isDir:
			err = sq.Mkdir(p, e.perm)
		case e.link != "":
			err = sq.Symlink(p, e.link)
		default:
			err = sq.AddFile(p, e.data, e.perm)
		}
		if err != nil {
			return nil, err
		}
	}
	img, err := sq.Image(squashfs.Options{ModTime: uint32(c.Time.Unix()), Compress: true})
	if err != nil {
		return nil, err
	}
	if len(img) > RootSize {
		return nil, fmt.Errorf("build: root file system is %d bytes, the partition %d", len(img), RootSize)
	}
	return img, nil
}
