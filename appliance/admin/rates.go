package admin

import "time"

// sample is one reading of the counters, for computing rates.
type sample struct {
	at    time.Time
	v     map[string]uint64
	rates map[string]float64
}

// minRateInterval: rates compare with a reading at least this old, so two
// quick reloads do not give noise.
const minRateInterval = time.Second

func counterKey(c Counter) string {
	if c.Drop {
		return c.Layer + "\x00drop\x00" + c.Name
	}
	return c.Layer + "\x00" + c.Name
}

// rates returns per-second rates of cs against the previous reading. The
// handler keeps one reading; its size is that of the counter set.
func (h *Handler) rates(cs []Counter) map[string]float64 {
	now := h.d.Now()
	h.rateMu.Lock()
	defer h.rateMu.Unlock()
	if h.prev.v != nil && now.Sub(h.prev.at) < minRateInterval {
		return h.prev.rates
	}
	cur := sample{at: now, v: make(map[string]uint64, len(cs)), rates: map[string]float64{}}
	for _, c := range cs {
		k := counterKey(c)
		cur.v[k] = c.Value
		if old, ok := h.prev.v[k]; ok && c.Value >= old {
			cur.rates[k] = float64(c.Value-old) / now.Sub(h.prev.at).Seconds()
		}
	}
	if h.prev.v == nil {
		cur.rates = nil
	}
	h.prev = cur
	return cur.rates
}
