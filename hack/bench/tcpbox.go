package main

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tcpbox/tcpbox/nic/afpacket"
	"github.com/tcpbox/tcpbox/stack"
)

// startTCPBox runs tcpbox's own stack on an AF_PACKET link bound to iface,
// as the appliance does; rx selects afpacket's receive path (rxMode), busy
// the link's busy-poll time (the appliance's default unless -busypoll);
// so carries the comparison knobs (CopyReceive, CopySend, NoGRO).
func startTCPBox(iface, cidr, rx string, busy time.Duration, so stack.Options) (listenFunc, func() serverStats, func()) {
	o := afpacket.Options{BusyPoll: busy}
	if slots, ok := strings.CutPrefix(rx, "v2:"); ok {
		// v2:N is the frame ring with N slots.
		n, err := strconv.Atoi(slots)
		if err != nil || n <= 0 {
			fatalf("tcpbox: bad -rx %q", rx)
		}
		rx, o.FrameRingSlots = "v2", n
	}
	switch rx {
	case "v3":
		o.Ring = true
	case "recvmmsg":
		o.Recvmmsg = true
	case "v2", "":
	default:
		fatalf("tcpbox: unknown -rx %q", rx)
	}
	link, err := afpacket.Open(iface, o)
	if err != nil {
		fatalf("tcpbox: %v", err)
	}
	so.Addr = netip.MustParsePrefix(cidr)
	so.TxBusyPoll = busy // as the appliance does (link.busy_poll)
	s, err := stack.New(link, so)
	if err != nil {
		fatalf("tcpbox: %v", err)
	}
	addr := netip.MustParsePrefix(cidr).Addr()
	listen := func(port int) (net.Listener, error) {
		return s.ListenTCP(netip.AddrPortFrom(addr, uint16(port)))
	}
	stats := func() serverStats {
		st := link.Stats()
		ss := s.Stats()
		return serverStats{Kind: "tcpbox", RxDropped: st.RxDropped, Note: fmt.Sprintf("link %+v; stack: %d lent, %d coalesced, %d ACK batches handed off (%d found by polling); mean wait in the ring %v, %d of %d batches over 100 us", st, ss.RxLent, ss.RxCoalesced, ss.TxHandoffs, ss.TxBusyPolled,
			time.Duration(st.RxWaitMicros/max(st.RxWaitBatches, 1))*time.Microsecond, st.RxWaitOver100us, st.RxWaitBatches)}
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		if os.Getenv("BENCH_TCPINFO") != "" {
			every(500*time.Millisecond, stop, func() { printServerTCPInfo(s) })
		}
	}()
	return listen, stats, func() {
		close(stop)
		<-done
		s.Close()
	}
}

// printServerTCPInfo prints to stderr the tcp_info of tcpbox's bulk
// connections (BENCH_TCPINFO=1, every 500 ms): in a download tcpbox is
// the sender, and its own figures say what held it back (the client's
// tcp_info then describes only the receiver).
func printServerTCPInfo(s *stack.Stack) {
	for _, ci := range s.TCPConnections() {
		if p := ci.Local.Port(); p != portSink && p != portSource {
			continue
		}
		fmt.Fprintf(os.Stderr, "bench: tcpbox tcp_info %v: cwnd %d B, unacked %d, notsent %d B, sndbuf %d B, srtt %v, busy %v, rwnd-limited %v, sndbuf-limited %v, retrans %d\n",
			ci.Remote, ci.Cwnd, ci.Unacked, ci.NotSentBytes, ci.SndBuf, ci.SRTT, ci.BusyTime, ci.RwndLimited, ci.SndBufLimited, ci.TotalRetrans)
	}
}

// rxMode is serve's -rx, with the older -ring meaning v3.
func rxMode(rx string, ring bool) string {
	if ring && rx == "" {
		return "v3"
	}
	return rx
}
