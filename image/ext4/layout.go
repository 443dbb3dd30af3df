package ext4

import "encoding/binary"

type dirent struct {
	ino  uint32
	name string
}

// superblock returns the 1024-byte superblock
// (Documentation/filesystems/ext4/super.rst).
func superblock(o Options, blocks, ngroups, freeBlocks, freeInodes int64) []byte {
	s := make([]byte, 1024)
	le := binary.LittleEndian
	le.PutUint32(s[0x00:], uint32(ngroups*inodesPerGroup))
	le.PutUint32(s[0x04:], uint32(blocks))
	le.PutUint32(s[0x08:], 0) // reserved for root: none, /perm belongs to root anyway
	le.PutUint32(s[0x0C:], uint32(freeBlocks))
	le.PutUint32(s[0x10:], uint32(freeInodes))
	le.PutUint32(s[0x14:], 0) // first data block: 0 with 4 KiB blocks
	le.PutUint32(s[0x18:], 2) // log2(block size) - 10
	le.PutUint32(s[0x1C:], 2) // cluster size = block size
	le.PutUint32(s[0x20:], blocksPerGroup)
	le.PutUint32(s[0x24:], blocksPerGroup) // clusters per group
	le.PutUint32(s[0x28:], inodesPerGroup)
	le.PutUint32(s[0x2C:], 0)      // mount time
	le.PutUint32(s[0x30:], o.Time) // write time
	le.PutUint16(s[0x34:], 0)      // mount count
	le.PutUint16(s[0x36:], 0xffff) // max mount count: no forced checks
	le.PutUint16(s[0x38:], 0xEF53)
	le.PutUint16(s[0x3A:], 1) // state: cleanly unmounted
	le.PutUint16(s[0x3C:], 1) // on errors: continue
	le.PutUint32(s[0x40:], o.Time)
	le.PutUint32(s[0x48:], 0) // creator OS: Linux
	le.PutUint32(s[0x4C:], 1) // revision 1 (dynamic inode sizes)
	le.PutUint32(s[0x54:], firstIno)
	le.PutUint16(s[0x58:], inodeSize)
	le.PutUint32(s[0x5C:], 0) // compat features
	le.PutUint32(s[0x60:], incompatFiletype|incompatExtents)
	le.PutUint32(s[0x64:], roCompatSparse|roCompatLargeFile|roCompatExtraIsize)
	copy(s[0x68:0x78], o.UUID[:])
	copy(s[0x78:0x88], o.Label)
	// Hash seed for htree directories, derived from the UUID so it stays
	// deterministic; half-MD4 like mke2fs.
	for i := 0; i < 16; i++ {
		s[0xEC+i] = o.UUID[i] ^ 0x5a
	}
	s[0xFC] = 1 // default hash version: half_md4
	le.PutUint16(s[0xFE:], 0)
	le.PutUint32(s[0x108:], o.Time) // mkfs time
	le.PutUint16(s[0x15C:], extraIsize)
	le.PutUint16(s[0x15E:], extraIsize)
	le.PutUint32(s[0x160:], 0x2) // flags: unsigned directory hash
	return s
}

// putInode writes a directory inode of one 4 KiB block mapped by an extent
// (Documentation/filesystems/ext4/inodes.rst and dynamic.rst).
func putInode(b []byte, blk int64, links uint16, t uint32) {
	le := binary.LittleEndian
	le.PutUint16(b[0x00:], 0o040755)
	le.PutUint32(b[0x04:], BlockSize) // size
	le.PutUint32(b[0x08:], t)         // atime
	le.PutUint32(b[0x0C:], t)         // ctime
	le.PutUint32(b[0x10:], t)         // mtime
	le.PutUint16(b[0x1A:], links)
	le.PutUint32(b[0x1C:], BlockSize/512) // i_blocks in 512-byte units
	le.PutUint32(b[0x20:], extentsFlag)
	// i_block: extent header, then one leaf extent.
	e := b[0x28:]
	le.PutUint16(e[0:], 0xF30A) // magic
	le.PutUint16(e[2:], 1)      // entries
	le.PutUint16(e[4:], 4)      // capacity in 60 bytes
	le.PutUint16(e[6:], 0)      // depth: leaves
	le.PutUint32(e[12:], 0)     // first logical block
	le.PutUint16(e[16:], 1)     // length
	le.PutUint16(e[18:], uint16(blk>>32))
	le.PutUint32(e[20:], uint32(blk))
	le.PutUint16(b[0x80:], extraIsize)
	le.PutUint32(b[0x90:], t) // crtime
}

// putDir writes linear directory entries filling one block: the last
// entry's record length reaches the end of the block
// (Documentation/filesystems/ext4/directory.rst).
func putDir(b []byte, entries []dirent) {
	le := binary.LittleEndian
	off := 0
	for i, e := range entries {
		rec := (8 + len(e.name) + 3) &^ 3
		if i == len(entries)-1 {
			rec = len(b) - off
		}
		le.PutUint32(b[off:], e.ino)
		le.PutUint16(b[off+4:], uint16(rec))
		b[off+6] = byte(len(e.name))
		b[off+7] = 2 // file type: directory
		copy(b[off+8:], e.name)
		off += rec
	}
}
