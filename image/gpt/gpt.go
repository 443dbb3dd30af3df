// Package gpt writes GUID partition tables (UEFI specification 2.10,
// chapter 5 "GUID Partition Table (GPT) Disk Layout") with the hybrid MBR
// that gokrazy images carry: the first MBR slot lists the boot FAT (type
// 0x0C, active) so that the Raspberry Pi boot ROM finds it, the second a
// 0xEE protective entry over the sectors before it.
//
// It writes tables only, with 512-byte sectors and 128 entries; it does
// not read or resize existing tables and puts no boot code in the MBR
// (images boot through UEFI, the Pi firmware, or QEMU -kernel).
package gpt

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"unicode/utf16"
)

const (
	SectorSize  = 512
	entries     = 128
	entrySize   = 128
	entrySecs   = entries * entrySize / SectorSize // 32
	headerSize  = 92
	firstUsable = 2 + entrySecs // 34
)

// GUID is a GUID in its on-disk byte order: the first three fields little
// endian (UEFI specification, appendix A).
type GUID [16]byte

// ParseGUID parses the canonical text form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.
func ParseGUID(s string) (GUID, error) {
	var g GUID
	parts := strings.Split(s, "-")
	if len(parts) != 5 || len(parts[0]) != 8 || len(parts[1]) != 4 || len(parts[2]) != 4 || len(parts[3]) != 4 || len(parts[4]) != 12 {
		return g, fmt.Errorf("gpt: malformed GUID %q", s)
	}
	raw, err := hex.DecodeString(strings.Join(parts, ""))
	if err != nil {
		return g, fmt.Errorf("gpt: malformed GUID %q: %w", s, err)
	}
	g[0], g[1], g[2], g[3] = raw[3], raw[2], raw[1], raw[0]
	g[4], g[5] = raw[5], raw[4]
	g[6], g[7] = raw[7], raw[6]
	copy(g[8:], raw[8:])
	return g, nil
}

// MustGUID is ParseGUID for constants.
func MustGUID(s string) GUID {
	g, err := ParseGUID(s)
	if err != nil {
		panic(err)
	}
	return g
}

// String returns the canonical upper-case text form.
func (g GUID) String() string {
	return fmt.Sprintf("%02X%02X%02X%02X-%02X%02X-%02X%02X-%X-%X",
		g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8:10], g[10:])
}

// Partition types.
var (
	TypeEFISystem    = MustGUID("C12A7328-F81F-11D2-BA4B-00A0C93EC93B")
	TypeLinuxRootX64 = MustGUID("4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709")
	TypeLinuxRootA64 = MustGUID("B921B045-1DF0-41C3-AF44-4C6F280D3FAE")
	TypeLinuxFS      = MustGUID("0FC63DAF-8483-4772-8E79-3D69D8477DE4")
)

// Partition is one entry; Start and Sectors count 512-byte sectors.
type Partition struct {
	Type, GUID     GUID
	Start, Sectors uint64
	Name           string
}

// Table is a whole partition table.
type Table struct {
	Disk       GUID
	Sectors    uint64 // size of the disk
	Partitions []Partition
	// MBRSignature is the disk signature at byte 440 of the MBR.
	MBRSignature uint32
	// HybridBoot lists partition 1 in the MBR as FAT32-LBA (0x0C), active,
	// beside the protective entry, as gokrazy does for the Raspberry Pi.
	HybridBoot bool
}

// LastUsable is the last sector a partition may use on a disk of n sectors.
func LastUsable(n uint64) uint64 { return n - 1 - entrySecs - 1 }

