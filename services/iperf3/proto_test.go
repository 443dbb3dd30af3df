package iperf3

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/services/frame"
	"github.com/tcpbox/tcpbox/services/internal/svctest"
)

// The parameter JSON of Debian's iperf3 3.12 for `-c ... -t 2 -R -P 2 -J`.
const params312 = `{"tcp":true,"omit":0,"time":2,"num":0,"blockcount":0,"parallel":2,"reverse":true,"len":131072,"pacing_timer":1000,"client_version":"3.12"}`

func TestParseParams(t *testing.T) {
	p, _, err := ParseParams([]byte(params312))
	if err != nil {
		t.Fatal(err)
	}
	if !p.TCP || p.Time != 2 || p.Parallel != 2 || !p.Reverse || p.Len != 131072 {
		t.Fatalf("%+v", p)
	}
	if total, in := p.Streams(); total != 2 || in != 0 {
		t.Fatalf("Streams = %d, %d", total, in)
	}
	p, _, err = ParseParams([]byte(`{"udp":true,"bandwidth":1e+08,"parallel":3,"bidirectional":true,"udp_counters_64bit":1}`))
	if err != nil || p.Bandwidth != 100_000_000 || p.Len != defaultUDPLen || !p.UDPCounters64Bit {
		t.Fatalf("%+v %v", p, err)
	}
	if total, in := p.Streams(); total != 6 || in != 3 {
		t.Fatalf("bidir Streams = %d, %d", total, in)
	}
	for _, bad := range []string{
		``, `[]`, `{"tcp":true,"udp":true}`, `{}`, `{"tcp":true,"parallel":129}`,
		`{"tcp":true,"parallel":-1}`, `{"tcp":true,"time":1.5}`, `{"udp":true,"len":8}`,
		`{"tcp":true,"len":1e12}`, `{"sctp":true}`, `{"tcp":true,"authtoken":"x"}`,
		`{"tcp":"yes"}`, `{"tcp":true,"bandwidth":-1}`,
	} {
		if _, code, err := ParseParams([]byte(bad)); !errors.Is(err, ErrParams) || code == 0 {
			t.Errorf("ParseParams(%s) = %v, code %d; want ErrParams", bad, err, code)
		}
	}
}

func TestParseResultsNeedsFields(t *testing.T) {
	ok := `{"cpu_util_total":1,"cpu_util_user":1,"cpu_util_system":0,"sender_has_retransmits":18446744073709551615,"streams":[{"id":1,"bytes":10}]}`
	if _, err := ParseResults([]byte(ok)); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseResults([]byte(`{"cpu_util_total":1,"streams":[]}`)); err == nil {
		t.Fatal("results without cpu_util_user accepted")
	}
}

