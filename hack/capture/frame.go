package capture

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Frame is what the verdict needs of one captured frame, as tshark read
// it.
type Frame struct {
	No       int
	At       time.Duration // capture time since the Unix epoch
	Src, Dst netip.AddrPort
	TCP      bool
	Seq, Ack uint32
	Len      int    // TCP payload bytes
	Flags    uint16 // TCP flags
	Win      int    // the raw (unscaled) TCP window field
	TSval    uint32
	HasTS    bool

	Bad       bool // malformed, or a bad IPv4, TCP or UDP checksum
	MinusZero bool // TCP checksum 0xffff where 0x0000 is computed (valid)
	// ZeroWindowProbe is tshark's tcp.analysis.zero_window_probe.
	ZeroWindowProbe bool
	// TsharkRetx: tshark flags a retransmission (any kind).
	TsharkRetx bool
	Info       string
}

// TCP flags.
const (
	flagFIN = 0x01
	flagSYN = 0x02
	flagRST = 0x04
	flagACK = 0x10
)

// seqLen is the sequence space the segment occupies (RFC 9293 §3.4: data
// plus SYN and FIN).
func (f *Frame) seqLen() int {
	n := f.Len
	if f.Flags&flagSYN != 0 {
		n++
	}
	if f.Flags&flagFIN != 0 {
		n++
	}
	return n
}

func (f *Frame) String() string {
	return fmt.Sprintf("#%d %.6f %v > %v seq=%d len=%d ack=%d win=%d %s", f.No, f.At.Seconds(), f.Src, f.Dst, f.Seq, f.Len, f.Ack, f.Win, f.Info)
}

// fields are the tshark fields parseLine reads, in order.
var fields = []string{
	"frame.number", "frame.time_epoch", "ip.src", "ip.dst", "tcp.srcport", "tcp.dstport",
	"tcp.seq_raw", "tcp.len", "tcp.ack_raw", "tcp.flags", "tcp.window_size_value", "tcp.options.timestamp.tsval",
	"ip.checksum.status", "tcp.checksum.status", "udp.checksum.status", "tcp.checksum", "tcp.checksum_calculated",
	"tcp.analysis.retransmission", "tcp.analysis.spurious_retransmission", "tcp.analysis.fast_retransmission",
	"tcp.analysis.zero_window_probe", "_ws.malformed", "frame.len", "frame.cap_len", "_ws.col.Protocol", "_ws.col.Info",
}

// transport are the protocol column values of frames whose top layer is
// one the verdict is about; a malformed application layer counts only in
// a frame captured whole (see parseLine).
var transport = map[string]bool{"Ethernet": true, "ARP": true, "IPv4": true, "ICMP": true, "UDP": true, "TCP": true}

// parseLine reads one line of tshark -T fields output (tab-separated,
// first occurrence of each field).
func parseLine(line string) (Frame, error) {
	v := strings.SplitN(line, "\t", len(fields))
	if len(v) != len(fields) {
		return Frame{}, fmt.Errorf("capture: %d fields in %q, want %d", len(v), line, len(fields))
	}
	var f Frame
	var err error
	num := func(s string, base int) uint64 {
		if s == "" || err != nil {
			return 0
		}
		n, e := strconv.ParseUint(strings.TrimPrefix(s, "0x"), base, 64)
		if e != nil {
			err = fmt.Errorf("capture: field %q in %q: %v", s, line, e)
		}
		return n
	}
	f.No = int(num(v[0], 10))
	f.At, err = ParseEpoch(v[1])
	src, _ := netip.ParseAddr(v[2])
	dst, _ := netip.ParseAddr(v[3])
	f.Src = netip.AddrPortFrom(src, uint16(num(v[4], 10)))
	f.Dst = netip.AddrPortFrom(dst, uint16(num(v[5], 10)))
	f.TCP = v[13] != "" || v[6] != ""
	f.Seq = uint32(num(v[6], 10))
	f.Len = int(num(v[7], 10))
	f.Ack = uint32(num(v[8], 10))
	f.Flags = uint16(num(v[9], 16))
	f.Win = int(num(v[10], 10))
	f.TSval, f.HasTS = uint32(num(v[11], 10)), v[11] != ""
	// Checksum status 0 is PROTO_CHECKSUM_E_BAD.
	tcpBad := v[13] == "0"
	if tcpBad && v[15] == "0xffff" && v[16] == "0x0000" {
		// One's complement -0: the same sum as 0x0000 (RFC 1071 §1,
		// RFC 1624 §3). Linux's skb_checksum_help writes it when a
		// checksum it completes folds to 0; tshark flags it anyway.
		f.MinusZero, tcpBad = true, false
	}
	// A capture with a snap length cuts payloads, and tshark's heuristic
	// dissectors then call application data malformed (iperf3's data as
	// DRDA); that is no fault of the frame.
	malformed := v[21] != "" || strings.Contains(v[25], "Malformed")
	whole := v[22] == v[23]
	if malformed && !whole && !transport[v[24]] {
		malformed = false
	}
	f.Bad = v[12] == "0" || tcpBad || v[14] == "0" || malformed
	f.TsharkRetx = v[17] != "" || v[18] != "" || v[19] != ""
	f.ZeroWindowProbe = v[20] != ""
	f.Info = v[25]
	return f, err
}

// ParseEpoch reads tshark's frame.time_epoch (seconds.nanoseconds)
// exactly, as a duration since the Unix epoch.
func ParseEpoch(s string) (time.Duration, error) {
	sec, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("capture: time %q: %v", s, err)
	}
	d := time.Duration(n) * time.Second
	frac = (frac + "000000000")[:9]
	ns, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("capture: time %q: %v", s, err)
	}
	return d + time.Duration(ns), nil
}
