package capture

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

var (
	dut  = netip.MustParseAddrPort("198.18.0.2:7")
	peer = netip.MustParseAddrPort("198.18.0.1:40000")
)

// dialogue builds frames: each step is one frame at a capture time in
// milliseconds.
type dialogue struct{ frames []Frame }

func (d *dialogue) add(ms float64, src, dst netip.AddrPort, seq uint32, n int, win int, tsval uint32) *Frame {
	d.frames = append(d.frames, Frame{
		No: len(d.frames) + 1, At: time.Duration(ms * 1e6), Src: src, Dst: dst, TCP: true,
		Seq: seq, Len: n, Flags: flagACK, Win: win, TSval: tsval, HasTS: true,
	})
	return &d.frames[len(d.frames)-1]
}

// peerData is a peer segment whose TSval follows the capture clock (a
// delivery of exactly 1 ms); ackOf is tcpbox's answer.
func (d *dialogue) peerData(ms float64, seq uint32, n int) *Frame {
	return d.add(ms, peer, dut, seq, n, 100, uint32(ms)-1)
}

func (d *dialogue) ours(ms float64, seq uint32, n int, win int) *Frame {
	return d.add(ms, dut, peer, seq, n, win, 5000+uint32(ms))
}

func TestAnalyzeRetransmissionByTCPBox(t *testing.T) {
	var d dialogue
	d.ours(10, 1000, 100, 50)
	d.ours(11, 1100, 100, 50)
	d.ours(300, 1000, 100, 50) // the first again
	r := Analyze(d.frames, dut.Addr())
	if got := r.ByTCPBox(); len(got) != 1 || got[0].Frame.No != 3 || got[0].Original.No != 1 {
		t.Fatalf("tcpbox retransmissions %+v, want #3 of #1", got)
	}
	// A partial overlap counts too.
	d.ours(301, 1150, 100, 50)
	if got := Analyze(d.frames, dut.Addr()).ByTCPBox(); len(got) != 2 || got[1].Original.No != 2 {
		t.Fatalf("partial overlap: %+v", got)
	}
}

// On a veth, a pure ACK of the peer can overtake the peer's data: tshark
// then flags the data (new bytes) as a retransmission. It is not one.
func TestAnalyzeReorderedIsNotRetransmission(t *testing.T) {
	var d dialogue
	d.peerData(10, 1000, 100)
	d.peerData(11, 1300, 0) // the ACK, ahead of two segments
	f := d.peerData(11, 1100, 100)
	f.TsharkRetx = true
	d.peerData(11, 1200, 100).TsharkRetx = true
	// Data out of order: the gap filled later is new bytes as well.
	d.peerData(12, 1400, 100)
	d.peerData(12, 1300, 100)
	r := Analyze(d.frames, dut.Addr())
	if len(r.Retransmissions) != 0 || r.Reordered != 2 {
		t.Fatalf("retransmissions %+v, reordered %d; want none and 2", r.Retransmissions, r.Reordered)
	}
}

func TestAnalyzeSYNRetransmission(t *testing.T) {
	var d dialogue
	d.ours(0, 5000, 0, 100).Flags = flagSYN
	d.ours(1000, 5000, 0, 100).Flags = flagSYN
	if got := Analyze(d.frames, dut.Addr()).ByTCPBox(); len(got) != 1 {
		t.Fatalf("SYN sent twice: %d retransmissions, want 1", len(got))
	}
	// A new connection on the same 4-tuple (another ISN) is not one.
	d.frames = d.frames[:1]
	d.ours(1000, 9000, 0, 100).Flags = flagSYN
	if got := Analyze(d.frames, dut.Addr()).Retransmissions; len(got) != 0 {
		t.Fatalf("new ISN: %d retransmissions, want 0", len(got))
	}
}

func TestAnalyzePeerRetransmissionExcuse(t *testing.T) {
	base := func() *dialogue {
		var d dialogue
		for i := 0; i < 10; i++ { // fast deliveries set the clock mapping
			d.peerData(float64(i), 1000+uint32(i)*10, 10)
			d.ours(float64(i)+0.1, 1, 0, 100)
		}
		return &d
	}
	t.Run("tcpbox silent for the wait", func(t *testing.T) {
		d := base()
		d.peerData(20, 2000, 100)                            // read at once
		d.add(45, peer, dut, 2000, 100, 100, 19+15).No = 999 // TLP 15 ms later, read after a silence
		r := Analyze(d.frames, dut.Addr())
		if x := r.ByPeerExcused(); len(x) != 1 || !strings.Contains(x[0].Excuse, "no frame either way") {
			t.Fatalf("excused %+v, unexcused %+v", x, r.ByPeerUnexcused())
		}
	})
	t.Run("original read late", func(t *testing.T) {
		d := base()
		d.add(40, peer, dut, 2000, 100, 100, 19) // sent at 20, read at 40
		d.ours(40.1, 1, 0, 100)
		d.add(40, peer, dut, 2000, 100, 100, 19+15)
		r := Analyze(d.frames, dut.Addr())
		if x := r.ByPeerExcused(); len(x) != 1 || !strings.Contains(x[0].Excuse, "after the retransmission left") {
			t.Fatalf("excused %+v, unexcused %+v", x, r.ByPeerUnexcused())
		}
	})
	t.Run("tcpbox ran but did not acknowledge", func(t *testing.T) {
		d := base()
		d.peerData(20, 2000, 100)
		d.ours(25, 1, 0, 100) // tcpbox was running
		d.add(36, peer, dut, 2000, 100, 100, 19+15)
		r := Analyze(d.frames, dut.Addr())
		if x := r.ByPeerUnexcused(); len(x) != 1 || len(r.ByPeerExcused()) != 0 {
			t.Fatalf("want one unexcused: %+v / %+v", x, r.ByPeerExcused())
		}
	})
	t.Run("no timestamps", func(t *testing.T) {
		d := base()
		d.peerData(20, 2000, 100).HasTS = false
		d.add(45, peer, dut, 2000, 100, 100, 34).HasTS = false
		if x := Analyze(d.frames, dut.Addr()).ByPeerUnexcused(); len(x) != 1 {
			t.Fatalf("want one unexcused, got %+v", x)
		}
	})
}

