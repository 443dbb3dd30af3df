package squashfs

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
)

// On-disk constants of SquashFS 4.0 (squashfs-tools squashfs_fs.h, the
// kernel's fs/squashfs/squashfs_fs.h).
const (
	magic          = 0x73717368
	superblockSize = 96
	metaSize       = 8192 // uncompressed bytes per metadata block
	metaUncomp     = 0x8000
	dataUncomp     = 1 << 24
	compZlib       = 1
	noTable        = ^uint64(0)
	noFragment     = ^uint32(0)

	flagNoInodeComp = 0x1
	flagNoDataComp  = 0x2
	flagNoFragComp  = 0x8
	flagNoFragments = 0x10
	flagNoXattrs    = 0x200
	flagNoIDComp    = 0x800

	typeDir        = 1
	typeFile       = 2
	typeSymlink    = 3
	typeExtDir     = 8
	maxDirHeader   = 256 // entries per directory header
	maxBasicDirLen = 0xffff
)

// Options for Image.
type Options struct {
	// ModTime is the modification time of every inode and of the
	// superblock, in seconds since 1970.
	ModTime uint32
	// Compress stores data blocks zlib-compressed when that saves space.
	Compress bool
}

// meta accumulates a metadata stream (inode or directory table). Blocks
// are stored uncompressed, so a position maps to a reference directly.
type meta struct{ buf []byte }

func (m *meta) pos() (block uint32, offset uint16) {
	n := len(m.buf)
	return uint32(n/metaSize) * (metaSize + 2), uint16(n % metaSize)
}

func (m *meta) bytes() []byte {
	var out []byte
	for i := 0; i < len(m.buf); i += metaSize {
		end := min(i+metaSize, len(m.buf))
		out = binary.LittleEndian.AppendUint16(out, uint16(end-i)|metaUncomp)
		out = append(out, m.buf[i:end]...)
	}
	return out
}

type writer struct {
	o      Options
	img    []byte
	inodes meta
	dirs   meta
	count  uint32
	blocks map[*node][]uint32 // per file: on-disk block sizes
	starts map[*node]uint64   // per file: offset of its first block
}

// Image returns the squashfs image of the tree, padded to 4 KiB.
func (f *FS) Image(o Options) ([]byte, error) {
	w := &writer{o: o, img: make([]byte, superblockSize), blocks: map[*node][]uint32{}, starts: map[*node]uint64{}}
	// Inode numbers in post order, so the root comes last as with
	// mksquashfs, and each directory knows its parent's number.
	var number func(n, parent *node)
	number = func(n, parent *node) {
		n.parent = parent
		for _, c := range n.sorted() {
			number(c, n)
		}
		w.count++
		n.ino = w.count
	}
	number(f.root, nil)
	if err := w.data(f.root); err != nil {
		return nil, err
	}
	if err := w.inode(f.root); err != nil {
		return nil, err
	}
	inodeStart := uint64(len(w.img))
	w.img = append(w.img, w.inodes.bytes()...)
	dirStart := uint64(len(w.img))
	w.img = append(w.img, w.dirs.bytes()...)
	// One id (0, root) in one metadata block, then the table pointing to it.
	idBlock := uint64(len(w.img))
	w.img = binary.LittleEndian.AppendUint16(w.img, 4|metaUncomp)
	w.img = binary.LittleEndian.AppendUint32(w.img, 0)
	idTable := uint64(len(w.img))
	w.img = binary.LittleEndian.AppendUint64(w.img, idBlock)
	used := uint64(len(w.img))

	flags := uint16(flagNoInodeComp | flagNoFragComp | flagNoFragments | flagNoXattrs | flagNoIDComp)
	if !o.Compress {
		flags |= flagNoDataComp
	}
	sb := w.img[:superblockSize]
	le := binary.LittleEndian
	le.PutUint32(sb[0:], magic)
	le.PutUint32(sb[4:], w.count)
	le.PutUint32(sb[8:], o.ModTime)
	le.PutUint32(sb[12:], BlockSize)
	le.PutUint32(sb[16:], 0) // fragments
	le.PutUint16(sb[20:], compZlib)
	le.PutUint16(sb[22:], 17) // log2(BlockSize)
	le.PutUint16(sb[24:], flags)
	le.PutUint16(sb[26:], 1) // ids
	le.PutUint16(sb[28:], 4) // version 4.0
	le.PutUint16(sb[30:], 0)
	le.PutUint64(sb[32:], f.root.ref)
	le.PutUint64(sb[40:], used)
	le.PutUint64(sb[48:], idTable)
	le.PutUint64(sb[56:], noTable) // xattr ids
	le.PutUint64(sb[64:], inodeStart)
	le.PutUint64(sb[72:], dirStart)
	le.PutUint64(sb[80:], noTable) // fragments
	le.PutUint64(sb[88:], noTable) // export (NFS lookup) table
	if pad := len(w.img) % 4096; pad != 0 {
		w.img = append(w.img, make([]byte, 4096-pad)...)
	}
	return w.img, nil
}

