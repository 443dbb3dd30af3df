package cc

// CAState is the congestion-avoidance state Linux reports in tcp_info's
// tcpi_ca_state. The zero value is invalid; Linux returns the kernel's
// numbering.
type CAState uint8

const (
	CAInvalid  CAState = iota
	CAOpen             // no loss suspected
	CADisorder         // duplicate ACKs or SACKs seen, no recovery yet
	CACWR              // window reduced after ECN (RFC 3168 §6.1.2)
	CARecovery         // fast recovery after loss (RFC 5681 §3.2, RFC 6675)
	CALoss             // recovery after a retransmission timeout (RFC 5681 §3.1)
)

var caStateNames = [...]string{"invalid", "open", "disorder", "cwr", "recovery", "loss"}

func (c CAState) String() string {
	if int(c) < len(caStateNames) {
		return caStateNames[c]
	}
	return "invalid"
}

// Linux returns the value of Linux's enum tcp_ca_state (TCP_CA_Open = 0 ...
// TCP_CA_Loss = 4) for tcp_info; CAInvalid reports as Open.
func (c CAState) Linux() uint8 {
	if c == CAInvalid || int(c) >= len(caStateNames) {
		return 0
	}
	return uint8(c) - 1
}

// CAStateAfter is the state an event puts the sender in. Events that end or
// undo a reduction return CAOpen; the sender moves to CADisorder itself on
// its first duplicate ACK.
func CAStateAfter(ev Event) CAState {
	switch ev {
	case EventFastRecovery:
		return CARecovery
	case EventRTO:
		return CALoss
	case EventECE:
		return CACWR
	case EventRecoveryExit, EventUndo, EventIdleRestart:
		return CAOpen
	}
	return CAInvalid
}
