package iperf3

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/tcpbox/tcpbox/services/frame"
)

// Port is iperf3's default port.
const Port = 5201

// CookieLen is COOKIE_SIZE (iperf.h): 36 characters and a NUL.
const CookieLen = 37

// State bytes of the control connection (iperf_api.h), one signed byte each.
const (
	TestStart       = 1
	TestRunning     = 2
	TestEnd         = 4
	ParamExchange   = 9
	CreateStreams   = 10
	ServerTerminate = 11
	ClientTerminate = 12
	ExchangeResults = 13
	DisplayResults  = 14
	IperfStart      = 15
	IperfDone       = 16
	AccessDenied    = -1
	ServerError     = -2
)

// iperf3 error numbers (iperf_api.h) sent after ServerError.
const (
	ieDuration      = 5
	ieNumStreams    = 6
	ieUDPBlockSize  = 20
	ieTotalRate     = 27
	ieRecvParams    = 114
	ieProtocol      = 131
	ieSetCongestion = 134
	ieStreamConnect = 203
)

// Limits of the protocol.
const (
	maxParamsJSON  = 8 * 1024 // MAX_PARAMS_JSON_STRING (iperf.h)
	maxResultsJSON = 1 << 20  // client results: streams x ~200 bytes, generous
	MaxStreams     = 128      // MAX_STREAMS (iperf.h)
	maxBlockTCP    = 1 << 20  // MAX_TCP_BUFFER (iperf.h) is 512 MiB; we cap lower to bound memory
	maxBlockUDP    = 65507    // MAX_UDP_BLOCKSIZE
	defaultTCPLen  = 128 << 10
	defaultUDPLen  = 1460
)

// UDP stream setup datagrams (iperf_udp.c): the client sends "9876", the
// server answers "6789".
var (
	udpConnectMsg   = []byte("9876")
	udpConnectReply = []byte("6789")
)

// Params is the client's parameter JSON (send_parameters in iperf_api.c),
// as the server uses it. Unknown keys are ignored, as iperf3's own server
// does.
type Params struct {
	TCP, UDP         bool
	Omit, Time       int // seconds
	Num, BlockCount  uint64
	MSS              int
	NoDelay          bool
	Parallel         int
	Reverse          bool
	Bidirectional    bool
	Window           int
	Len              int
	Bandwidth        uint64 // bits per second; 0 is unlimited
	Congestion       string
	GetServerOutput  bool
	UDPCounters64Bit bool
	ClientVersion    string
}

// wireParams is the JSON as sent. cJSON writes every number as a double
// (and large ones in exponent form), so numbers are decoded as float64 and
// range-checked when converted.
type wireParams struct {
	TCP              bool    `json:"tcp"`
	UDP              bool    `json:"udp"`
	SCTP             bool    `json:"sctp"`
	MPTCP            bool    `json:"mptcp"`
	Omit             float64 `json:"omit"`
	Time             float64 `json:"time"`
	Num              float64 `json:"num"`
	BlockCount       float64 `json:"blockcount"`
	MSS              float64 `json:"MSS"`
	NoDelay          bool    `json:"nodelay"`
	Parallel         float64 `json:"parallel"`
	Reverse          bool    `json:"reverse"`
	Bidirectional    bool    `json:"bidirectional"`
	Window           float64 `json:"window"`
	Len              float64 `json:"len"`
	Bandwidth        float64 `json:"bandwidth"`
	Congestion       string  `json:"congestion"`
	GetServerOutput  float64 `json:"get_server_output"`
	UDPCounters64Bit float64 `json:"udp_counters_64bit"`
	AuthToken        string  `json:"authtoken"`
	ClientVersion    string  `json:"client_version"`
}

// Errors of parameter parsing.
var (
	ErrParams = errors.New("iperf3: bad parameters")
)

