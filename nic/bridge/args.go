package bridge

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tcpbox/tcpbox/nic/impair"
)

// Config is what the bridge command line says.
type Config struct {
	A, B   string           // interface names
	AB, BA impair.Direction // impairment of A→B and B→A frames
	Seed   int64
}

// ErrHelp is returned by ParseArgs for -h or -help.
var ErrHelp = errors.New("bridge: help requested")

// Usage describes the arguments ParseArgs reads.
const Usage = `bridge -a IFACE -b IFACE [impairment] [-seed N]

Joins two interfaces through AF_PACKET (promiscuous) and impairment.

Impairment (applied to the directions chosen by -dir, default both):
  -loss P        random loss probability (0.1 or 10%)
  -ge p,r[,h,k]  Gilbert-Elliott bursty loss: p Good->Bad, r Bad->Good,
                 h delivery probability in Bad (default 0), k in Good (default 1)
  -delay D       fixed delay (10ms)
  -jitter D      jitter spread; -dist uniform (+-D) or normal (sd D, cut at 3 sd)
  -reorder P     probability a frame is held back by -gap (default 1ms)
  -dup P         duplication probability
  -corrupt P     probability one bit of a frame is flipped
  -rate R        bottleneck rate (10mbit, 1gbit, 500kbit)
  -burst BYTES   token bucket depth (default one frame)
  -queue BYTES   drop-tail queue in front of the bottleneck (default 150000)
  -limit N       most frames held per direction (default 1000)
  -dir D         both, ab (A->B only) or ba (B->A only)
  -ab SPEC       A->B impairment as key=value list (loss=0.1,delay=5ms,...),
  -ba SPEC       replacing what the single flags set for that direction
  -seed N        random seed (default 1): the same seed replays the same decisions
`

// directionKeys are the single flags that set a field of a Direction,
// named as impair.Direction.Set names them.
var directionKeys = map[string]bool{
	"loss": true, "ge": true, "delay": true, "jitter": true, "dist": true,
	"reorder": true, "gap": true, "dup": true, "corrupt": true,
	"rate": true, "burst": true, "queue": true, "limit": true,
}

// ParseArgs reads a bridge command line (without the program name). Flags
// take "-name value" or "-name=value", with one or two dashes. Every
// problem is reported at once.
func ParseArgs(args []string) (Config, error) {
	c := Config{Seed: 1}
	var common impair.Direction
	dir := "both"
	var abSpec, baSpec *string
	var errs []error
	seen := map[string]bool{}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "-") || arg == "-" || arg == "--" {
			errs = append(errs, fmt.Errorf("unexpected argument %q", arg))
			continue
		}
		name := strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-")
		if name == "h" || name == "help" {
			return Config{}, ErrHelp
		}
		name, val, hasVal := strings.Cut(name, "=")
		if !hasVal {
			if i+1 >= len(args) {
				errs = append(errs, fmt.Errorf("-%s needs a value", name))
				continue
			}
			i++
			val = args[i]
		}
		if seen[name] {
			errs = append(errs, fmt.Errorf("-%s given twice", name))
			continue
		}
		seen[name] = true
		var err error
		switch {
		case name == "a":
			c.A = val
		case name == "b":
			c.B = val
		case name == "seed":
			c.Seed, err = strconv.ParseInt(val, 10, 64)
		case name == "dir":
			if val != "both" && val != "ab" && val != "ba" {
				err = fmt.Errorf("%q: want both, ab or ba", val)
			}
			dir = val
		case name == "ab":
			abSpec = &val
		case name == "ba":
			baSpec = &val
		case directionKeys[name]:
			if name == "ge" {
				// -ge p,r,h,k: commas here, slashes inside a spec.
				val = strings.ReplaceAll(val, ",", "/")
			}
			err = common.Set(name, val)
		default:
			err = errors.New("unknown flag")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("-%s: %w", name, err))
		}
	}
	if dir == "both" || dir == "ab" {
		c.AB = common
	}
	if dir == "both" || dir == "ba" {
		c.BA = common
	}
	for _, s := range []struct {
		spec *string
		dst  *impair.Direction
		name string
	}{{abSpec, &c.AB, "ab"}, {baSpec, &c.BA, "ba"}} {
		if s.spec == nil {
			continue
		}
		d, err := impair.ParseDirection(*s.spec)
		if err != nil {
			errs = append(errs, fmt.Errorf("-%s: %w", s.name, err))
			continue
		}
		*s.dst = d
	}
	if err := c.AB.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("A->B: %w", err))
	}
	if err := c.BA.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("B->A: %w", err))
	}
	if c.A == "" || c.B == "" {
		errs = append(errs, errors.New("both -a and -b are required"))
	} else if c.A == c.B {
		errs = append(errs, errors.New("-a and -b name the same interface"))
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("bridge: %w", err)
	}
	return c, nil
}
