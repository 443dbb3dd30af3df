package cc

import (
	"fmt"
	"strings"
)

// Options configures an algorithm made by New. The zero value gives each
// algorithm its defaults.
type Options struct {
	InitialWindow int    // segments; 0 means 10 (RFC 6928)
	FixedWindow   int    // "fixed" only: the window in segments; 0 means InitialWindow
	NoHyStart     bool   // "cubic" only: plain slow start instead of HyStart++ (RFC 9406)
	Seed          uint64 // "bbr" only: seeds the choice of the first ProbeBW gain phase
}

// registry lists the algorithms in the order Names reports them.
var registry = []struct {
	name string
	make func(Options) Algorithm
}{
	{"reno", func(o Options) Algorithm { return &Reno{InitialWindow: o.InitialWindow} }},
	{"newreno", func(o Options) Algorithm { return &NewReno{InitialWindow: o.InitialWindow} }},
	{"cubic", func(o Options) Algorithm { return &Cubic{InitialWindow: o.InitialWindow, NoHyStart: o.NoHyStart} }},
	{"bbr", func(o Options) Algorithm { return &BBR{InitialWindow: o.InitialWindow, Seed: o.Seed} }},
	{"fixed", func(o Options) Algorithm {
		w := o.FixedWindow
		if w <= 0 {
			w = o.InitialWindow
		}
		return &Fixed{Window: w}
	}},
}

// New returns a fresh algorithm by name; each connection needs its own.
func New(name string, opts Options) (Algorithm, error) {
	for _, r := range registry {
		if r.name == name {
			return r.make(opts), nil
		}
	}
	return nil, fmt.Errorf("cc: unknown congestion control %q (known: %s)", name, strings.Join(Names(), ", "))
}

// Names lists the names New accepts.
func Names() []string {
	n := make([]string, len(registry))
	for i, r := range registry {
		n[i] = r.name
	}
	return n
}
