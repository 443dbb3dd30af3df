package main

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/tcpbox/tcpbox/nic/impair"
	"github.com/tcpbox/tcpbox/nic/memlink"
	"github.com/tcpbox/tcpbox/stack"
)

// Addresses of the in-memory runs (RFC 2544's benchmarking range).
var (
	memSender   = netip.MustParsePrefix("198.18.0.1/24")
	memReceiver = netip.MustParsePrefix("198.18.0.2/24")
)

const benchPort = 5001

// path is the emulated path of every run: a bottleneck of rate bits/s
// with a drop-tail queue of one bandwidth-delay product, delay each way,
// and random loss on the data direction only (so every drop counted is a
// data segment lost, and the ACKs come back clean).
type path struct {
	Rate  int64         // bits per second
	RTT   time.Duration // base round trip, half each way
	Loss  float64
	Queue int // bytes
	// Reorder holds back this share of data frames by impair's default
	// gap (1 ms, some four frames at 50 Mbit/s) so later ones overtake.
	Reorder float64 `json:",omitempty"`
}

func (p path) data() impair.Direction {
	return impair.Direction{Delay: p.RTT / 2, Rate: p.Rate, QueueBytes: p.Queue, Loss: p.Loss, Reorder: p.Reorder}
}

func (p path) ack() impair.Direction { return impair.Direction{Delay: p.RTT / 2} }

// bdp is the path's bandwidth-delay product in bytes.
func (p path) bdp() int { return int(p.Rate / 8 * int64(p.RTT) / int64(time.Second)) }

// runMemlink runs one tcpbox-to-tcpbox transfer with algorithm algo over
// a fresh pair of stacks joined by memlink through impair.
func runMemlink(algo string, p path, dur time.Duration, seed int64) result {
	r := result{Mode: "memlink", Sender: "tcpbox", Receiver: "tcpbox", Algo: algo, Loss: p.Loss}
	la, lb := memlink.New(memlink.Options{MTU: 1500,
		MACA: [6]byte{0x02, 0, 0, 0, 0, 1}, MACB: [6]byte{0x02, 0, 0, 0, 0, 2}, QueueLen: 4096})
	ia, err := impair.New(la, impair.Profile{TX: p.data(), RX: p.ack()}, seed)
	if err != nil {
		la.Close()
		lb.Close()
		r.Err = err.Error()
		return r
	}
	sa, err := stack.New(ia, stack.Options{Addr: memSender})
	if err != nil {
		ia.Close()
		lb.Close()
		r.Err = err.Error()
		return r
	}
	defer sa.Close()
	sb, err := stack.New(lb, stack.Options{Addr: memReceiver})
	if err != nil {
		lb.Close()
		r.Err = err.Error()
		return r
	}
	defer sb.Close()

	ln, err := sb.ListenTCP(netip.AddrPortFrom(memReceiver.Addr(), benchPort))
	if err != nil {
		r.Err = err.Error()
		return r
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	type accepted struct {
		c   *stack.TCPConn
		err error
	}
	acc := make(chan accepted, 1)
	go func() {
		c, err := ln.AcceptTCP()
		acc <- accepted{c, err}
	}()
	snd, err := sa.DialTCP(ctx, netip.AddrPortFrom(memReceiver.Addr(), benchPort), senderOptions(algo)...)
	if err != nil {
		ln.Close()
		<-acc
		r.Err = fmt.Sprintf("dial: %v", err)
		return r
	}
	defer snd.Close()
	a := <-acc
	if a.err != nil {
		r.Err = fmt.Sprintf("accept: %v", a.err)
		return r
	}
	defer a.c.Close()
	// Count only the transfer's drops: the handshake's are not data.
	before, _ := ia.Counters()
	var st senderStats
	tr := bulk(snd, a.c, dur, 60*time.Second, uint64(seed), func(final bool) {
		in := snd.TCPInfo()
		st.sample(in.SRTT)
		if final {
			st.Retrans = in.TotalRetrans
			st.MinRTT = in.MinRTT
			st.MSS = in.SndMSS
			st.CCName = in.Congestion
			st.Extra = fmt.Sprintf("fast %d rto %d dsack %d", in.FastRetrans, in.RTORetrans, in.DSACKDups)
		}
	})
	after, _ := ia.Counters()
	writeTrace(fmt.Sprintf("memlink-%s-%g", algo, p.Loss), snd.Trace(nil))
	r.fill(tr, st)
	r.Dropped = after.Dropped() - before.Dropped()
	r.DropQueue = after.DropQueue - before.DropQueue
	return r
}
