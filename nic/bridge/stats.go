package bridge

import (
	"fmt"
	"strings"

	"github.com/tcpbox/tcpbox/nic/impair"
)

// String prints the counters, one direction per block, for people.
func (s Stats) String() string {
	var b strings.Builder
	dir := func(name string, c impair.Counters, refused uint64) {
		fmt.Fprintf(&b, "%s: offered %d passed %d refused %d\n", name, c.Offered, c.Passed, refused)
		fmt.Fprintf(&b, "  dropped: loss %d burst %d queue %d limit %d oversize %d\n",
			c.DropLoss, c.DropBurst, c.DropQueue, c.DropLimit, c.DropOversize)
		fmt.Fprintf(&b, "  duplicated %d corrupted %d reordered %d delayed %d held %d\n",
			c.Duplicated, c.Corrupted, c.Reordered, c.Delayed, c.Held)
	}
	dir("A->B", s.AB, s.ABErrors)
	dir("B->A", s.BA, s.BAErrors)
	fmt.Fprintf(&b, "port A: rx %d (dropped %d) tx %d (dropped %d)\n", s.A.RxFrames, s.A.RxDropped, s.A.TxFrames, s.A.TxDropped)
	fmt.Fprintf(&b, "port B: rx %d (dropped %d) tx %d (dropped %d)\n", s.B.RxFrames, s.B.RxDropped, s.B.TxFrames, s.B.TxDropped)
	return b.String()
}
