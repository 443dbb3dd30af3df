package build

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/tcpbox/tcpbox/image/ext4"
	"github.com/tcpbox/tcpbox/image/gpt"
)

// Layout returns the partition table of a disk of size bytes.
func Layout(c *Config, size int64) (gpt.Table, error) {
	if size < MinDiskSize {
		return gpt.Table{}, fmt.Errorf("build: disk of %d bytes is smaller than the %d an image needs", size, int64(MinDiskSize))
	}
	sectors := uint64(size / gpt.SectorSize)
	const mibS = MiB / gpt.SectorSize
	boot := uint64(BootStart)
	rootA := boot + BootSize/gpt.SectorSize
	rootB := rootA + RootSize/gpt.SectorSize
	perm := rootB + RootSize/gpt.SectorSize
	h := c.Hostname
	g := func(n int) gpt.GUID { return gpt.MustGUID(PartitionGUID(h, n)) }
	t := targets[c.Target]
	return gpt.Table{
		Disk:         g(0),
		Sectors:      sectors,
		MBRSignature: hostHash(h),
		HybridBoot:   true,
		Partitions: []gpt.Partition{
			{Type: gpt.TypeEFISystem, GUID: g(1), Start: boot, Sectors: BootSize / gpt.SectorSize, Name: "boot"},
			{Type: t.rootType, GUID: g(2), Start: rootA, Sectors: RootSize / gpt.SectorSize, Name: "root A"},
			{Type: gpt.TypeLinuxFS, GUID: g(3), Start: rootB, Sectors: RootSize / gpt.SectorSize, Name: "root B"},
			// /perm ends on a MiB boundary before the backup GPT.
			{Type: gpt.TypeLinuxFS, GUID: g(4), Start: perm, Sectors: (gpt.LastUsable(sectors) + 1 - perm) / mibS * mibS, Name: "perm"},
		},
	}, nil
}

// Disk writes a whole image of size bytes to w. w must read as zeros
// where nothing is written (a new sparse file) unless device is set, in
// which case the /perm metadata areas are cleared explicitly.
func Disk(w io.WriterAt, size int64, c *Config, device bool) error {
	if err := c.defaults(); err != nil {
		return err
	}
	tab, err := Layout(c, size)
	if err != nil {
		return err
	}
	c.Log("boot partition")
	boot, line, err := BootFAT(c)
	if err != nil {
		return err
	}
	c.Log("kernel command line: %s", line)
	c.Log("root file system")
	root, err := RootSquashfs(c)
	if err != nil {
		return err
	}
	if err := gpt.Write(w, tab); err != nil {
		return err
	}
	p := tab.Partitions
	if _, err := w.WriteAt(boot, int64(p[0].Start)*gpt.SectorSize); err != nil {
		return fmt.Errorf("build: write boot: %w", err)
	}
	if _, err := w.WriteAt(root, int64(p[1].Start)*gpt.SectorSize); err != nil {
		return fmt.Errorf("build: write root: %w", err)
	}
	c.Log("/perm: ext4, %d MiB", p[3].Sectors*gpt.SectorSize/MiB)
	// ext4 stores its UUID in text order (unlike GPT's mixed endianness).
	var u [16]byte
	hex.Decode(u[:], []byte(strings.ReplaceAll(PartitionGUID(c.Hostname, 4), "-", "")))
	return ext4.Format(io.NewOffsetWriter(w, int64(p[3].Start)*gpt.SectorSize), ext4.Options{
		Size:  int64(p[3].Sectors) * gpt.SectorSize,
		UUID:  u,
		Label: "perm",
		Time:  uint32(c.Time.Unix()),
		Dirs:  []string{"tcpbox"},
		Zero:  device,
	})
}
