package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"time"
)

// halfCloser is a connection whose sending half can be closed alone
// (net.TCPConn and stack.TCPConn both are).
type halfCloser interface {
	net.Conn
	CloseWrite() error
}

// senderStats is what the sending stack says about a transfer: read from
// tcp.Info for tcpbox and from TCP_INFO for the kernel.
type senderStats struct {
	Retrans  uint64        // segments retransmitted (tcp_info total_retrans)
	SRTT     time.Duration // mean of the SRTT samples taken during the transfer
	MinRTT   time.Duration
	MSS      int
	CCName   string
	Extra    string // anything else worth a look (ca_state, ...)
	samples  int
	srttSum  time.Duration
	lastSRTT time.Duration
}

// sample adds one SRTT reading to the running mean.
func (s *senderStats) sample(srtt time.Duration) {
	if srtt <= 0 {
		return
	}
	s.samples++
	s.srttSum += srtt
	s.lastSRTT = srtt
	s.SRTT = s.srttSum / time.Duration(s.samples)
}

// transferResult is one bulk transfer as the receiver saw it.
type transferResult struct {
	Bytes   int64
	Elapsed time.Duration // from the sender's first write to the receiver's EOF
	Intact  bool          // SHA-256 of what was read equals that of what was written
	Err     string        `json:",omitempty"`
}

// Goodput in bits per second.
func (r transferResult) Goodput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Bytes) * 8 / r.Elapsed.Seconds()
}

// pattern is the transfer's payload: a seeded ChaCha8 stream, so the data
// is incompressible and any corruption shows in the hash.
type pattern struct {
	rng *rand.ChaCha8
}

func newPattern(seed uint64) *pattern {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	return &pattern{rng: rand.NewChaCha8(s)}
}

func (p *pattern) fill(b []byte) { p.rng.Read(b) }

// bulk sends for dur on snd and reads everything on rcv, hashing both
// sides. poll, if set, is called every 100 ms while data flows (to sample
// the sender's SRTT) and once after the receiver's EOF, with the sender
// still open (for the final counters). The whole transfer is bounded by
// dur plus limit; past it both connections are closed and the result
// carries the error.
func bulk(snd, rcv halfCloser, dur, limit time.Duration, seed uint64, poll func(final bool)) transferResult {
	type readResult struct {
		n   int64
		sum []byte
		at  time.Time
		err error
	}
	deadline := time.Now().Add(dur + limit)
	snd.SetDeadline(deadline)
	rcv.SetDeadline(deadline)
	rdone := make(chan readResult, 1)
	go func() {
		h := sha256.New()
		n, err := io.Copy(h, rcv)
		rdone <- readResult{n: n, sum: h.Sum(nil), at: time.Now(), err: err}
	}()
	wdone := make(chan error, 1)
	wsum := make(chan []byte, 1)
	start := time.Now()
	stop := start.Add(dur)
	go func() {
		h := sha256.New()
		p := newPattern(seed)
		buf := make([]byte, 64<<10)
		var err error
		for time.Now().Before(stop) {
			p.fill(buf)
			h.Write(buf)
			if _, err = snd.Write(buf); err != nil {
				break
			}
		}
		if err == nil {
			err = snd.CloseWrite()
		}
		wsum <- h.Sum(nil)
		wdone <- err
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var rr readResult
wait:
	for {
		select {
		case rr = <-rdone:
			break wait
		case <-tick.C:
			if poll != nil {
				poll(false)
			}
		}
	}
	werr := <-wdone
	sent := <-wsum
	if poll != nil {
		poll(true)
	}
	res := transferResult{Bytes: rr.n, Elapsed: rr.at.Sub(start)}
	switch {
	case werr != nil:
		res.Err = fmt.Sprintf("send: %v", werr)
	case rr.err != nil:
		res.Err = fmt.Sprintf("receive: %v", rr.err)
	}
	res.Intact = res.Err == "" && string(sent) == string(rr.sum)
	if res.Err == "" && !res.Intact {
		res.Err = "SHA-256 mismatch"
	}
	return res
}
