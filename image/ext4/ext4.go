// Package ext4 formats an empty ext4 file system for gokrazy's /perm
// partition, which gokrazy mounts but never formats: a root directory, a
// lost+found directory and optionally a few empty directories below the
// root (such as tcpbox's state directory).
//
// It is not a general writer: it stores no files, has no journal (gokrazy
// mounts /perm without one just as well; the kernel adds none), and uses
// the plain layout of the ext2 lineage with extents: 4 KiB blocks, 32768
// blocks per group, superblock backups in groups 0, 1 and powers of 3, 5
// and 7 (sparse_super), no flex_bg, no checksums. Layout references:
// the kernel's Documentation/filesystems/ext4/ (globals, group descriptors,
// inodes, directories, extent tree).
//
// The result is written with WriteAt into a region of a disk image; only
// the blocks that hold metadata are written, so the region must read as
// zeros beforehand (a fresh sparse file), or Options.Zero asks for the
// inode tables to be cleared explicitly (for block devices).
package ext4

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
)

// Geometry.
const (
	BlockSize      = 4096
	blocksPerGroup = 8 * BlockSize // one bitmap block
	inodeSize      = 256
	inodesPerGroup = 2048
	inodeTableBlks = inodesPerGroup * inodeSize / BlockSize
	descSize       = 32 // without the 64bit feature
	firstIno       = 11 // the first non-reserved inode
	rootIno        = 2
	lostFoundIno   = 11
	extraIsize     = 32
)

// Feature bits (Documentation/filesystems/ext4/super.rst).
const (
	incompatFiletype   = 0x2
	incompatExtents    = 0x40
	roCompatSparse     = 0x1
	roCompatLargeFile  = 0x2
	roCompatExtraIsize = 0x40
	extentsFlag        = 0x80000 // EXT4_EXTENTS_FL
)

// Options describe the file system.
type Options struct {
	// Size of the region in bytes; the file system uses whole 4 KiB blocks
	// of it and drops a last group too small to hold its own metadata.
	Size int64
	// UUID of the file system; Label its volume name (at most 16 bytes).
	UUID  [16]byte
	Label string
	// Time is written as the creation, modification and check times.
	Time uint32
	// Dirs are empty directories to create below the root (one level,
	// mode 0755), for example "tcpbox".
	Dirs []string
	// Zero clears every inode table, for regions that are not already
	// zero (a block device that held data before).
	Zero bool
}

type group struct {
	start      int64 // first block
	blocks     int64
	hasSuper   bool
	blockBmp   int64
	inodeBmp   int64
	inodeTable int64
	usedBlocks int64 // metadata and data
	usedInodes int64
	dirs       int64
}

// hasSuper reports whether a group holds a superblock backup under
// sparse_super: groups 0, 1 and powers of 3, 5 and 7.
func hasSuper(g int64) bool {
	if g <= 1 {
		return true
	}
	for _, b := range []int64{3, 5, 7} {
		p := b
		for p < g {
			p *= b
		}
		if p == g {
			return true
		}
	}
	return false
}

