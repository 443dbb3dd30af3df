package fat

import (
	"encoding/binary"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Directory entry attributes (Microsoft FAT specification, "Directory
// Structure").
const (
	attrDirectory = 0x10
	attrArchive   = 0x20
	attrVolumeID  = 0x08
	attrLFN       = 0x0f // read-only|hidden|system|volume: a long-name slot
)

// validShort reports whether c may appear in a short (8.3) name.
func validShort(c byte) bool {
	switch {
	case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'()-@^_`{}~", c) >= 0
}

// shortName derives the 8.3 name of long following the basis-name
// algorithm of the FAT specification ("Basis-Name Generation Algorithm"):
// upper case, invalid characters replaced by '_', spaces and leading dots
// removed, truncated to 8+3 with a numeric tail "~N" when anything was lost.
// taken holds the short names already used in the directory. It also
// reports whether a long-name entry is needed (the 8.3 name does not spell
// long exactly).
func shortName(long string, taken map[[11]byte]bool) (sn [11]byte, needLFN bool) {
	up := strings.ToUpper(long)
	lossy := false
	basis := strings.ReplaceAll(up, " ", "")
	if trimmed := strings.TrimLeft(basis, "."); trimmed != basis {
		basis, lossy = trimmed, true
	}
	if basis != up {
		lossy = true
	}
	prim, ext := basis, ""
	if i := strings.LastIndexByte(basis, '.'); i >= 0 {
		prim, ext = basis[:i], basis[i+1:]
	}
	clean := func(s string, max int) []byte {
		var out []byte
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c == '.' {
				lossy = true
				continue
			}
			if !validShort(c) {
				c = '_'
				lossy = true
			}
			if len(out) == max {
				lossy = true
				break
			}
			out = append(out, c)
		}
		return out
	}
	p, e := clean(prim, 8), clean(ext, 3)
	if len(p) == 0 {
		p, lossy = []byte("_"), true
	}
	fill := func(p, e []byte) (s [11]byte) {
		for i := range s {
			s[i] = ' '
		}
		copy(s[:8], p)
		copy(s[8:], e)
		return s
	}
	sn = fill(p, e)
	if !lossy && !taken[sn] {
		taken[sn] = true
		return sn, long != strings.TrimRight(string(sn[:8]), " ")+dotExt(sn)
	}
	for n := 1; ; n++ {
		tail := "~" + strconv.Itoa(n)
		q := p
		if len(q)+len(tail) > 8 {
			q = q[:8-len(tail)]
		}
		cand := fill(append(append([]byte{}, q...), tail...), e)
		if !taken[cand] {
			taken[cand] = true
			return cand, true
		}
	}
}

func dotExt(sn [11]byte) string {
	e := strings.TrimRight(string(sn[8:]), " ")
	if e == "" {
		return ""
	}
	return "." + e
}

// lfnChecksum is the checksum of a short name that every long-name slot
// carries (FAT specification, "ChkSum").
func lfnChecksum(sn [11]byte) byte {
	var sum byte
	for _, c := range sn {
		sum = (sum>>1 | sum<<7) + c
	}
	return sum
}

// lfnSlots returns the number of 32-byte long-name slots for name.
func lfnSlots(name string) int {
	n := len(utf16.Encode([]rune(name)))
	return (n + 12) / 13
}

// putLFN writes the long-name slots for name into dst (32 bytes per slot),
// last part first as the specification orders them.
func putLFN(dst []byte, name string, sn [11]byte) int {
	u := utf16.Encode([]rune(name))
	slots := (len(u) + 12) / 13
	sum := lfnChecksum(sn)
	// Characters after the terminating NUL are padded with 0xFFFF.
	padded := make([]uint16, slots*13)
	for i := range padded {
		switch {
		case i < len(u):
			padded[i] = u[i]
		case i == len(u):
			padded[i] = 0
		default:
			padded[i] = 0xffff
		}
	}
	off := 0
	for s := slots; s >= 1; s-- {
		e := dst[off : off+32]
		ord := byte(s)
		if s == slots {
			ord |= 0x40
		}
		e[0] = ord
		chars := padded[(s-1)*13 : s*13]
		for i := 0; i < 5; i++ {
			binary.LittleEndian.PutUint16(e[1+2*i:], chars[i])
		}
		e[11] = attrLFN
		e[12] = 0
		e[13] = sum
		for i := 0; i < 6; i++ {
			binary.LittleEndian.PutUint16(e[14+2*i:], chars[5+i])
		}
		e[26], e[27] = 0, 0
		for i := 0; i < 2; i++ {
			binary.LittleEndian.PutUint16(e[28+2*i:], chars[11+i])
		}
		off += 32
	}
	return off
}
