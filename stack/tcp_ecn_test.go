package stack

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/stack/tcp"
	"github.com/tcpbox/tcpbox/stack/tcp/cc"
	"github.com/tcpbox/tcpbox/stack/wire"
)

// ceMarker is a link wrapper acting as an ECN-capable router queue
// (RFC 3168 §5): it counts the TCP data frames that arrive ECN-capable
// and marks some of them Congestion Experienced instead of dropping them.
type ceMarker struct {
	nic.Link
	ect0, notECT, marked atomic.Int64
	mark                 func(n int64) bool // mark the n-th ECN-capable data frame
}

func (m *ceMarker) ReadBatch(frames []nic.Frame) (int, error) {
	n, err := m.Link.ReadBatch(frames)
	for _, f := range frames[:n] {
		d := f.Data
		if len(d) < 14+20 || binary.BigEndian.Uint16(d[12:]) != 0x0800 || d[14+9] != wire.ProtoTCP {
			continue
		}
		ip := d[14:]
		ihl := int(ip[0]&0x0f) * 4
		tl := int(binary.BigEndian.Uint16(ip[2:]))
		if tl > len(ip) || ihl+20 > tl {
			continue
		}
		tcpHL := int(ip[ihl+12]>>4) * 4
		if tl-ihl-tcpHL <= 0 {
			continue // no payload: pure ACKs stay Not-ECT (§6.1.4)
		}
		switch ip[1] & 3 {
		case tcp.ECNNotECT:
			m.notECT.Add(1)
		case tcp.ECNECT0:
			if k := m.ect0.Add(1); m.mark != nil && m.mark(k) {
				ip[1] |= tcp.ECNCE
				ip[10], ip[11] = 0, 0
				binary.BigEndian.PutUint16(ip[10:], wire.Checksum(ip[:ihl], 0))
				m.marked.Add(1)
			}
		}
	}
	return n, err
}

// ecnTransfer sends size bytes from a to b with ECN as given on both
// ends, through a marker on b's side, and returns the marker and both
// ends' connection snapshots.
func ecnTransfer(t *testing.T, ecn bool, mark func(int64) bool) (*ceMarker, tcp.Info, tcp.Info) {
	t.Helper()
	var m *ceMarker
	p := newTCPPair(t, tcpPairOptions{wrap: func(a, b nic.Link) (nic.Link, nic.Link) {
		m = &ceMarker{Link: b, mark: mark}
		return a, m
	}})
	ln, err := p.b.ListenTCP(netip.AddrPortFrom(p.bAddr, 7000), WithECN(ecn))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const size = 4 << 20
	data := bytes.Repeat([]byte("tcpbox ecn "), size/11+1)[:size]
	got := make(chan []byte, 1)
	var rinfo tcp.Info
	go func() {
		c, err := ln.AcceptTCP()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		b, _ := io.ReadAll(c)
		rinfo = c.TCPInfo()
		got <- b
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := p.a.DialTCP(ctx, netip.AddrPortFrom(p.bAddr, 7000), WithECN(ecn))
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write(data); err != nil {
		t.Fatal(err)
	}
	sinfo := c.TCPInfo()
	c.CloseWrite()
	select {
	case b := <-got:
		if !bytes.Equal(b, data) {
			t.Fatalf("received %d bytes, not the %d sent", len(b), len(data))
		}
	case <-time.After(30 * time.Second):
		p.dump(t)
		t.Fatal("transfer did not finish in 30s")
	}
	c.Close()
	return m, sinfo, rinfo
}

// TestTCPECNMarksAndReacts: with ECN negotiated (RFC 3168 §6.1.1) new data
// leaves ECT(0) in the IP header, a CE mark on the way makes the receiver
// echo ECE, and the sender reduces its window without any loss.
func TestTCPECNMarksAndReacts(t *testing.T) {
	m, s, r := ecnTransfer(t, true, func(n int64) bool { return n == 200 || n == 201 })
	if !s.ECNOK || !r.ECNOK {
		t.Fatalf("ECN not negotiated: sender %v receiver %v", s.ECNOK, r.ECNOK)
	}
	if m.ect0.Load() == 0 || m.notECT.Load() != 0 {
		t.Fatalf("data frames: %d ECT(0), %d Not-ECT; want all ECT(0)", m.ect0.Load(), m.notECT.Load())
	}
	if m.marked.Load() != 2 || r.ECNCEIn == 0 {
		t.Fatalf("marked %d frames, receiver saw %d CE", m.marked.Load(), r.ECNCEIn)
	}
	if s.ECNECEIn == 0 {
		t.Fatal("the sender heard no ECE")
	}
	if s.Ssthresh >= cc.InitialSsthresh || s.TotalRetrans != 0 {
		t.Fatalf("sender: ssthresh %d (want a reduction), %d retransmissions (want none)", s.Ssthresh, s.TotalRetrans)
	}
}

// TestTCPNoECNNoMarks: without ECN nothing is marked ECN-capable, so a
// router would drop rather than mark.
func TestTCPNoECNNoMarks(t *testing.T) {
	m, s, _ := ecnTransfer(t, false, nil)
	if s.ECNOK || m.ect0.Load() != 0 || m.notECT.Load() == 0 {
		t.Fatalf("ECN off: negotiated %v, %d ECT(0) and %d Not-ECT data frames", s.ECNOK, m.ect0.Load(), m.notECT.Load())
	}
}
