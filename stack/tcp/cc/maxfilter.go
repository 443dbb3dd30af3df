package cc

// maxFilter tracks the maximum of a series over a sliding window of
// "time" (here: round trips) with three samples, after Kathleen Nichols'
// windowed min/max estimator used by BBR for BtlBw: the best value, the
// best of what came after it, and the best of what came after that, so
// that when the best ages out the next one is ready. Constant memory, no
// allocation.
type maxFilter struct {
	s [3]filterSample
}

type filterSample struct {
	t uint64 // when (round count)
	v uint64 // value (bytes per second)
}

func (f *maxFilter) get() uint64 { return f.s[0].v }

func (f *maxFilter) reset(t, v uint64) {
	f.s[0] = filterSample{t, v}
	f.s[1], f.s[2] = f.s[0], f.s[0]
}

// update adds sample v at time t with window win and returns the maximum.
func (f *maxFilter) update(win, t, v uint64) uint64 {
	n := filterSample{t, v}
	if v >= f.s[0].v || t-f.s[2].t > win {
		// A new maximum, or nothing in the window: start over.
		f.reset(t, v)
		return v
	}
	switch {
	case v >= f.s[1].v:
		f.s[1], f.s[2] = n, n
	case v >= f.s[2].v:
		f.s[2] = n
	}
	// Age the samples: when the best has left the window, promote the
	// later ones; keep the second and third spread over the window.
	age := t - f.s[0].t
	switch {
	case age > win:
		f.s[0], f.s[1], f.s[2] = f.s[1], f.s[2], n
		if t-f.s[0].t > win {
			f.s[0], f.s[1], f.s[2] = f.s[1], f.s[2], n
		}
	case f.s[1].t == f.s[0].t && age > win/4:
		f.s[1], f.s[2] = n, n
	case f.s[2].t == f.s[1].t && age > win/2:
		f.s[2] = n
	}
	return f.s[0].v
}
