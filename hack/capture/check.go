package capture

import (
	"fmt"
	"strings"
	"testing"
)

// Check fails the test on malformed frames, bad checksums and an empty
// capture, and, when clean (0% loss), on any retransmission by tcpbox,
// any by the peer without an excuse, and any zero-window stall. It logs
// the figures either way.
func (r *Report) Check(t testing.TB, clean bool) {
	t.Helper()
	r.Log(t, clean)
	for _, p := range r.Problems(clean) {
		t.Error(p)
	}
}

// Log logs the capture's figures (and, when clean, the first excuses).
func (r *Report) Log(t testing.TB, clean bool) {
	t.Helper()
	ours, peer, excused := r.ByTCPBox(), r.ByPeerUnexcused(), r.ByPeerExcused()
	if !clean {
		// With loss, retransmissions are expected and no excuse is looked at.
		t.Logf("capture: %d TCP frames; retransmissions: %d by tcpbox, %d by the peer; %d frames reordered in delivery; %d zero-window segments in %d periods, longest %v",
			r.TCPFrames, len(ours), len(peer)+len(excused), r.Reordered, r.ZeroWindows, r.ZeroWindowPeriods, r.LongestZeroWindow)
		return
	}
	late, reorder := 0, 0
	for _, x := range excused {
		switch {
		case strings.Contains(x.Excuse, excuseLate):
			late++
		case strings.HasPrefix(x.Excuse, excuseReorder):
			reorder++
		}
	}
	t.Logf("capture: %d TCP frames; retransmissions: %d by tcpbox, %d by the peer (%d excused: %d originals reached tcpbox only after the retransmission left, %d during a silence of tcpbox, %d answered reordering in delivery); %d frames reordered in delivery (tshark's retransmission flag, new bytes); %d zero-window segments in %d periods, longest %v; %d stalls",
		r.TCPFrames, len(ours), len(peer)+len(excused), len(excused), late, len(excused)-late-reorder, reorder, r.Reordered, r.ZeroWindows, r.ZeroWindowPeriods, r.LongestZeroWindow, len(r.Stalls))
	for _, x := range excused[:min(len(excused), 5)] {
		t.Logf("excused %v: %s", &x.Frame, x.Excuse)
	}
}

// CheckTCPBox is Check without the verdict on the peer's retransmissions,
// which it logs instead: for a test whose load is meant to exceed what
// tcpbox reads within the peer's retransmission timeout (10,000
// connections opened at once). tcpbox's own retransmissions, stalls and
// malformed frames still fail the test.
func (r *Report) CheckTCPBox(t testing.TB, clean bool) {
	t.Helper()
	r.Log(t, clean)
	for _, p := range r.problems(clean, false) {
		t.Error(p)
	}
	if peer := r.ByPeerUnexcused(); clean && len(peer) > 0 {
		t.Logf("the peer retransmitted %d times without an excuse in the capture (logged, not judged, in this test):\n%s", len(peer), retxList(peer))
	}
}

// Problems lists what Check fails the test for, one message each: empty
// when the capture passes.
func (r *Report) Problems(clean bool) []string { return r.problems(clean, true) }

func (r *Report) problems(clean, judgePeer bool) []string {
	var probs []string
	if len(r.Bad) > 0 {
		probs = append(probs, fmt.Sprintf("tshark: %d frames malformed or with bad checksums:\n%s", len(r.Bad), frameList(r.Bad)))
	}
	if r.TCPFrames == 0 {
		probs = append(probs, "capture holds no TCP frames")
	}
	if !clean {
		return probs
	}
	if ours := r.ByTCPBox(); len(ours) > 0 {
		probs = append(probs, fmt.Sprintf("at 0%% loss tcpbox retransmitted %d times:\n%s", len(ours), retxList(ours)))
	}
	if peer := r.ByPeerUnexcused(); judgePeer && len(peer) > 0 {
		probs = append(probs, fmt.Sprintf("at 0%% loss the peer retransmitted %d times without evidence of load in the capture:\n%s", len(peer), retxList(peer)))
	}
	if len(r.Stalls) > 0 {
		var b strings.Builder
		for _, s := range r.Stalls[:min(len(r.Stalls), 10)] {
			fmt.Fprintf(&b, "%v: zero for %v, %d probes\n", &s.Start, s.Duration, s.Probes)
		}
		probs = append(probs, fmt.Sprintf("at 0%% loss %d zero-window stalls (probed, or closed for %v or more):\n%s", len(r.Stalls), StallAfter, b.String()))
	}
	return probs
}

func frameList(fs []Frame) string {
	var b strings.Builder
	for i := range fs[:min(len(fs), 20)] {
		fmt.Fprintf(&b, "%v\n", &fs[i])
	}
	if len(fs) > 20 {
		b.WriteString("...\n")
	}
	return b.String()
}

func retxList(xs []Retransmission) string {
	var b strings.Builder
	for _, x := range xs[:min(len(xs), 10)] {
		fmt.Fprintf(&b, "%v\n  first sent as %v\n", &x.Frame, &x.Original)
	}
	if len(xs) > 10 {
		b.WriteString("...\n")
	}
	return b.String()
}