// ParseParams decodes and validates a parameter JSON message. Every
// problem is an error wrapping ErrParams with the iperf3 error number the
// server reports for it.
func ParseParams(b []byte) (*Params, int, error) {
	var w wireParams
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, ieRecvParams, fmt.Errorf("%w: %v", ErrParams, err)
	}
	bad := func(code int, format string, a ...any) (*Params, int, error) {
		return nil, code, fmt.Errorf("%w: "+format, append([]any{ErrParams}, a...)...)
	}
	in := func(v, lo, hi float64) bool { return v >= lo && v <= hi && v == math.Trunc(v) }
	switch {
	case w.SCTP || w.MPTCP:
		return bad(ieProtocol, "only tcp and udp are served")
	case w.TCP == w.UDP:
		return bad(ieProtocol, "exactly one of tcp and udp must be set")
	case !in(w.Parallel, 0, MaxStreams):
		return bad(ieNumStreams, "parallel %v outside 1..%d", w.Parallel, MaxStreams)
	case !in(w.Time, 0, 86400) || !in(w.Omit, 0, 600):
		return bad(ieDuration, "time %v or omit %v out of range", w.Time, w.Omit)
	case !in(w.Len, 0, maxBlockTCP) || (w.UDP && w.Len > maxBlockUDP):
		return bad(ieUDPBlockSize, "block length %v", w.Len)
	case w.UDP && w.Len != 0 && w.Len < 16:
		// sec + usec + a 64-bit counter must fit (iperf_udp.c).
		return bad(ieUDPBlockSize, "udp block length %v < 16", w.Len)
	case !in(w.MSS, 0, 9216) || !in(w.Window, 0, 1<<30):
		return bad(ieRecvParams, "MSS %v or window %v out of range", w.MSS, w.Window)
	case !in(w.Num, 0, 1<<62) || !in(w.BlockCount, 0, 1<<62) || !(w.Bandwidth >= 0 && w.Bandwidth < 1<<62):
		return bad(ieRecvParams, "num, blockcount or bandwidth out of range")
	case len(w.Congestion) > 16:
		return bad(ieSetCongestion, "congestion name too long")
	case w.AuthToken != "":
		return bad(ieRecvParams, "authentication is not supported")
	}
	p := &Params{
		TCP: w.TCP, UDP: w.UDP,
		Omit: int(w.Omit), Time: int(w.Time),
		Num: uint64(w.Num), BlockCount: uint64(w.BlockCount),
		MSS: int(w.MSS), NoDelay: w.NoDelay,
		Parallel: int(w.Parallel), Reverse: w.Reverse, Bidirectional: w.Bidirectional,
		Window: int(w.Window), Len: int(w.Len), Bandwidth: uint64(w.Bandwidth),
		Congestion: w.Congestion, GetServerOutput: w.GetServerOutput != 0,
		UDPCounters64Bit: w.UDPCounters64Bit != 0, ClientVersion: w.ClientVersion,
	}
	if p.Parallel == 0 {
		p.Parallel = 1
	}
	if p.Len == 0 {
		p.Len = defaultTCPLen
		if p.UDP {
			p.Len = defaultUDPLen
		}
	}
	return p, 0, nil
}

// Streams returns the number of data streams the client will open and how
// many of them (the first ones) carry data from client to server
// (iperf_server_api.c: in bidirectional mode the first P streams are the
// server's receivers).
func (p *Params) Streams() (total, toServer int) {
	switch {
	case p.Bidirectional:
		return 2 * p.Parallel, p.Parallel
	case p.Reverse:
		return p.Parallel, 0
	}
	return p.Parallel, p.Parallel
}

// readJSON reads one length-prefixed JSON message (JSON_read in
// iperf_util.c), at most max bytes.
func readJSON(r io.Reader, max int, v any) error {
	b, err := frame.Read(r, nil, max)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// writeJSON writes v as one length-prefixed JSON message.
func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return frame.Write(w, b)
}

// StreamResult is one stream in the results exchange (send_results).
type StreamResult struct {
	ID             int     `json:"id"`
	Bytes          uint64  `json:"bytes"`
	Retransmits    int64   `json:"retransmits"`
	Jitter         float64 `json:"jitter"`
	Errors         int64   `json:"errors"`
	OmittedErrors  int64   `json:"omitted_errors"`
	Packets        uint64  `json:"packets"`
	OmittedPackets uint64  `json:"omitted_packets"`
	StartTime      float64 `json:"start_time"`
	EndTime        float64 `json:"end_time"`
}

// Results is one side's results message (send_results/get_results).
type Results struct {
	CPUUtilTotal         float64        `json:"cpu_util_total"`
	CPUUtilUser          float64        `json:"cpu_util_user"`
	CPUUtilSystem        float64        `json:"cpu_util_system"`
	SenderHasRetransmits int            `json:"sender_has_retransmits"`
	CongestionUsed       string         `json:"congestion_used,omitempty"`
	ServerOutputText     string         `json:"server_output_text,omitempty"`
	Streams              []StreamResult `json:"streams"`
}

// PeerResults is the client's results message as the server reads it.
// cJSON writes every number as a double, and some clients write -1 as an
// unsigned 64-bit integer, so numbers are float64 here.
type PeerResults struct {
	CPUUtilTotal         float64 `json:"cpu_util_total"`
	SenderHasRetransmits float64 `json:"sender_has_retransmits"`
	CongestionUsed       string  `json:"congestion_used"`
	Streams              []struct {
		ID      float64 `json:"id"`
		Bytes   float64 `json:"bytes"`
		Packets float64 `json:"packets"`
	} `json:"streams"`
}

// ParseResults decodes a results message and checks the fields iperf3's
// get_results requires (iperf_api.c).
func ParseResults(b []byte) (*PeerResults, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("iperf3: results: %w", err)
	}
	for _, k := range []string{"cpu_util_total", "cpu_util_user", "cpu_util_system", "sender_has_retransmits", "streams"} {
		if _, ok := raw[k]; !ok {
			return nil, fmt.Errorf("iperf3: results: missing %q", k)
		}
	}
	var r PeerResults
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("iperf3: results: %w", err)
	}
	if len(r.Streams) > 2*MaxStreams {
		return nil, fmt.Errorf("iperf3: results: %d streams", len(r.Streams))
	}
	return &r, nil
}