// data writes the blocks of every file below n, depth first in name order.
func (w *writer) data(n *node) error {
	for _, c := range n.sorted() {
		switch c.kind {
		case kindDir:
			if err := w.data(c); err != nil {
				return err
			}
		case kindFile:
			w.starts[c] = uint64(len(w.img))
			var sizes []uint32
			for off := 0; off < len(c.data); off += BlockSize {
				blk := c.data[off:min(off+BlockSize, len(c.data))]
				if w.o.Compress {
					var b bytes.Buffer
					zw, _ := zlib.NewWriterLevel(&b, zlib.DefaultCompression)
					zw.Write(blk)
					if err := zw.Close(); err != nil {
						return fmt.Errorf("squashfs: compress: %w", err)
					}
					if b.Len() < len(blk) {
						w.img = append(w.img, b.Bytes()...)
						sizes = append(sizes, uint32(b.Len()))
						continue
					}
				}
				w.img = append(w.img, blk...)
				sizes = append(sizes, uint32(len(blk))|dataUncomp)
			}
			w.blocks[c] = sizes
		}
	}
	return nil
}

func (w *writer) header(b []byte, typ uint16, n *node) []byte {
	le := binary.LittleEndian
	b = le.AppendUint16(b, typ)
	b = le.AppendUint16(b, uint16(n.perm))
	b = le.AppendUint16(b, 0) // uid index
	b = le.AppendUint16(b, 0) // gid index
	b = le.AppendUint32(b, w.o.ModTime)
	return le.AppendUint32(b, n.ino)
}

// inode writes the inodes below directory n, then n's listing and inode.
func (w *writer) inode(n *node) error {
	le := binary.LittleEndian
	children := n.sorted()
	subdirs := 0
	for _, c := range children {
		blk, off := w.inodes.pos()
		switch c.kind {
		case kindDir:
			subdirs++
			if err := w.inode(c); err != nil {
				return err
			}
			continue // inode() set c.ref
		case kindFile:
			b := w.header(nil, typeFile, c)
			b = le.AppendUint32(b, uint32(w.starts[c]))
			b = le.AppendUint32(b, noFragment)
			b = le.AppendUint32(b, 0)
			b = le.AppendUint32(b, uint32(len(c.data)))
			for _, s := range w.blocks[c] {
				b = le.AppendUint32(b, s)
			}
			if w.starts[c] >= 1<<32 {
				return fmt.Errorf("squashfs: image larger than 4 GiB")
			}
			w.inodes.buf = append(w.inodes.buf, b...)
		case kindSymlink:
			b := w.header(nil, typeSymlink, c)
			b = le.AppendUint32(b, 1)
			b = le.AppendUint32(b, uint32(len(c.target)))
			b = append(b, c.target...)
			w.inodes.buf = append(w.inodes.buf, b...)
		}
		c.ref = uint64(blk)<<16 | uint64(off)
	}

	// The listing: runs of entries under a header that names the inode
	// metadata block they share and a base inode number (entries carry
	// 16-bit offsets from both).
	dirBlk, dirOff := w.dirs.pos()
	listing := w.listing(children)
	w.dirs.buf = append(w.dirs.buf, listing...)

	parentIno := w.count + 1 // the root's parent, as mksquashfs writes it
	if n.parent != nil {
		parentIno = n.parent.ino
	}
	blk, off := w.inodes.pos()
	var b []byte
	size := len(listing) + 3 // the size counts "." and ".." (3 bytes)
	if size <= maxBasicDirLen {
		b = w.header(nil, typeDir, n)
		b = le.AppendUint32(b, dirBlk)
		b = le.AppendUint32(b, uint32(2+subdirs))
		b = le.AppendUint16(b, uint16(size))
		b = le.AppendUint16(b, dirOff)
		b = le.AppendUint32(b, parentIno)
	} else {
		// Extended directory: 32-bit size; no index (the index only
		// speeds up lookups in huge directories).
		b = w.header(nil, typeExtDir, n)
		b = le.AppendUint32(b, uint32(2+subdirs))
		b = le.AppendUint32(b, uint32(size))
		b = le.AppendUint32(b, dirBlk)
		b = le.AppendUint32(b, parentIno)
		b = le.AppendUint16(b, 0) // index count
		b = le.AppendUint16(b, dirOff)
		b = le.AppendUint32(b, ^uint32(0)) // no xattrs
	}
	w.inodes.buf = append(w.inodes.buf, b...)
	n.ref = uint64(blk)<<16 | uint64(off)
	return nil
}

func (w *writer) listing(children []*node) []byte {
	le := binary.LittleEndian
	var out []byte
	var hdr int = -1 // offset of the current header's count field
	var count int
	var hdrBlock, base uint32
	for _, c := range children {
		blk := uint32(c.ref >> 16)
		delta := int64(c.ino) - int64(base)
		if hdr < 0 || count == maxDirHeader || blk != hdrBlock || delta < -32768 || delta > 32767 {
			hdr = len(out)
			count = 0
			hdrBlock, base = blk, c.ino
			out = le.AppendUint32(out, 0) // count-1, patched below
			out = le.AppendUint32(out, hdrBlock)
			out = le.AppendUint32(out, base)
			delta = 0
		}
		typ := uint16(typeFile)
		switch c.kind {
		case kindDir:
			typ = typeDir
		case kindSymlink:
			typ = typeSymlink
		}
		out = le.AppendUint16(out, uint16(c.ref&0xffff))
		out = le.AppendUint16(out, uint16(int16(delta)))
		out = le.AppendUint16(out, typ)
		out = le.AppendUint16(out, uint16(len(c.name)-1))
		out = append(out, c.name...)
		le.PutUint32(out[hdr:], uint32(count))
		count++
	}
	return out
}