// Write writes the MBR, the primary and the backup GPT.
func Write(w io.WriterAt, t Table) error {
	if len(t.Partitions) > entries {
		return errors.New("gpt: too many partitions")
	}
	if t.Sectors < 2*firstUsable+1 {
		return errors.New("gpt: disk too small")
	}
	last := t.Sectors - 1
	for i, p := range t.Partitions {
		if p.Sectors == 0 || p.Start < firstUsable || p.Start+p.Sectors-1 > LastUsable(t.Sectors) {
			return fmt.Errorf("gpt: partition %d (%d+%d) outside the usable sectors %d..%d", i+1, p.Start, p.Sectors, firstUsable, LastUsable(t.Sectors))
		}
		for j := 0; j < i; j++ {
			q := t.Partitions[j]
			if p.Start < q.Start+q.Sectors && q.Start < p.Start+p.Sectors {
				return fmt.Errorf("gpt: partitions %d and %d overlap", j+1, i+1)
			}
		}
		if len(utf16.Encode([]rune(p.Name))) > 36 {
			return fmt.Errorf("gpt: partition %d: name longer than 36 UTF-16 units", i+1)
		}
	}
	if t.HybridBoot && (len(t.Partitions) == 0 || t.Partitions[0].Start+t.Partitions[0].Sectors > 0xffffffff) {
		return errors.New("gpt: hybrid MBR needs a first partition below 2 TiB")
	}

	ents := make([]byte, entries*entrySize)
	le := binary.LittleEndian
	for i, p := range t.Partitions {
		e := ents[i*entrySize:]
		copy(e[0:16], p.Type[:])
		copy(e[16:32], p.GUID[:])
		le.PutUint64(e[32:], p.Start)
		le.PutUint64(e[40:], p.Start+p.Sectors-1) // inclusive
		for j, u := range utf16.Encode([]rune(p.Name)) {
			le.PutUint16(e[56+2*j:], u)
		}
	}
	entCRC := crc32.ChecksumIEEE(ents)
	header := func(self, other, entLBA uint64) []byte {
		h := make([]byte, SectorSize)
		copy(h[0:8], "EFI PART")
		le.PutUint32(h[8:], 0x00010000)
		le.PutUint32(h[12:], headerSize)
		le.PutUint64(h[24:], self)
		le.PutUint64(h[32:], other)
		le.PutUint64(h[40:], firstUsable)
		le.PutUint64(h[48:], LastUsable(t.Sectors))
		copy(h[56:72], t.Disk[:])
		le.PutUint64(h[72:], entLBA)
		le.PutUint32(h[80:], entries)
		le.PutUint32(h[84:], entrySize)
		le.PutUint32(h[88:], entCRC)
		le.PutUint32(h[16:], crc32.ChecksumIEEE(h[:headerSize]))
		return h
	}

	mbr := make([]byte, SectorSize)
	le.PutUint32(mbr[440:], t.MBRSignature)
	slot := 0
	put := func(status, typ byte, start, n uint64) {
		e := mbr[446+16*slot:]
		e[0] = status
		// CHS addresses are meaningless at these sizes: the "beyond
		// 8 GiB" marker, as partitioning tools write.
		e[1], e[2], e[3] = 0xfe, 0xff, 0xff
		e[4] = typ
		e[5], e[6], e[7] = 0xfe, 0xff, 0xff
		le.PutUint32(e[8:], uint32(start))
		le.PutUint32(e[12:], uint32(min(n, 0xffffffff)))
		slot++
	}
	if t.HybridBoot {
		p := t.Partitions[0]
		put(0x80, 0x0c, p.Start, p.Sectors)
		// The protective entry covers the GPT up to the first partition
		// (UEFI 2.10 §5.2.3 allows a hybrid layout; the Pi needs it).
		put(0x00, 0xee, 1, p.Start-1)
	} else {
		put(0x00, 0xee, 1, last) // protective MBR, UEFI 2.10 §5.2.3
	}
	mbr[510], mbr[511] = 0x55, 0xaa

	for _, c := range []struct {
		b   []byte
		off uint64
	}{
		{mbr, 0},
		{header(1, last, 2), 1},
		{ents, 2},
		{ents, last - entrySecs},
		{header(last, 1, last-entrySecs), last},
	} {
		if _, err := w.WriteAt(c.b, int64(c.off*SectorSize)); err != nil {
			return fmt.Errorf("gpt: %w", err)
		}
	}
	return nil
}
