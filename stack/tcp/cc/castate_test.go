package cc

import "testing"

// tcp_info's tcpi_ca_state uses Linux's numbering (include/uapi/linux/tcp.h:
// TCP_CA_Open 0, Disorder 1, CWR 2, Recovery 3, Loss 4).
func TestCAState(t *testing.T) {
	cases := []struct {
		c     CAState
		name  string
		linux uint8
	}{
		{CAInvalid, "invalid", 0},
		{CAOpen, "open", 0},
		{CADisorder, "disorder", 1},
		{CACWR, "cwr", 2},
		{CARecovery, "recovery", 3},
		{CALoss, "loss", 4},
		{CAState(99), "invalid", 0},
	}
	for _, c := range cases {
		if c.c.String() != c.name || c.c.Linux() != c.linux {
			t.Errorf("%d: %q %d, want %q %d", c.c, c.c.String(), c.c.Linux(), c.name, c.linux)
		}
	}
	events := map[Event]CAState{
		EventFastRecovery: CARecovery, EventRTO: CALoss, EventECE: CACWR,
		EventRecoveryExit: CAOpen, EventUndo: CAOpen, EventIdleRestart: CAOpen, EventInvalid: CAInvalid,
	}
	for ev, want := range events {
		if got := CAStateAfter(ev); got != want {
			t.Errorf("event %d: %v, want %v", ev, got, want)
		}
	}
}

func TestEventString(t *testing.T) {
	want := map[Event]string{
		EventInvalid: "invalid", EventFastRecovery: "fast_recovery", EventRecoveryExit: "recovery_exit",
		EventRTO: "rto", EventECE: "ece", EventUndo: "undo", EventIdleRestart: "idle_restart", Event(200): "invalid",
	}
	for e, w := range want {
		if e.String() != w {
			t.Errorf("%d: %q, want %q", e, e.String(), w)
		}
	}
}