// Format writes the file system into w, the region starting at offset 0.
func Format(w io.WriterAt, o Options) error {
	total := o.Size / BlockSize
	if len(o.Label) > 16 {
		return fmt.Errorf("ext4: label %q longer than 16 bytes", o.Label)
	}
	names := append([]string(nil), o.Dirs...)
	sort.Strings(names)
	for i, d := range names {
		if d == "" || d == "." || d == ".." || d == "lost+found" || len(d) > 255 || containsSlash(d) || (i > 0 && names[i-1] == d) {
			return fmt.Errorf("ext4: bad directory name %q", d)
		}
	}
	ngroups := (total + blocksPerGroup - 1) / blocksPerGroup
	gdtBlocks := (ngroups*descSize + BlockSize - 1) / BlockSize
	overhead := func(g int64) int64 {
		n := int64(2 + inodeTableBlks)
		if hasSuper(g) {
			n += 1 + gdtBlocks
		}
		return n
	}
	// A last group that cannot hold its metadata and some data is dropped,
	// as mke2fs does.
	if last := total - (ngroups-1)*blocksPerGroup; ngroups > 1 && last < overhead(ngroups-1)+64 {
		total -= last
		ngroups--
	}
	if ngroups < 1 || total < overhead(0)+16 {
		return errors.New("ext4: region too small")
	}
	// The directory blocks in group 0 must fit beside its metadata.
	if int64(len(names)+2) > blocksPerGroup-overhead(0) {
		return errors.New("ext4: too many directories")
	}

	groups := make([]group, ngroups)
	for g := range groups {
		gr := &groups[g]
		gr.start = int64(g) * blocksPerGroup
		gr.blocks = min(blocksPerGroup, total-gr.start)
		gr.hasSuper = hasSuper(int64(g))
		b := gr.start
		if gr.hasSuper {
			b += 1 + gdtBlocks
		}
		gr.blockBmp, gr.inodeBmp, gr.inodeTable = b, b+1, b+2
		gr.usedBlocks = overhead(int64(g))
	}

	// Directories live in group 0, data blocks right after its inode table.
	g0 := &groups[0]
	dataBlk := g0.inodeTable + inodeTableBlks
	type dir struct {
		ino, parent uint32
		blk         int64
		entries     []dirent
	}
	root := &dir{ino: rootIno, parent: rootIno, blk: dataBlk}
	lf := &dir{ino: lostFoundIno, parent: rootIno, blk: dataBlk + 1}
	dirs := []*dir{root, lf}
	root.entries = append(root.entries, dirent{lostFoundIno, "lost+found"})
	for i, n := range names {
		d := &dir{ino: uint32(firstIno + 1 + i), parent: rootIno, blk: dataBlk + 2 + int64(i)}
		dirs = append(dirs, d)
		root.entries = append(root.entries, dirent{d.ino, n})
	}
	g0.usedBlocks += int64(len(dirs))
	g0.usedInodes = int64(firstIno - 1 + len(dirs) - 1) // reserved 1..10, then lost+found and ours
	g0.dirs = int64(len(dirs))

	if o.Zero {
		zero := make([]byte, inodeTableBlks*BlockSize)
		for _, gr := range groups {
			if _, err := w.WriteAt(zero, gr.inodeTable*BlockSize); err != nil {
				return fmt.Errorf("ext4: %w", err)
			}
		}
	}

	// Inodes and directory blocks.
	itable := make([]byte, inodeTableBlks*BlockSize)
	for _, d := range dirs {
		// Directories hold "." and ".." plus their entries; the root's
		// link count also counts the ".." of each child.
		links := uint16(2)
		if d.ino == rootIno {
			links += uint16(len(dirs) - 1)
		}
		putInode(itable[(d.ino-1)*inodeSize:], d.blk, links, o.Time)
		blk := make([]byte, BlockSize)
		putDir(blk, append([]dirent{{d.ino, "."}, {d.parent, ".."}}, d.entries...))
		if _, err := w.WriteAt(blk, d.blk*BlockSize); err != nil {
			return fmt.Errorf("ext4: %w", err)
		}
	}
	if _, err := w.WriteAt(itable[:BlockSize*((len(dirs)+firstIno)*inodeSize/BlockSize+1)], g0.inodeTable*BlockSize); err != nil {
		return fmt.Errorf("ext4: %w", err)
	}

	// Bitmaps: used blocks are the first usedBlocks of each group (its
	// metadata, then in group 0 the directory blocks); bits past the end of
	// a short last group and past inodesPerGroup are set, as e2fsck wants.
	for _, gr := range groups {
		bb := make([]byte, BlockSize)
		setBits(bb, 0, gr.usedBlocks)
		setBits(bb, gr.blocks, blocksPerGroup)
		ib := make([]byte, BlockSize)
		setBits(ib, 0, gr.usedInodes)
		setBits(ib, inodesPerGroup, BlockSize*8)
		if _, err := w.WriteAt(bb, gr.blockBmp*BlockSize); err != nil {
			return fmt.Errorf("ext4: %w", err)
		}
		if _, err := w.WriteAt(ib, gr.inodeBmp*BlockSize); err != nil {
			return fmt.Errorf("ext4: %w", err)
		}
	}

	// Group descriptor table.
	gdt := make([]byte, gdtBlocks*BlockSize)
	var freeBlocks, freeInodes int64
	for g, gr := range groups {
		d := gdt[g*descSize:]
		le := binary.LittleEndian
		le.PutUint32(d[0:], uint32(gr.blockBmp))
		le.PutUint32(d[4:], uint32(gr.inodeBmp))
		le.PutUint32(d[8:], uint32(gr.inodeTable))
		le.PutUint16(d[12:], uint16(gr.blocks-gr.usedBlocks))
		le.PutUint16(d[14:], uint16(inodesPerGroup-gr.usedInodes))
		le.PutUint16(d[16:], uint16(gr.dirs))
		freeBlocks += gr.blocks - gr.usedBlocks
		freeInodes += inodesPerGroup - gr.usedInodes
	}

	sb := superblock(o, total, ngroups, freeBlocks, freeInodes)
	for g, gr := range groups {
		if !gr.hasSuper {
			continue
		}
		s := append([]byte(nil), sb...)
		binary.LittleEndian.PutUint16(s[0x5A:], uint16(g)) // s_block_group_nr
		off := gr.start * BlockSize
		if g == 0 {
			off = 1024 // the primary superblock sits 1024 bytes in
		}
		if _, err := w.WriteAt(s, off); err != nil {
			return fmt.Errorf("ext4: %w", err)
		}
		if _, err := w.WriteAt(gdt, (gr.start+1)*BlockSize); err != nil {
			return fmt.Errorf("ext4: %w", err)
		}
	}
	return nil
}

func containsSlash(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' || s[i] == 0 {
			return true
		}
	}
	return false
}

func setBits(b []byte, from, to int64) {
	for i := from; i < to; i++ {
		b[i/8] |= 1 << (i % 8)
	}
}
