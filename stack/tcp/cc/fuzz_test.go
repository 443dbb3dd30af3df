package cc

import (
	"encoding/binary"
	"testing"
	"time"
)

// fuzzReader hands out the fuzzer's bytes as numbers, zeros once drained.
type fuzzReader struct{ b []byte }

func (r *fuzzReader) u8() uint8 {
	if len(r.b) == 0 {
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *fuzzReader) u32() uint32 {
	var buf [4]byte
	n := copy(buf[:], r.b)
	r.b = r.b[n:]
	return binary.LittleEndian.Uint32(buf[:])
}

// FuzzAlgorithms drives every algorithm with arbitrary sequences of ACKs
// (any sizes, RTTs and rate samples, consistent or not), events (valid
// and invalid), duplicate ACKs and changes of the sender's state. None may
// panic, and after every call Cwnd stays within [MSS, MaxCwnd], Ssthresh
// at least 2*MSS, and the pacing rate bounded.
func FuzzAlgorithms(f *testing.F) {
	f.Add([]byte{0, 0xb4, 0x05, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	f.Add([]byte{2, 0xb4, 0x05, 4, 1, 0, 0, 0, 3, 0, 0xff, 0xff, 0xff, 0x7f, 2, 0, 0, 0})
	f.Add([]byte{3, 0x28, 0x23, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x10, 0x27, 0, 0, 1, 0xe8, 0x03, 0, 0, 4, 3, 7})
	f.Add([]byte{1, 1, 0, 4, 1, 5, 5, 5, 0, 0x10, 0, 0, 0, 4, 2, 4, 3})
	f.Add([]byte{4, 0xff, 0xff, 4, 3, 0, 1, 2, 3, 4, 5, 6, 7})
	f.Fuzz(fuzzBody)
}

func fuzzBody(t *testing.T, data []byte) {
	r := &fuzzReader{data}
	names := Names()
	a, err := New(names[int(r.u8())%len(names)], Options{InitialWindow: int(r.u8() % 64), Seed: uint64(r.u8())})
	if err != nil {
		t.Fatal(err)
	}
	s := &Sender{MSS: int(binary.LittleEndian.Uint16([]byte{r.u8(), r.u8()}))}
	if s.MSS == 0 {
		s.MSS = 1
	}
	a.Init(s, 0)
	check := func(op string) {
		if s.Cwnd < s.MSS || s.Cwnd > MaxCwnd || s.Ssthresh < 2*s.MSS || s.PacingRate > bbrMaxRate {
			t.Fatalf("%s after %s: cwnd %d ssthresh %d pacing %d (mss %d)", a.Name(), op, s.Cwnd, s.Ssthresh, s.PacingRate, s.MSS)
		}
	}
	check("Init")
	now := time.Duration(0)
	var total int64
	ack := new(Ack)
	for steps := 0; len(r.b) > 0 && steps < 2000; steps++ {
		now += time.Duration(r.u8()) * time.Millisecond
		switch op := r.u8() % 8; op {
		case 0, 1, 2:
			acked := int(int32(r.u32()))
			rtt := time.Duration(int32(r.u32())) * time.Microsecond
			d := int64(int32(r.u32()))
			total += d
			*ack = Ack{
				Now: now, Acked: acked, Sacked: int(int8(r.u8())) * s.MSS, PriorInFlight: int(int32(r.u32())), RTT: rtt,
				Rate: RateSample{
					Valid: op != 2, Delivered: d, Interval: time.Duration(r.u32()) * time.Microsecond, RTT: rtt,
					AppLimited: r.u8()&1 == 1, PriorDelivered: total - int64(r.u32()), Losses: int64(int16(r.u32())), DeliveredTotal: total,
				},
			}
			a.OnAck(s, ack)
			check("OnAck")
		case 3, 4:
			a.OnEvent(s, Event(r.u8()%9), now)
			check("OnEvent")
		case 5:
			if d, ok := a.(DupAcker); ok {
				d.OnDupAck(s, now)
				check("OnDupAck")
			}
		case 6:
			s.InFlight = int(int32(r.u32()))
			s.SRTT = time.Duration(int32(r.u32())) * time.Microsecond
		case 7:
			s.InRecovery = !s.InRecovery
			v := r.u8()
			s.AppLimited = v&1 == 1
			// The sender's cwnd validation, any value (validate.go).
			s.CwndFull, s.MaxFlight = v&2 != 0, int(int32(r.u32()))
		}
		_ = PhaseOf(a, s)
	}

}
