package tcp

// State is a connection state of the RFC 9293 §3.3.2 diagram.
type State uint8

// The eleven states of RFC 9293, after an invalid zero value.
const (
	StateInvalid State = iota
	Closed
	Listen
	SynSent
	SynReceived
	Established
	FinWait1
	FinWait2
	CloseWait
	Closing
	LastAck
	TimeWait
	NumStates // not a state: the size of per-state arrays
)

var stateNames = [NumStates]string{
	StateInvalid: "INVALID",
	Closed:       "CLOSED",
	Listen:       "LISTEN",
	SynSent:      "SYN-SENT",
	SynReceived:  "SYN-RECEIVED",
	Established:  "ESTABLISHED",
	FinWait1:     "FIN-WAIT-1",
	FinWait2:     "FIN-WAIT-2",
	CloseWait:    "CLOSE-WAIT",
	Closing:      "CLOSING",
	LastAck:      "LAST-ACK",
	TimeWait:     "TIME-WAIT",
}

// String returns the RFC's name of the state.
func (s State) String() string {
	if s < NumStates {
		return stateNames[s]
	}
	return "INVALID"
}
