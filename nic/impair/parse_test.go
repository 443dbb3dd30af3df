package impair

import (
	"strings"
	"testing"
	"time"
)

func TestParseDirection(t *testing.T) {
	d, err := ParseDirection("loss=10%,ge=0.01/0.25,delay=10ms,jitter=2ms,dist=normal,reorder=0.05,gap=3ms,dup=0.01,corrupt=0.001,rate=10mbit,burst=3000,queue=30000,limit=500")
	if err != nil {
		t.Fatal(err)
	}
	want := Direction{
		Loss: 0.1, GE: GilbertElliott{P: 0.01, R: 0.25, H: 0, K: 1},
		Delay: 10 * time.Millisecond, Jitter: 2 * time.Millisecond, Dist: Normal,
		Reorder: 0.05, ReorderGap: 3 * time.Millisecond, Duplicate: 0.01, Corrupt: 0.001,
		Rate: 10_000_000, Burst: 3000, QueueBytes: 30000, Limit: 500,
	}
	if d != want {
		t.Fatalf("got %+v\nwant %+v", d, want)
	}
	again, err := ParseDirection(d.String())
	if err != nil || again != d {
		t.Fatalf("round trip of %q: %+v, %v", d.String(), again, err)
	}
	if d, err := ParseDirection(""); err != nil || d.Active() {
		t.Fatalf("empty: %+v, %v", d, err)
	}
}

func TestParseDirectionErrors(t *testing.T) {
	_, err := ParseDirection("loss=2,bogus=1,delay=-1s,rate=fast,loss=0.1,dist=pareto,nokey")
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"loss", "bogus: unknown", "delay", "rate", "given twice", "dist", "nokey"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]int64{
		"10mbit": 10e6, "1gbit": 1e9, "500kbit": 500e3, "100bit": 100, "1mbps": 8e6,
		"2.5m": 2.5e6, "64000": 64000, "0": 0,
	} {
		got, err := ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", in, got, err, want)
		}
		if err == nil {
			if back, _ := ParseRate(FormatRate(got)); back != got {
				t.Errorf("FormatRate(%d) = %q does not read back", got, FormatRate(got))
			}
		}
	}
	for _, bad := range []string{"", "fast", "-1mbit", "0.5bit", "2000gbit", "NaN", "inf"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
}

func TestParseGE(t *testing.T) {
	g, err := ParseGE("0.01,0.3,0.2,0.99")
	if err != nil || g != (GilbertElliott{P: 0.01, R: 0.3, H: 0.2, K: 0.99}) {
		t.Fatalf("%+v %v", g, err)
	}
	for _, bad := range []string{"0.1", "1,2", "0.1,0.2,0.3,0.4,0.5", "a,b"} {
		if _, err := ParseGE(bad); err == nil {
			t.Errorf("ParseGE(%q) accepted", bad)
		}
	}
}

// FuzzParseDirection: the parser must not panic, whatever it accepts must
// validate, and String must write it back in a form that parses to the
// same Direction.
func FuzzParseDirection(f *testing.F) {
	f.Add("loss=10%,ge=0.01/0.25,delay=10ms,jitter=2ms,dist=normal")
	f.Add("reorder=0.05,gap=3ms,dup=0.01,corrupt=0.001,rate=10mbit,queue=30000,limit=500")
	f.Add("rate=1.5mbps")
	f.Add("loss=,=,,")
	f.Add("ge=1/1/1/1/1")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDirection(s)
		if err != nil {
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("%q parsed to invalid %+v: %v", s, d, err)
		}
		again, err := ParseDirection(d.String())
		if err != nil || again != d {
			t.Fatalf("%q -> %q -> %+v, %v; want %+v", s, d.String(), again, err, d)
		}
	})
}
