package admin

import "time"

// Counter rates for the overview. The handler keeps a short ring of
// counter readings: the appliance adds one every second
// (SampleCounters), and each view adds one when the newest is a second
// old, so the first view already shows rates and a page viewed without
// the appliance's sampling still gets them from the second view on.

// sample is one reading of the counters.
type sample struct {
	at time.Time
	v  map[string]uint64
}

const (
	// minRateInterval: a rate compares with a reading at least this old
	// when there is one, so two quick reloads do not give noise.
	minRateInterval = time.Second
	// minRateSpan: younger than this, a reading gives no rate at all.
	minRateSpan = 200 * time.Millisecond
	// rateRing bounds the readings kept: 8 readings of the counter set.
	rateRing = 8
)

// counterRing is the last rateRing readings, oldest first once full.
type counterRing struct {
	s    [rateRing]sample
	next int
	n    int
}

func (r *counterRing) add(s sample) {
	r.s[r.next] = s
	r.next = (r.next + 1) % rateRing
	r.n = min(r.n+1, rateRing)
}

// at returns the i-th newest reading (0 the newest); i < r.n.
func (r *counterRing) at(i int) *sample { return &r.s[(r.next-1-i+2*rateRing)%rateRing] }

func counterKey(c Counter) string {
	if c.Drop {
		return c.Layer + "\x00drop\x00" + c.Name
	}
	return c.Layer + "\x00" + c.Name
}

func readingOf(cs []Counter, now time.Time) sample {
	s := sample{at: now, v: make(map[string]uint64, len(cs))}
	for _, c := range cs {
		s.v[counterKey(c)] = c.Value
	}
	return s
}

// SampleCounters takes a reading of Deps.Counters for the overview's
// rates. The appliance calls it every second from a goroutine of its own;
// it is safe to call concurrently with requests.
func (h *Handler) SampleCounters() {
	if h.d.Counters == nil {
		return
	}
	cs := h.d.Counters()
	now := h.d.Now()
	h.rateMu.Lock()
	defer h.rateMu.Unlock()
	h.ring.add(readingOf(cs, now))
}

// rates returns per-second rates of cs against the newest reading at
// least minRateInterval old, else the oldest at least minRateSpan old;
// nil when there is none. It keeps cs as a reading when the newest is
// minRateInterval old or there is none.
func (h *Handler) rates(cs []Counter) map[string]float64 {
	now := h.d.Now()
	h.rateMu.Lock()
	defer h.rateMu.Unlock()
	var ref *sample
	for i := 0; i < h.ring.n; i++ {
		s := h.ring.at(i)
		if age := now.Sub(s.at); age >= minRateInterval {
			ref = s
			break
		} else if age >= minRateSpan {
			ref = s // the oldest young enough so far; an older one wins
		}
	}
	var out map[string]float64
	if ref != nil {
		span := now.Sub(ref.at).Seconds()
		out = make(map[string]float64, len(cs))
		for _, c := range cs {
			k := counterKey(c)
			if old, ok := ref.v[k]; ok && c.Value >= old {
				out[k] = float64(c.Value-old) / span
			}
		}
	}
	// Added last: the new reading may take the slot of ref.
	if h.ring.n == 0 || now.Sub(h.ring.at(0).at) >= minRateInterval {
		h.ring.add(readingOf(cs, now))
	}
	return out
}
