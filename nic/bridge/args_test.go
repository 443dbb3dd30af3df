package bridge

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/nic/impair"
)

func TestParseArgs(t *testing.T) {
	c, err := ParseArgs(strings.Fields("-a veth1 --b=veth2 -loss 10% -ge 0.01,0.25 -delay 10ms -jitter 2ms -dist normal -reorder 0.05 -gap 3ms -dup 0.01 -corrupt 0.001 -rate 10mbit -queue 30000 -limit 500 -seed 7"))
	if err != nil {
		t.Fatal(err)
	}
	want := impair.Direction{
		Loss: 0.1, GE: impair.GilbertElliott{P: 0.01, R: 0.25, K: 1},
		Delay: 10 * time.Millisecond, Jitter: 2 * time.Millisecond, Dist: impair.Normal,
		Reorder: 0.05, ReorderGap: 3 * time.Millisecond, Duplicate: 0.01, Corrupt: 0.001,
		Rate: 10e6, QueueBytes: 30000, Limit: 500,
	}
	if c.A != "veth1" || c.B != "veth2" || c.Seed != 7 || c.AB != want || c.BA != want {
		t.Fatalf("got %+v", c)
	}
}

func TestParseArgsDirections(t *testing.T) {
	c, err := ParseArgs(strings.Fields("-a x -b y -loss 0.1 -dir ab"))
	if err != nil || c.AB.Loss != 0.1 || c.BA.Active() {
		t.Fatalf("-dir ab: %+v, %v", c, err)
	}
	c, err = ParseArgs(strings.Fields("-a x -b y -loss 0.1 -ba delay=5ms,dup=1%"))
	if err != nil || c.AB.Loss != 0.1 || c.BA != (impair.Direction{Delay: 5 * time.Millisecond, Duplicate: 0.01}) {
		t.Fatalf("-ba: %+v, %v", c, err)
	}
	if c.Seed != 1 {
		t.Fatalf("default seed %d", c.Seed)
	}
}

func TestParseArgsErrors(t *testing.T) {
	_, err := ParseArgs(strings.Fields("-a x -loss 3 -bogus 1 -delay soon -dir up -ab nokey stray -seed"))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"-loss", "-bogus: unknown flag", "-delay", "-dir", "-ab", "stray", "-seed needs a value", "-b are required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if _, err := ParseArgs([]string{"-h"}); !errors.Is(err, ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	if _, err := ParseArgs(strings.Fields("-a x -b x")); err == nil {
		t.Fatal("same interface twice accepted")
	}
}

// FuzzParseArgs: no panic on any command line, and whatever is accepted
// is valid and names two distinct interfaces.
func FuzzParseArgs(f *testing.F) {
	f.Add("-a veth1 -b veth2 -loss 10% -ge 0.01,0.25,0,1 -delay 10ms -seed 7")
	f.Add("-a=x --b y -rate 10mbit -queue 30000 -dir ba -ab loss=0.5")
	f.Add("-a x -b y -jitter 1ms -dist normal -reorder 0.1 -gap 2ms")
	f.Add("-- - -h")
	f.Fuzz(func(t *testing.T, line string) {
		c, err := ParseArgs(strings.Fields(line))
		if err != nil {
			return
		}
		if c.A == "" || c.B == "" || c.A == c.B {
			t.Fatalf("accepted ports %q %q", c.A, c.B)
		}
		if err := (impair.Profile{TX: c.AB, RX: c.BA}).Validate(); err != nil {
			t.Fatalf("accepted invalid profile: %v", err)
		}
	})
}
