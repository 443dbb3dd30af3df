package latency

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/tcpbox/tcpbox/services/cliargs"
	"github.com/tcpbox/tcpbox/services/frame"
)

// DefaultPort is the framed echo port.
const DefaultPort = 50000

// Options of a run.
type Options struct {
	Size     int           // request payload bytes
	Count    int           // transactions; 0: until Duration
	Duration time.Duration // upper bound on the run
	Timeout  time.Duration // per transaction
}

// Report is the outcome of a run.
type Report struct {
	Test         string             `json:"test"`
	Target       string             `json:"target"`
	Size         int                `json:"size"`
	Transactions uint64             `json:"transactions"`
	Seconds      float64            `json:"seconds"`
	Rate         float64            `json:"transactions_per_second"`
	LatencyUS    map[string]float64 `json:"latency_us"`
	Connect      map[string]float64 `json:"connect_us,omitempty"`
	Histogram    []Bin              `json:"histogram"`
}

func us(d time.Duration) float64 { return float64(d) / 1e3 }

func summary(h *Hist) map[string]float64 {
	return map[string]float64{
		"min": us(h.Min()), "p50": us(h.Quantile(0.50)), "p90": us(h.Quantile(0.90)),
		"p99": us(h.Quantile(0.99)), "p99.9": us(h.Quantile(0.999)), "max": us(h.Max()), "mean": us(h.Mean()),
	}
}

// ErrEcho is returned when the server's answer is not the request echoed.
var ErrEcho = errors.New("latency: reply is not the request echoed")

// transact sends one framed request and checks the framed reply.
func transact(c net.Conn, req, reply []byte, timeout time.Duration) error {
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write(req); err != nil {
		return err
	}
	if _, err := io.ReadFull(c, reply); err != nil {
		return err
	}
	if !bytes.Equal(req, reply) {
		return ErrEcho
	}
	return nil
}

func request(size int) []byte {
	req := frame.AppendHeader(make([]byte, 0, frame.HeaderLen+size), size)
	for i := 0; i < size; i++ {
		req = append(req, byte('a'+i%26))
	}
	return req
}

// RR runs back-to-back transactions on one connection.
func RR(ctx context.Context, addr string, o Options) (*Report, *Hist, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	req := request(o.Size)
	reply := make([]byte, len(req))
	h := &Hist{}
	start := time.Now()
	end := start.Add(o.Duration)
	for (o.Count == 0 || h.Count() < uint64(o.Count)) && ctx.Err() == nil {
		t0 := time.Now()
		if !t0.Before(end) {
			break
		}
		if err := transact(c, req, reply, o.Timeout); err != nil {
			return nil, nil, fmt.Errorf("transaction %d: %w", h.Count()+1, err)
		}
		h.Add(time.Since(t0))
	}
	return report("rr", addr, o, h, time.Since(start)), h, nil
}

// CRR runs transactions each on a new connection: connect, request,
// response, close. Latency is the whole transaction; connect time is
// reported apart.
func CRR(ctx context.Context, addr string, o Options) (*Report, *Hist, error) {
	req := request(o.Size)
	reply := make([]byte, len(req))
	h, hc := &Hist{}, &Hist{}
	start := time.Now()
	end := start.Add(o.Duration)
	d := net.Dialer{Timeout: o.Timeout}
	for (o.Count == 0 || h.Count() < uint64(o.Count)) && ctx.Err() == nil {
		t0 := time.Now()
		if !t0.Before(end) {
			break
		}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("transaction %d: %w", h.Count()+1, err)
		}
		hc.Add(time.Since(t0))
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetNoDelay(true)
		}
		err = transact(c, req, reply, o.Timeout)
		c.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("transaction %d: %w", h.Count()+1, err)
		}
		h.Add(time.Since(t0))
	}
	r := report("crr", addr, o, h, time.Since(start))
	r.Connect = summary(hc)
	return r, h, nil
}

func report(test, addr string, o Options, h *Hist, el time.Duration) *Report {
	r := &Report{Test: test, Target: addr, Size: o.Size, Transactions: h.Count(), Seconds: el.Seconds()}
	if el > 0 {
		r.Rate = float64(h.Count()) / el.Seconds()
	}
	r.LatencyUS = summary(h)
	r.Histogram = h.Bins()
	return r
}

// Text writes the report for people.
func (r *Report) Text(w io.Writer) {
	fmt.Fprintf(w, "%s %s: %d transactions of %d bytes in %.2fs, %.1f/s\n", r.Test, r.Target, r.Transactions, r.Size, r.Seconds, r.Rate)
	l := r.LatencyUS
	fmt.Fprintf(w, "latency µs: min %.1f  p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  mean %.1f\n",
		l["min"], l["p50"], l["p90"], l["p99"], l["p99.9"], l["max"], l["mean"])
	if c := r.Connect; c != nil {
		fmt.Fprintf(w, "connect µs: min %.1f  p50 %.1f  p99 %.1f  max %.1f\n", c["min"], c["p50"], c["p99"], c["max"])
	}
	var most uint64
	for _, b := range r.Histogram {
		most = max(most, b.Count)
	}
	for _, b := range r.Histogram {
		bar := 0
		if most > 0 {
			bar = int(b.Count * 50 / most)
		}
		fmt.Fprintf(w, "  < %10s %10d %s\n", fmtUS(b.LeUS), b.Count, strings.Repeat("#", bar))
	}
}

func fmtUS(v float64) string {
	switch {
	case v > 1e15:
		return "inf"
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'g', 3, 64) + "s"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'g', 3, 64) + "ms"
	}
	return strconv.FormatFloat(v, 'g', 3, 64) + "µs"
}

func hostPort(hp string) string {
	if _, _, err := net.SplitHostPort(hp); err == nil {
		return hp
	}
	return net.JoinHostPort(hp, strconv.Itoa(DefaultPort))
}

type runner func(context.Context, string, Options) (*Report, *Hist, error)

func main(name string, run runner, args []string, stdout, stderr io.Writer) int {
	var (
		s       cliargs.Set
		o       Options
		jsonOut bool
	)
	s.Int(&o.Size, "size", 1, "request (and response) payload bytes")
	s.Int(&o.Count, "count", 0, "transactions (0: until -duration)")
	s.Duration(&o.Duration, "duration", 10*time.Second, "longest run")
	s.Duration(&o.Timeout, "timeout", 5*time.Second, "per transaction")
	s.Bool(&jsonOut, "json", false, "print JSON")
	rest, err := s.Parse(args)
	if err == nil && (len(rest) != 1 || o.Size < 0 || o.Size > frame.DefaultMax || o.Count < 0 || o.Duration <= 0 || o.Timeout <= 0) {
		err = errors.New("need one HOST[:PORT], size 0..16MiB, count >= 0, positive durations")
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\nusage: tcpbox %s [options] HOST[:PORT]\n%s", name, err, name, s.Usage())
		return 2
	}
	r, _, err := run(context.Background(), hostPort(rest[0]), o)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	if jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(r)
		return 0
	}
	r.Text(stdout)
	return 0
}

// RRMain is `tcpbox rr [options] HOST[:PORT]`.
func RRMain(args []string, stdout, stderr io.Writer) int {
	return main("rr", RR, args, stdout, stderr)
}

// CRRMain is `tcpbox crr [options] HOST[:PORT]`.
func CRRMain(args []string, stdout, stderr io.Writer) int {
	return main("crr", CRR, args, stdout, stderr)
}