func FuzzParseParams(f *testing.F) {
	f.Add([]byte(params312))
	f.Add([]byte(`{"udp":true,"bandwidth":1e+08,"len":1460,"udp_counters_64bit":1}`))
	f.Add([]byte(`{"tcp":true,"MSS":1200,"window":262144,"nodelay":true,"congestion":"reno"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, code, err := ParseParams(b)
		if err != nil {
			if code == 0 {
				t.Fatal("error without an iperf3 error number")
			}
			return
		}
		total, in := p.Streams()
		if total < 1 || total > 2*MaxStreams || in < 0 || in > total || p.Len <= 0 || p.Len > maxBlockTCP {
			t.Fatalf("accepted out-of-range params %+v", p)
		}
	})
}

// FuzzControl feeds arbitrary bytes to the control connection after the
// cookie: the server must answer or close, never hang or panic.
func FuzzControl(f *testing.F) {
	f.Add(frame.AppendHeader(nil, len(params312)))
	f.Add(append(frame.AppendHeader(nil, len(params312)), params312...))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	s := &Server{SetupTimeout: time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln, nil) }()
	f.Cleanup(func() { cancel(); <-done })
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(20 * time.Second))
		c.Write(bytes.Repeat([]byte{'a'}, CookieLen))
		c.Write(b)
		c.(*net.TCPConn).CloseWrite()
		if _, err := io.ReadAll(c); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatal("server hung on garbage")
			}
		}
	})
}

// The receiver's accounting of iperf_udp_recv: gaps are loss, late
// arrivals are out of order and no longer lost, jitter follows RFC 1889.
func TestUDPReceiveAccounting(t *testing.T) {
	ss := &session{s: &Server{}, p: &Params{UDP: true}}
	st := &stream{sess: ss}
	st.running.Store(true)
	base := time.Unix(1_700_000_000, 0)
	dgram := func(seq uint32, sent time.Time) []byte {
		b := make([]byte, 100)
		binary.BigEndian.PutUint32(b[0:], uint32(sent.Unix()))
		binary.BigEndian.PutUint32(b[4:], uint32(sent.Nanosecond()/1000))
		binary.BigEndian.PutUint32(b[8:], seq)
		return b
	}
	// seq 1, 2, 5 (3 and 4 missing), 3 (late), 6; transit 10 ms except
	// seq 5 which took 14 ms.
	for _, d := range []struct {
		seq     uint32
		transit time.Duration
	}{{1, 10}, {2, 10}, {5, 14}, {3, 10}, {6, 10}} {
		sent := base.Add(time.Duration(d.seq) * time.Millisecond)
		st.receive(dgram(d.seq, sent), sent.Add(d.transit*time.Millisecond))
	}
	if st.packetCount != 6 || st.cntError != 1 || st.outOfOrder != 1 {
		t.Fatalf("packets %d lost %d ooo %d; want 6 1 1", st.packetCount, st.cntError, st.outOfOrder)
	}
	// D: 0, 0, 4ms, 4ms, 0 -> J = 0,0,0.25,0.484375,0.45410156 (ms)
	want := 0.45410156e-3
	if d := st.jitter - want; d > 1e-9 || d < -1e-9 {
		t.Fatalf("jitter %.9f, want %.9f", st.jitter, want)
	}
	st.receive([]byte{1, 2, 3}, base) // short: counted, ignored
	if st.bytes.Load() != 500 || ss.s.Stats.Snapshot().Errors["udp_short"] != 1 {
		t.Fatalf("bytes %d errors %v", st.bytes.Load(), ss.s.Stats.Snapshot().Errors)
	}
}

// A client that sends garbage gets an error reply and is counted, while a
// good client's test still completes.
func TestGarbageClientAndGoodClient(t *testing.T) {
	needIperf3(t)
	s := &Server{}
	port := startServer(t, s)
	c := svctest.Dial(t, "tcp", net.JoinHostPort("127.0.0.1", itoa(port)))
	c.Write(bytes.Repeat([]byte{'z'}, CookieLen))
	var st [1]byte
	if _, err := io.ReadFull(c, st[:]); err != nil || st[0] != ParamExchange {
		t.Fatalf("state %v %v", st, err)
	}
	frame.Write(c, []byte(`{"tcp":true,"udp":true}`)) // both: invalid
	var reply [9]byte
	if _, err := io.ReadFull(c, reply[:]); err != nil || int8(reply[0]) != ServerError || binary.BigEndian.Uint32(reply[1:]) != ieProtocol {
		t.Fatalf("reply % x, %v; want SERVER_ERROR IEPROTOCOL", reply, err)
	}
	r := runClient(t, port)
	if r.End.SumReceived.Bytes <= 0 {
		t.Fatal("good client got nothing")
	}
	if s.Stats.Snapshot().Errors[ReasonParams] != 1 {
		t.Fatalf("errors %v", s.Stats.Snapshot().Errors)
	}
}

// A client that floods the control connection with state bytes while its
// streams are due is dropped and counted; the server does not stall.
func TestControlFlood(t *testing.T) {
	s := &Server{}
	port := startServer(t, s)
	c := svctest.Dial(t, "tcp", net.JoinHostPort("127.0.0.1", itoa(port)))
	c.Write(bytes.Repeat([]byte{'f'}, CookieLen))
	var st [1]byte
	io.ReadFull(c, st[:])
	frame.Write(c, []byte(`{"tcp":true,"time":1,"parallel":2}`))
	if _, err := io.ReadFull(c, st[:]); err != nil || st[0] != CreateStreams {
		t.Fatalf("state %v %v", st, err)
	}
	c.Write(bytes.Repeat([]byte{5}, 1000))
	if _, err := io.ReadAll(c); err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("server did not drop the flooding client")
		}
	}
	if s.Stats.Snapshot().Errors[ReasonProtocol] != 1 {
		t.Fatalf("errors %v", s.Stats.Snapshot().Errors)
	}
}
