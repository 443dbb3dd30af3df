package tcp

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// FuzzConnInput drives a connection, started in one of several states,
// with arbitrary segments, clock steps and application calls, and checks
// after every step that it did not panic and kept its invariants.
func FuzzConnInput(f *testing.F) {
	for st := byte(0); st < 11; st++ {
		f.Add([]byte{st, 0})
		f.Add([]byte{st, 0xff,
			byte(ACK | PSH), 0, 0, 0, 1, 0xff, 0xff, 50, 0, 3, 1,
			byte(ACK | FIN), 0, 50, 0, 1, 0x10, 0, 0, 7, 50, 2,
			byte(RST), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
		f.Add([]byte{st, 0x5,
			byte(SYN), 0x80, 0, 0, 0, 1, 0, 10, 7, 200, 0,
			byte(ACK), 0x7f, 0xff, 0, 0, 0, 0, 200, 1, 255, 4,
			byte(ACK | PSH), 0, 200, 0, 1, 0, 10, 255, 2, 0, 3})
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 2 {
			return
		}
		cfg := DefaultConfig()
		sel := b[1]
		cfg.Timestamps, cfg.SACK, cfg.WindowScaling = sel&1 != 0, sel&2 != 0, sel&4 != 0
		if sel&8 != 0 {
			cfg.RecvBuf, cfg.RecvBufMin, cfg.RecvBufMax, cfg.SendBuf = 4096, 2048, 16384, 4096
		}
		if sel&16 != 0 {
			cfg.SynCookies = SynCookiesAlways
		}
		if sel&32 != 0 { // the knobs of issue 6
			cfg.InitRwnd, cfg.Reordering, cfg.TSNoOffset = 2, 7, true
			cfg.ECN, cfg.ECNPassive = true, true
			cfg.SendBufMin, cfg.SendBuf, cfg.SendBufMax = 1024, 1024, 8192
		}
		if sel&64 != 0 {
			cfg.RACK, cfg.TLP = false, false // RFC 6675 loss detection and the rescue
		}
		fz := &fuzzer{t: t, cfg: &cfg, now: time.Second}
		fz.start(b[0] % 11)
		for p := b[2:]; len(p) >= 11; p = p[11:] {
			fz.step(p[:11])
		}
	})
}

type fuzzer struct {
	t   *testing.T
	cfg *Config
	c   *Conn
	l   *Listener
	now time.Duration
	buf [4096]byte
}

func (fz *fuzzer) emit(s *Segment) {
	if s.Options.NumSACK < 0 || s.Options.NumSACK > 4 {
		fz.t.Fatalf("%d SACK blocks", s.Options.NumSACK)
	}
	if fz.c != nil && s.Flags&SYN == 0 && len(s.Payload) > fz.c.sndMSS {
		fz.t.Fatalf("payload %d above MSS %d", len(s.Payload), fz.c.sndMSS)
	}
}

func (fz *fuzzer) emitL(_ netip.AddrPort, s *Segment) { fz.emit(s) }

func (fz *fuzzer) start(kind byte) {
	c := NewConn(fz.cfg, localAP, remoteAP, fz.now)
	fz.c = c
	syn := Segment{Seq: peerISS, Flags: SYN | ACK, Window: 65535, Options: Options{MSS: 1200, WScale: 7, SACKPermitted: true, HasTS: true, TSVal: 1}}
	switch kind {
	case 0: // CLOSED
	case 1: // SYN-SENT
		c.Connect(fz.now)
	case 2, 3, 4: // ESTABLISHED, FIN-WAIT-1, CLOSE-WAIT
		c.Connect(fz.now)
		c.Output(fz.now, fz.emit)
		syn.Ack = c.iss + 1
		c.Input(fz.now, &syn)
		if kind == 3 {
			c.Close()
		}
		if kind == 4 {
			fin := Segment{Seq: peerISS + 1, Ack: c.iss + 1, Flags: ACK | FIN, Window: 100}
			c.Input(fz.now, &fin)
		}
	case 5: // through a listener
		fz.c = nil
		fz.l = NewListener(fz.cfg, localAP, 2, [16]byte{7})
	case 6, 7, 8, 9: // FIN-WAIT-2, CLOSING, LAST-ACK, TIME-WAIT
		c.Connect(fz.now)
		c.Output(fz.now, fz.emit)
		syn.Ack = c.iss + 1
		c.Input(fz.now, &syn)
		c.Output(fz.now, fz.emit)
		ts := Options{WScale: -1, HasTS: true, TSVal: 2}
		switch kind {
		case 6, 9:
			c.Close()
			c.Output(fz.now, fz.emit)
			ack := Segment{Seq: peerISS + 1, Ack: c.iss + 2, Flags: ACK, Window: 100, Options: ts}
			c.Input(fz.now, &ack)
			if kind == 9 {
				fin := Segment{Seq: peerISS + 1, Ack: c.iss + 2, Flags: ACK | FIN, Window: 100, Options: ts}
				c.Input(fz.now, &fin)
			}
		case 7:
			c.Close()
			c.Output(fz.now, fz.emit)
			fin := Segment{Seq: peerISS + 1, Ack: c.iss + 1, Flags: ACK | FIN, Window: 100, Options: ts}
			c.Input(fz.now, &fin)
		case 8:
			fin := Segment{Seq: peerISS + 1, Ack: c.iss + 1, Flags: ACK | FIN, Window: 100, Options: ts}
			c.Input(fz.now, &fin)
			c.Close()
		}
	case 10: // SYN-RECEIVED by simultaneous open
		c.Connect(fz.now)
		c.Output(fz.now, fz.emit)
		s := Segment{Seq: peerISS, Flags: SYN, Window: 65535, Options: NoOptions}
		c.Input(fz.now, &s)
	}
	if want := [...]State{Closed, SynSent, Established, FinWait1, CloseWait, 0, FinWait2, Closing, LastAck, TimeWait, SynReceived}[kind]; fz.c != nil && fz.c.State() != want {
		fz.t.Fatalf("start %d: state %v, want %v", kind, fz.c.State(), want)
	}
	fz.check()
}

// step decodes: flags, seq offset (int16, from RCV.NXT), ack offset
// (int16, from SND.UNA), window (2), payload length, option bits, clock
// step (ms, times 4), application action.
func (fz *fuzzer) step(p []byte) {
	s := Segment{Flags: Flags(p[0]), Window: binary.BigEndian.Uint16(p[5:]), Options: NoOptions}
	so, ao := int16(binary.BigEndian.Uint16(p[1:])), int16(binary.BigEndian.Uint16(p[3:]))
	s.Payload = fz.buf[:int(p[7])*8]
	if p[8]&1 != 0 {
		s.Options.HasTS, s.Options.TSVal, s.Options.TSEcr = true, uint32(p[8])<<20, uint32(p[9])
	}
	if p[8]&2 != 0 {
		s.Options.MSS = uint16(p[8]) << 3
	}
	if p[8]&4 != 0 {
		s.Options.WScale = int8(p[8] >> 4)
	}
	s.Options.SACKPermitted = p[8]&8 != 0
	fz.now += time.Duration(p[9]) * 4 * time.Millisecond
	if c := fz.c; c != nil {
		s.Seq = c.rcvNxt.Add(int(so))
		s.Ack = c.sndUna.Add(int(ao))
		c.Input(fz.now, &s)
		switch p[10] % 8 {
		case 1:
			c.Write(fz.buf[:int(p[10])*16])
		case 2:
			c.Read(fz.buf[:int(p[10])*4])
		case 3:
			c.CloseWrite()
		case 4:
			c.Close()
		case 5:
			c.SetNoDelay(p[10]&16 != 0)
		case 6:
			if d := c.NextDeadline(); d > fz.now {
				fz.now = d
			}
		}
		c.Output(fz.now, fz.emit)
		c.Info(fz.now)
		c.Events()
	} else {
		s.Seq = peerISS.Add(int(so))
		s.Ack = Seq(uint32(ao)) << 16
		if nc := fz.l.Input(fz.now, remoteAP, &s, fz.emit); nc != nil {
			fz.c = nc
			fz.l.Accepted()
		}
		fz.l.Output(fz.now, fz.emitL)
	}
	fz.check()
}

func (fz *fuzzer) check() {
	c := fz.c
	if c == nil {
		if fz.l.SynQueueLen() > fz.l.backlog {
			fz.t.Fatalf("SYN queue %d above backlog %d", fz.l.SynQueueLen(), fz.l.backlog)
		}
		return
	}
	bad := func(format string, a ...any) { fz.t.Fatalf("%v: "+format, append([]any{c.State()}, a...)...) }
	if c.sndNxt.LessThan(c.sndUna) || c.sndMax.LessThan(c.sndNxt) {
		bad("SND.UNA %d SND.NXT %d SND.MAX %d out of order", c.sndUna, c.sndNxt, c.sndMax)
	}
	if c.snd.n < 0 || c.snd.n > c.snd.limit {
		bad("send buffer %d of %d", c.snd.n, c.snd.limit)
	}
	if c.rcv.n < 0 || c.rcv.n > c.rcv.limit+1<<14 {
		bad("receive buffer %d of %d", c.rcv.n, c.rcv.limit)
	}
	if len(c.rcv.buf) > fz.cfg.RecvBufMax+1<<15 || len(c.snd.buf) > fz.cfg.SendBufMax {
		bad("rings %d/%d beyond bounds", len(c.rcv.buf), len(c.snd.buf))
	}
	if c.ooo.n > maxOOO {
		bad("%d ranges", c.ooo.n)
	}
	prev := c.rcvNxt
	for i := 0; i < c.ooo.n; i++ {
		r := c.ooo.r[i]
		if !prev.LessThan(r.Start) || !r.Start.LessThan(r.End) {
			bad("range %d %v after %d: %s", i, r, prev, fmt.Sprint(c.ooo.r[:c.ooo.n]))
		}
		prev = r.End
	}
	if c.synchronized() && c.rcvAdvEdge.LessThan(c.rcvNxt) && c.rcvNxt.Sub(c.rcvAdvEdge) > 1 {
		bad("RCV.NXT %d beyond the advertised edge %d", c.rcvNxt, c.rcvAdvEdge)
	}
}
