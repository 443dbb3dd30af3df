package cc

import (
	"testing"
	"time"
)

// FuzzRateSamplerPacer drives a RateSampler and a Pacer with arbitrary
// sends, deliveries (in any order, repeated), losses, app-limited marks,
// rate changes, wake-ups and clocks that stand still or jump. Neither may panic; the
// delivered total never decreases and counts each record once; samples
// never report more delivered than the total nor a negative interval; the
// pacer never schedules before now.
func FuzzRateSamplerPacer(f *testing.F) {
	f.Add([]byte{0, 0, 1, 1, 2, 3, 0, 4, 5, 6})
	f.Add([]byte{7, 255, 255, 255, 255, 0, 1, 0, 2, 8, 100, 9, 200})
	f.Add([]byte{0, 10, 0, 11, 1, 10, 1, 11, 3, 12, 5, 13, 2, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &fuzzReader{data}
		var rs RateSampler
		p := Pacer{Burst: int(r.u8()) * 100}
		var recs [16]TxRecord
		var delivered [16]bool
		var sentOnce [16]bool
		now := time.Duration(0)
		inflight := 0
		var total int64
		for steps := 0; len(r.b) > 0 && steps < 2000; steps++ {
			now += time.Duration(r.u8()) * 100 * time.Microsecond
			i := int(r.u8()) % len(recs)
			switch r.u8() % 8 {
			case 0:
				rs.OnSend(now, &recs[i], inflight)
				delivered[i], sentOnce[i] = false, true
				inflight += 1000
			case 1:
				if !sentOnce[i] {
					continue
				}
				rs.OnDelivered(now, &recs[i], 1000)
				if !delivered[i] {
					total += 1000
					inflight = max(inflight-1000, 0)
				}
				delivered[i] = true
			case 2:
				rs.OnLost(int(int16(r.u32())))
			case 3:
				rs.MarkAppLimited(int(int32(r.u32())))
			case 4:
				s := rs.Sample(now)
				if s.DeliveredTotal != total || s.Delivered > total || s.Interval < 0 || (s.Valid && s.Rate() == 0) {
					t.Fatalf("sample %+v with %d delivered", s, total)
				}
			case 5:
				p.SetRate(now, uint64(r.u32())*uint64(r.u8()))
			case 6:
				n := int(int32(r.u32()))
				at := p.NextSendTime(now, n)
				if at < now {
					t.Fatalf("send time %v before now %v", at, now)
				}
				p.OnSend(at, n)
			case 7:
				p.Wake(now) // a late wake-up's catch-up credit
			}
			if rs.Delivered() != total {
				t.Fatalf("delivered %d, want %d", rs.Delivered(), total)
			}
		}
	})
}
