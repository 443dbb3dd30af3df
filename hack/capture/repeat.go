package capture

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

// Runs is how many times Repeat makes a transfer whose capture fails the
// 0%-loss verdict. This machine's two cores are shared by parallel test
// packages (QEMU boots among them), which can hold a process off the CPU
// past a peer's or tcpbox's own retransmission timer; a defect shows in
// every run, a stall in one. Each failed verdict is logged in full.
const Runs = 2

// Repeated says how one judged transfer is made and checked.
type Repeated struct {
	Rec   *Recorder
	Local netip.Addr // tcpbox's address
	// Start starts a fresh capture (Rec.Start) before each run.
	Start func()
	// Run makes one transfer and checks it, failing the test itself on
	// a functional error (then nothing is repeated).
	Run func()
	// Extra adds problems of the test's own (may be nil).
	Extra func(*Report) []string
	// OnFail logs what helps explain a failed verdict (may be nil).
	OnFail func()
}

// Repeat makes the transfer and judges its capture at 0% loss (Check's
// verdict). A capture that fails is logged with its problems and the run
// made again, up to Runs times; the last verdict counts.
func Repeat(t *testing.T, x Repeated) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		x.Start()
		x.Run()
		if t.Failed() {
			return
		}
		x.Rec.Stop()
		r := Judge(t, x.Rec.Path(), x.Local)
		r.Log(t, true)
		probs := r.Problems(true)
		if x.Extra != nil {
			probs = append(probs, x.Extra(r)...)
		}
		if len(probs) == 0 {
			return
		}
		if x.OnFail != nil {
			x.OnFail()
		}
		if attempt < Runs {
			t.Logf("run %d of at most %d failed the capture verdict; its problems, then the run again:\n%s", attempt, Runs, strings.Join(probs, "\n"))
			continue
		}
		for _, p := range probs {
			t.Error(p)
		}
		t.Log(fmt.Sprintf("the verdict failed in all %d runs", Runs))
		return
	}
}
