package main

import (
	"strings"

	"github.com/tcpbox/tcpbox/stack"
)

// pacingSuffix on an -algos entry ("cubic+pacing") runs that algorithm
// with pacing on (stack.WithPacing): window-based algorithms then spread
// their window over the RTT. BBR paces with or without it.
const pacingSuffix = "+pacing"

// senderOptions are the dial options of a tcpbox sender for an -algos
// entry: its algorithm, pacing if asked and the trace. The send buffer is
// the stack's default, which autotunes with cwnd up to 1 MiB
// (tcp.DefaultConfig's SendBufMax), as on the appliance.
func senderOptions(entry string) []stack.TCPOption {
	name, paced := strings.CutSuffix(entry, pacingSuffix)
	return []stack.TCPOption{stack.WithCongestion(name), stack.WithPacing(paced),
		stack.WithTrace(tracePoints())}
}