func TestAnalyzeZeroWindowStalls(t *testing.T) {
	var d dialogue
	d.ours(0, 1, 0, 0) // short zero window: flow control
	d.ours(5, 1, 0, 10)
	d.ours(10, 1, 0, 0) // long one
	d.ours(10+float64(StallAfter/time.Millisecond), 1, 0, 10)
	d.ours(1000, 1, 0, 0) // short, but the peer probed it
	d.peerData(1001, 999, 0).ZeroWindowProbe = true
	d.ours(1002, 1, 0, 10)
	r := Analyze(d.frames, dut.Addr())
	if r.ZeroWindowPeriods != 3 || r.ZeroWindows != 3 || len(r.Stalls) != 2 {
		t.Fatalf("periods %d, segments %d, stalls %+v", r.ZeroWindowPeriods, r.ZeroWindows, r.Stalls)
	}
	if r.Stalls[0].Duration != StallAfter || r.Stalls[1].Probes != 1 || r.LongestZeroWindow != StallAfter {
		t.Fatalf("stalls %+v, longest %v", r.Stalls, r.LongestZeroWindow)
	}
}

func TestParseLine(t *testing.T) {
	// A line of tshark -T fields with the fields of Read (tabs), for a
	// TCP segment whose checksum is 0xffff for a computed 0x0000.
	line := strings.Join([]string{"7", "1795284082.306560759", "198.18.0.2", "198.18.0.1", "7", "51876",
		"670807639", "1448", "3704338771", "0x0010", "4760", "4168957017",
		"2", "0", "", "0xffff", "0x0000", "1", "", "", "", "", "1514", "1514", "TCP", "[TCP Retransmission] 7 → 51876 [ACK]"}, "\t")
	f, err := parseLine(line)
	if err != nil {
		t.Fatal(err)
	}
	want := Frame{No: 7, At: 1795284082*time.Second + 306560759, Src: netip.MustParseAddrPort("198.18.0.2:7"), Dst: netip.MustParseAddrPort("198.18.0.1:51876"),
		TCP: true, Seq: 670807639, Len: 1448, Ack: 3704338771, Flags: flagACK, Win: 4760, TSval: 4168957017, HasTS: true,
		MinusZero: true, TsharkRetx: true, Info: "[TCP Retransmission] 7 → 51876 [ACK]"}
	if f != want {
		t.Fatalf("got  %+v\nwant %+v", f, want)
	}
	if _, err := parseLine("1\t2"); err == nil {
		t.Fatal("a short line parsed")
	}
	bad := strings.Replace(line, "\t1448\t", "\tx\t", 1)
	if _, err := parseLine(bad); err == nil {
		t.Fatal("a bad number parsed")
	}
	// Malformed: in a whole frame or in the transport, a fault; in an
	// application layer of a frame the snap length cut, not.
	for _, c := range []struct {
		capLen, proto string
		bad           bool
	}{{"1514", "DRDA", true}, {"96", "DRDA", false}, {"96", "TCP", true}} {
		l := strings.Replace(line, "\t1514\t1514\tTCP\t", "\t1514\t"+c.capLen+"\t"+c.proto+"\t", 1)
		l = strings.Replace(l, "\t\t1514", "\tmalformed\t1514", 1)
		f, err := parseLine(l)
		if err != nil || f.Bad != c.bad {
			t.Errorf("malformed %s, %s of 1514 bytes captured: bad %v (%v), want %v", c.proto, c.capLen, f.Bad, err, c.bad)
		}
	}
}

func TestAnalyzePeerRetransmissionAfterReordering(t *testing.T) {
	t.Run("original filled a hole", func(t *testing.T) {
		var d dialogue
		d.peerData(10, 1000, 100)
		d.peerData(10, 1200, 100) // 1100 overtaken
		d.peerData(10, 1100, 100) // arrives late, not lost
		d.ours(10.1, 1, 0, 100)   // tcpbox's SACK of the hole went out before
		d.peerData(11, 1100, 100) // the peer's fast retransmission
		wantReorderExcuse(t, &d)
	})
	t.Run("first sent, second arrived", func(t *testing.T) {
		var d dialogue
		d.peerData(10, 1000, 100)
		d.add(11, peer, dut, 1100, 100, 100, 20) // the retransmission, sent at 20
		d.ours(11.1, 1, 0, 100)
		d.add(12, peer, dut, 1100, 100, 100, 9) // the original, sent at 9, arrives after
		wantReorderExcuse(t, &d)
	})
	t.Run("in order: no excuse", func(t *testing.T) {
		var d dialogue
		d.peerData(10, 1000, 100)
		d.peerData(10, 1100, 100)
		d.ours(10.1, 1, 0, 100)
		d.peerData(11, 1100, 100)
		if x := Analyze(d.frames, dut.Addr()).ByPeerUnexcused(); len(x) != 1 {
			t.Fatalf("want one unexcused, got %+v", x)
		}
	})
}

func wantReorderExcuse(t *testing.T, d *dialogue) {
	t.Helper()
	r := Analyze(d.frames, dut.Addr())
	if x := r.ByPeerExcused(); len(x) != 1 || !strings.HasPrefix(x[0].Excuse, excuseReorder) {
		t.Fatalf("excused %+v, unexcused %+v", x, r.ByPeerUnexcused())
	}
}
