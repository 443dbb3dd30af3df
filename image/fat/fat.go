// Package fat writes FAT16 file systems the way gokrazy's boot partition
// needs them: one FAT copy, 2 KiB clusters, every file stored in one
// contiguous run of clusters, long file names for anything that is not a
// plain upper-case 8.3 name, and fixed timestamps so the same input gives
// the same bytes.
//
// It is a writer only: it does not read or modify existing file systems,
// it does not write FAT12 or FAT32, and it holds the whole image in memory
// (a boot partition is at most 128 MiB, the FAT16 limit at 2 KiB clusters).
package fat

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
)

// Geometry fixed by gokrazy's boot partition format.
const (
	SectorSize        = 512
	SectorsPerCluster = 4 // 2 KiB clusters
	ClusterSize       = SectorSize * SectorsPerCluster
	rootEntries       = 512 // 16 KiB fixed root directory
	reservedSectors   = 1
	// FAT16 needs between 4085 and 65524 clusters (Microsoft FAT
	// specification, "FAT Type Determination").
	minClusters = 4085
	maxClusters = 65524
)

// ErrTooSmall is returned when the files do not fit in the requested size.
var ErrTooSmall = errors.New("fat: files do not fit")

type node struct {
	name     string
	dir      bool
	data     []byte
	children map[string]*node

	// assigned while laying out
	cluster  uint32
	clusters uint32
	short    [11]byte
}

// FS collects files and directories and lays them out as a FAT16 image.
type FS struct {
	root *node
}

// New returns an empty file system.
func New() *FS {
	return &FS{root: &node{dir: true, children: map[string]*node{}}}
}

func (f *FS) walk(p string, create bool) (*node, error) {
	p = strings.Trim(path.Clean("/"+p), "/")
	n := f.root
	if p == "" {
		return n, nil
	}
	for _, c := range strings.Split(p, "/") {
		if !n.dir {
			return nil, fmt.Errorf("fat: %q: parent is a file", p)
		}
		ch, ok := n.children[c]
		if !ok {
			if !create {
				return nil, fmt.Errorf("fat: %q: not found", p)
			}
			ch = &node{name: c, dir: true, children: map[string]*node{}}
			n.children[c] = ch
		}
		n = ch
	}
	return n, nil
}

// Mkdir creates a directory and its parents.
func (f *FS) Mkdir(p string) error {
	n, err := f.walk(p, true)
	if err != nil {
		return err
	}
	if !n.dir {
		return fmt.Errorf("fat: %q exists as a file", p)
	}
	return nil
}

// Add stores a file, creating its parent directories. The FS keeps data
// (it does not copy it); the caller must not modify it afterwards.
func (f *FS) Add(p string, data []byte) error {
	p = strings.Trim(path.Clean("/"+p), "/")
	if p == "" {
		return errors.New("fat: empty file name")
	}
	dir, base := path.Split(p)
	if len(base) > 255 {
		return fmt.Errorf("fat: %q: name longer than 255 characters", p)
	}
	if uint64(len(data)) > 0xffffffff {
		return fmt.Errorf("fat: %q: larger than 4 GiB", p)
	}
	parent, err := f.walk(dir, true)
	if err != nil {
		return err
	}
	if old, ok := parent.children[base]; ok && old.dir {
		return fmt.Errorf("fat: %q exists as a directory", p)
	}
	parent.children[base] = &node{name: base, data: data}
	return nil
}

// sorted returns the children of a directory in byte order of their names,
// so that the layout does not depend on map order.
func (n *node) sorted() []*node {
	return slices.SortedFunc(maps.Values(n.children), func(a, b *node) int { return strings.Compare(a.name, b.name) })
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }
