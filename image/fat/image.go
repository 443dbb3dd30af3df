package fat

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Options describe the volume to write.
type Options struct {
	// Size of the volume in bytes, a multiple of 512. FAT16 at 2 KiB
	// clusters holds between about 8 MiB and 128 MiB.
	Size int64
	// HiddenSectors is the LBA of the partition on its disk (BPB_HiddSec).
	HiddenSectors uint32
	// VolumeID is the serial number in the extended boot record.
	VolumeID uint32
	// Label is the volume label, at most 11 characters (default "NO NAME").
	Label string
}

// fixed timestamp of every entry: 1980-01-01 00:00:00, the FAT epoch.
const (
	fixedDate = 1<<5 | 1
	fixedTime = 0
)

type layout struct {
	fatSectors  int64
	rootSectors int64
	dataStart   int64 // sector
	clusters    int64
	next        uint32 // next free cluster
}

// dirSlots counts the 32-byte entries a directory needs, assigning the
// short names of its children on the way.
func dirSlots(n *node, isRoot bool) int64 {
	taken := map[[11]byte]bool{}
	slots := int64(0)
	if isRoot {
		slots = 1 // the volume label
	} else {
		slots = 2 // "." and ".."
		taken[[11]byte{'.', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '}] = true
	}
	for _, c := range n.sorted() {
		sn, lfn := shortName(c.name, taken)
		c.short = sn
		slots++
		if lfn {
			slots += int64(lfnSlots(c.name))
		}
	}
	return slots
}

func needsLFN(c *node) bool {
	return c.name != trimShort(c.short)
}

func trimShort(sn [11]byte) string {
	s := string(sn[:8])
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	return s + dotExt(sn)
}

// allocate gives every directory and file below n its run of clusters,
// depth first in name order, so the layout is a function of the input.
func (l *layout) allocate(n *node, isRoot bool) error {
	if n.dir {
		slots := dirSlots(n, isRoot)
		if isRoot {
			if slots > rootEntries {
				return fmt.Errorf("fat: root directory needs %d entries, has %d", slots, rootEntries)
			}
		} else {
			n.clusters = uint32(ceilDiv(slots*32, ClusterSize))
			n.cluster = l.next
			l.next += n.clusters
		}
		for _, c := range n.sorted() {
			if err := l.allocate(c, false); err != nil {
				return err
			}
		}
	} else if len(n.data) > 0 {
		n.clusters = uint32(ceilDiv(int64(len(n.data)), ClusterSize))
		n.cluster = l.next
		l.next += n.clusters
	}
	if int64(l.next)-2 > l.clusters {
		return ErrTooSmall
	}
	return nil
}

// Image lays the file system out and returns the volume's bytes.
func (f *FS) Image(o Options) ([]byte, error) {
	if o.Size <= 0 || o.Size%SectorSize != 0 {
		return nil, fmt.Errorf("fat: size %d is not a positive multiple of %d", o.Size, SectorSize)
	}
	total := o.Size / SectorSize
	l := &layout{rootSectors: rootEntries * 32 / SectorSize, next: 2}
	// The FAT must cover every cluster it describes plus the two reserved
	// entries; iterate until the sizes agree.
	for {
		data := total - reservedSectors - l.fatSectors - l.rootSectors
		clusters := data / SectorsPerCluster
		need := ceilDiv((clusters+2)*2, SectorSize)
		if need <= l.fatSectors {
			l.clusters = clusters
			break
		}
		l.fatSectors = need
	}
	if l.clusters < minClusters || l.clusters > maxClusters {
		return nil, fmt.Errorf("fat: %d bytes give %d clusters; FAT16 needs %d..%d", o.Size, l.clusters, minClusters, maxClusters)
	}
	l.dataStart = reservedSectors + l.fatSectors + l.rootSectors
	if err := l.allocate(f.root, true); err != nil {
		return nil, err
	}

	img := make([]byte, o.Size)
	l.bootSector(img[:SectorSize], total, o)
	fat := img[reservedSectors*SectorSize : (reservedSectors+l.fatSectors)*SectorSize]
	// Entry 0 holds the media byte, entry 1 the clean-shutdown and
	// no-error bits set (specification, "FAT[1]").
	binary.LittleEndian.PutUint16(fat[0:], 0xfff8)
	binary.LittleEndian.PutUint16(fat[2:], 0xffff)
	rootDir := img[(reservedSectors+l.fatSectors)*SectorSize : l.dataStart*SectorSize]
	// fsck.fat wants the label of the boot sector repeated as a volume
	// label entry in the root directory.
	var lab [11]byte
	copy(lab[:], fmt.Sprintf("%-11.11s", label(o)))
	putEntry(rootDir[0:32], lab, attrVolumeID, 0, 0)
	l.write(img, fat, f.root, nil, rootDir[32:])
	return img, nil
}

func (l *layout) clusterBytes(img []byte, c, n uint32) []byte {
	start := (l.dataStart + int64(c-2)*SectorsPerCluster) * SectorSize
	return img[start : start+int64(n)*ClusterSize]
}

func chain(fat []byte, first, n uint32) {
	for i := uint32(0); i < n; i++ {
		v := uint16(first + i + 1)
		if i == n-1 {
			v = 0xffff // end of chain
		}
		binary.LittleEndian.PutUint16(fat[2*(first+i):], v)
	}
}

func putEntry(e []byte, sn [11]byte, attr byte, cluster uint32, size uint32) {
	copy(e[0:11], sn[:])
	e[11] = attr
	binary.LittleEndian.PutUint16(e[14:], fixedTime)
	binary.LittleEndian.PutUint16(e[16:], fixedDate)
	binary.LittleEndian.PutUint16(e[18:], fixedDate)
	binary.LittleEndian.PutUint16(e[20:], uint16(cluster>>16))
	binary.LittleEndian.PutUint16(e[22:], fixedTime)
	binary.LittleEndian.PutUint16(e[24:], fixedDate)
	binary.LittleEndian.PutUint16(e[26:], uint16(cluster))
	binary.LittleEndian.PutUint32(e[28:], size)
}

// write fills in the directory dir (whose entries go to buf) and
// everything below it.
func (l *layout) write(img, fat []byte, dir, parent *node, buf []byte) {
	off := 0
	if parent != nil {
		dot := [11]byte{'.', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '}
		putEntry(buf[0:32], dot, attrDirectory, dir.cluster, 0)
		dotdot := dot
		dotdot[1] = '.'
		// ".." of a directory in the root points at cluster 0.
		putEntry(buf[32:64], dotdot, attrDirectory, parent.cluster, 0)
		off = 64
	}
	for _, c := range dir.sorted() {
		if needsLFN(c) {
			off += putLFN(buf[off:], c.name, c.short)
		}
		if c.dir {
			putEntry(buf[off:off+32], c.short, attrDirectory, c.cluster, 0)
			chain(fat, c.cluster, c.clusters)
			l.write(img, fat, c, dir, l.clusterBytes(img, c.cluster, c.clusters))
		} else {
			putEntry(buf[off:off+32], c.short, attrArchive, c.cluster, uint32(len(c.data)))
			if c.clusters > 0 {
				chain(fat, c.cluster, c.clusters)
				copy(l.clusterBytes(img, c.cluster, c.clusters), c.data)
			}
		}
		off += 32
	}
}

// bootSector writes the BIOS parameter block of a FAT16 volume
// (specification, "Boot Sector and BPB").
func (l *layout) bootSector(b []byte, total int64, o Options) {
	b[0], b[1], b[2] = 0xeb, 0x3c, 0x90 // jump over the BPB
	copy(b[3:11], "TCPBOX  ")
	binary.LittleEndian.PutUint16(b[11:], SectorSize)
	b[13] = SectorsPerCluster
	binary.LittleEndian.PutUint16(b[14:], reservedSectors)
	b[16] = 1 // one FAT: gokrazy's reader and updater expect exactly one
	binary.LittleEndian.PutUint16(b[17:], rootEntries)
	if total < 0x10000 {
		binary.LittleEndian.PutUint16(b[19:], uint16(total))
	} else {
		binary.LittleEndian.PutUint32(b[32:], uint32(total))
	}
	b[21] = 0xf8 // fixed media
	binary.LittleEndian.PutUint16(b[22:], uint16(l.fatSectors))
	binary.LittleEndian.PutUint16(b[24:], 32) // sectors per track
	binary.LittleEndian.PutUint16(b[26:], 64) // heads
	binary.LittleEndian.PutUint32(b[28:], o.HiddenSectors)
	b[36] = 0x80 // drive number
	b[38] = 0x29 // extended boot signature: the next three fields exist
	binary.LittleEndian.PutUint32(b[39:], o.VolumeID)
	copy(b[43:54], fmt.Sprintf("%-11.11s", label(o)))
	copy(b[54:62], "FAT16   ")
	b[510], b[511] = 0x55, 0xaa
}

func label(o Options) string {
	if o.Label == "" {
		return "NO NAME"
	}
	return strings.ToUpper(o.Label)
}
