package impair

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseGE parses a Gilbert-Elliott model "p,r[,h[,k]]" (commas or
// slashes): transition probabilities p (Good→Bad) and r (Bad→Good), and
// the delivery probabilities h in Bad (default 0) and k in Good (default
// 1). Probabilities may be given as fractions (0.01) or percentages (1%).
func ParseGE(s string) (GilbertElliott, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '/' })
	if len(fields) < 2 || len(fields) > 4 {
		return GilbertElliott{}, fmt.Errorf("impair: gilbert-elliott %q: want p,r[,h[,k]]", s)
	}
	v := []float64{0, 0, 0, 1}
	for i, f := range fields {
		p, err := ParseProb(f)
		if err != nil {
			return GilbertElliott{}, fmt.Errorf("impair: gilbert-elliott %q: %w", s, err)
		}
		v[i] = p
	}
	return GilbertElliott{P: v[0], R: v[1], H: v[2], K: v[3]}, nil
}

// ParseProb parses a probability: a fraction in [0,1] or a percentage
// ending in %.
func ParseProb(s string) (float64, error) {
	s = strings.TrimSpace(s)
	scale := 1.0
	if t, ok := strings.CutSuffix(s, "%"); ok {
		s, scale = t, 100
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("probability %q: not a number", s)
	}
	v /= scale
	if !(v >= 0 && v <= 1) {
		return 0, fmt.Errorf("probability %q not in [0,1]", s)
	}
	return v, nil
}

var rateUnits = []struct {
	suffix string
	mult   float64
}{
	// Longest suffixes first so "kbit" is not read as "bit".
	{"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3}, {"bit", 1},
	{"gbps", 8e9}, {"mbps", 8e6}, {"kbps", 8e3}, {"bps", 8},
	{"g", 1e9}, {"m", 1e6}, {"k", 1e3},
}

// ParseRate parses a rate in bits per second, as tc writes them:
// "10mbit", "1gbit", "500kbit", "100bit"; "mbps" and friends are bytes per
// second; a bare number or k/m/g suffix is bits. "0" means no limit.
func ParseRate(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := 1.0
	for _, u := range rateUnits {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = rest, u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || !(v >= 0) {
		return 0, fmt.Errorf("impair: rate %q: want a number of bits per second like 10mbit", s)
	}
	bits := math.Trunc(v * mult)
	if bits > 1e12 || bits < 1 && v != 0 {
		return 0, fmt.Errorf("impair: rate %q out of range (0 or 1bit to 1000gbit)", s)
	}
	return int64(bits), nil
}

// FormatRate writes a rate the way ParseRate reads it back.
func FormatRate(bits int64) string {
	switch {
	case bits >= 1e9 && bits%1e9 == 0:
		return strconv.FormatInt(bits/1e9, 10) + "gbit"
	case bits >= 1e6 && bits%1e6 == 0:
		return strconv.FormatInt(bits/1e6, 10) + "mbit"
	case bits >= 1e3 && bits%1e3 == 0:
		return strconv.FormatInt(bits/1e3, 10) + "kbit"
	}
	return strconv.FormatInt(bits, 10) + "bit"
}

// ParseDirection parses a comma-separated list of key=value settings, the
// text form of a Direction (String writes it):
//
//	loss=0.1 ge=p/r/h/k delay=10ms jitter=2ms dist=uniform|normal
//	reorder=0.05 gap=2ms dup=0.01 corrupt=0.001 rate=10mbit burst=15000
//	queue=30000 limit=1000
//
// An empty string is the zero Direction. Unknown keys, repeated keys and
// out-of-range values are errors, all reported at once.
func ParseDirection(s string) (Direction, error) {
	var d Direction
	if strings.TrimSpace(s) == "" {
		return d, nil
	}
	var errs []error
	seen := map[string]bool{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			errs = append(errs, fmt.Errorf("%q: want key=value", kv))
			continue
		}
		if seen[k] {
			errs = append(errs, fmt.Errorf("%s given twice", k))
			continue
		}
		seen[k] = true
		if err := d.Set(k, v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", k, err))
		}
	}
	if len(errs) == 0 {
		if err := d.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Direction{}, fmt.Errorf("impair: %w", err)
	}
	return d, nil
}

// Set sets the field named by key (a key of ParseDirection) from its text
// form. It checks the value's syntax and range, not the whole Direction:
// call Validate when done.
func (d *Direction) Set(k, v string) error {
	var err error
	switch k {
	case "loss":
		d.Loss, err = ParseProb(v)
	case "ge":
		d.GE, err = ParseGE(v)
	case "delay":
		d.Delay, err = parseDuration(v)
	case "jitter":
		d.Jitter, err = parseDuration(v)
	case "gap":
		d.ReorderGap, err = parseDuration(v)
	case "dist":
		switch v {
		case "uniform":
			d.Dist = Uniform
		case "normal":
			d.Dist = Normal
		default:
			err = fmt.Errorf("%q: want uniform or normal", v)
		}
	case "reorder":
		d.Reorder, err = ParseProb(v)
	case "dup":
		d.Duplicate, err = ParseProb(v)
	case "corrupt":
		d.Corrupt, err = ParseProb(v)
	case "rate":
		d.Rate, err = ParseRate(v)
	case "queue":
		d.QueueBytes, err = parseCount(v)
	case "burst":
		d.Burst, err = parseCount(v)
	case "limit":
		d.Limit, err = parseCount(v)
	default:
		err = errors.New("unknown setting")
	}
	return err
}

func parseDuration(v string) (time.Duration, error) {
	t, err := time.ParseDuration(v)
	if err != nil {
		return 0, err
	}
	if t < 0 || t > time.Hour {
		return 0, fmt.Errorf("%v not in [0, 1h]", t)
	}
	return t, nil
}

func parseCount(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 1<<30 {
		return 0, fmt.Errorf("%q: want a count from 0 to %d", v, 1<<30)
	}
	return n, nil
}

// String writes d in the form ParseDirection reads, listing only the
// fields that are set; the zero Direction is "".
func (d Direction) String() string {
	var parts []string
	add := func(k, v string) { parts = append(parts, k+"="+v) }
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	if d.Loss != 0 {
		add("loss", f(d.Loss))
	}
	if d.GE.Enabled() {
		add("ge", f(d.GE.P)+"/"+f(d.GE.R)+"/"+f(d.GE.H)+"/"+f(d.GE.K))
	}
	if d.Delay != 0 {
		add("delay", d.Delay.String())
	}
	if d.Jitter != 0 {
		add("jitter", d.Jitter.String())
	}
	switch d.Dist {
	case Uniform:
		add("dist", "uniform")
	case Normal:
		add("dist", "normal")
	}
	if d.Reorder != 0 {
		add("reorder", f(d.Reorder))
	}
	if d.ReorderGap != 0 {
		add("gap", d.ReorderGap.String())
	}
	if d.Duplicate != 0 {
		add("dup", f(d.Duplicate))
	}
	if d.Corrupt != 0 {
		add("corrupt", f(d.Corrupt))
	}
	if d.Rate != 0 {
		add("rate", FormatRate(d.Rate))
	}
	if d.Burst != 0 {
		add("burst", strconv.Itoa(d.Burst))
	}
	if d.QueueBytes != 0 {
		add("queue", strconv.Itoa(d.QueueBytes))
	}
	if d.Limit != 0 {
		add("limit", strconv.Itoa(d.Limit))
	}
	return strings.Join(parts, ",")
}
