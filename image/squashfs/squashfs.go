// Package squashfs writes SquashFS 4.0 images (the format of the Linux
// kernel's fs/squashfs and of squashfs-tools) for gokrazy's read-only root:
// directories of any size, regular files, symbolic links, data blocks
// compressed with zlib where that saves space, and fixed timestamps and
// ownership so the same input gives the same bytes.
//
// It is a writer only. It does not write fragments (a file's tail is a
// short block of its own), extended attributes, NFS export tables, device
// nodes or hard links, and it holds the image in memory.
package squashfs

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
)

// BlockSize is the data block size (the squashfs-tools default).
const BlockSize = 128 << 10

type kind int

const (
	kindInvalid kind = iota
	kindDir
	kindFile
	kindSymlink
)

type node struct {
	name     string
	kind     kind
	perm     fs.FileMode
	data     []byte
	target   string
	children map[string]*node

	// assigned while writing
	ino    uint32
	parent *node
	ref    uint64 // inode reference: metadata block << 16 | offset
}

// FS collects a directory tree to write as a squashfs image.
type FS struct {
	root *node
}

// New returns an empty tree whose root directory has mode 0755.
func New() *FS {
	return &FS{root: &node{kind: kindDir, perm: 0o755, children: map[string]*node{}}}
}

func clean(p string) string { return strings.Trim(path.Clean("/"+p), "/") }

func (f *FS) lookupDir(p string, create bool) (*node, error) {
	n := f.root
	if p == "" {
		return n, nil
	}
	for _, c := range strings.Split(p, "/") {
		ch, ok := n.children[c]
		if !ok {
			if !create {
				return nil, fmt.Errorf("squashfs: %q: not found", p)
			}
			ch = &node{name: c, kind: kindDir, perm: 0o755, children: map[string]*node{}}
			n.children[c] = ch
		}
		if ch.kind != kindDir {
			return nil, fmt.Errorf("squashfs: %q: %q is not a directory", p, c)
		}
		n = ch
	}
	return n, nil
}

func (f *FS) add(p string, n *node) error {
	p = clean(p)
	if p == "" {
		return errors.New("squashfs: empty name")
	}
	dir, base := path.Split(p)
	if len(base) > 256 {
		return fmt.Errorf("squashfs: %q: name longer than 256 bytes", p)
	}
	parent, err := f.lookupDir(strings.TrimSuffix(dir, "/"), true)
	if err != nil {
		return err
	}
	if old, ok := parent.children[base]; ok && (old.kind == kindDir) != (n.kind == kindDir) {
		return fmt.Errorf("squashfs: %q exists with another type", p)
	}
	if old, ok := parent.children[base]; ok && n.kind == kindDir {
		old.perm = n.perm
		return nil
	}
	n.name = base
	parent.children[base] = n
	return nil
}

// Mkdir creates a directory (and its parents, with mode 0755).
func (f *FS) Mkdir(p string, perm fs.FileMode) error {
	return f.add(p, &node{kind: kindDir, perm: perm.Perm(), children: map[string]*node{}})
}

// AddFile stores a regular file. The FS keeps data without copying it.
func (f *FS) AddFile(p string, data []byte, perm fs.FileMode) error {
	if uint64(len(data)) >= 1<<32 {
		return fmt.Errorf("squashfs: %q: 4 GiB or larger", p)
	}
	return f.add(p, &node{kind: kindFile, perm: perm & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky), data: data})
}

// Symlink stores a symbolic link to target.
func (f *FS) Symlink(p, target string) error {
	if target == "" {
		return fmt.Errorf("squashfs: %q: empty link target", p)
	}
	return f.add(p, &node{kind: kindSymlink, perm: 0o777, target: target})
}

// sorted returns the children in byte order of their names: the kernel's
// lookup stops at the first name greater than the one it seeks
// (fs/squashfs/namei.c).
func (n *node) sorted() []*node {
	return slices.SortedFunc(maps.Values(n.children), func(a, b *node) int { return strings.Compare(a.name, b.name) })
}
