package stack

import (
	"fmt"
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp"
	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// TCPOption adjusts one dial or listener: it edits a private copy of the
// stack's tcp.Config, so every knob of tcp.Config is reachable and the
// stack-wide defaults never change.
type TCPOption func(*tcpOptions) error

type tcpOptions struct {
	cfg     tcp.Config
	backlog int
	name    string // listener name shown in tcp.Info.Listener
}

func (s *tcpStack) options(opts []TCPOption) (tcpOptions, error) {
	s.cfgMu.Lock()
	o := tcpOptions{cfg: s.cfg}
	s.cfgMu.Unlock()
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return o, err
		}
	}
	if err := o.cfg.Validate(); err != nil {
		return o, err
	}
	o.backlog = o.cfg.Backlog
	return o, nil
}

// WithConfig replaces the whole tcp.Config (later options still apply).
func WithConfig(cfg tcp.Config) TCPOption {
	return func(o *tcpOptions) error { o.cfg = cfg; return nil }
}

// WithCongestion selects the congestion-control algorithm by name.
func WithCongestion(name string) TCPOption {
	return func(o *tcpOptions) error {
		// Each connection needs its own algorithm: check the name now,
		// make one per connection later.
		if _, err := cc.New(name, cc.Options{}); err != nil {
			return fmt.Errorf("stack: %w", err)
		}
		iw := o.cfg.InitialCwnd
		o.cfg.Congestion = func() cc.Algorithm {
			a, _ := cc.New(name, cc.Options{InitialWindow: iw})
			return a
		}
		return nil
	}
}

// WithMSSClamp bounds the MSS we advertise and use (TCP_MAXSEG).
func WithMSSClamp(mss int) TCPOption {
	return func(o *tcpOptions) error { o.cfg.MSSClamp = mss; return nil }
}

// WithWindowClamp bounds the receive buffer, and so the window we
// advertise (TCP_WINDOW_CLAMP).
func WithWindowClamp(bytes int) TCPOption {
	return func(o *tcpOptions) error {
		if o.cfg.RecvBufMax > bytes {
			o.cfg.RecvBufMax = bytes
		}
		if o.cfg.RecvBuf > bytes {
			o.cfg.RecvBuf = bytes
		}
		if o.cfg.RecvBufMin > bytes {
			o.cfg.RecvBufMin = bytes
		}
		return nil
	}
}

// WithCork sends only full segments until uncorked (TCP_CORK).
func WithCork(on bool) TCPOption {
	return func(o *tcpOptions) error { o.cfg.Cork = on; return nil }
}

// WithNoDelay turns Nagle's algorithm off (TCP_NODELAY).
func WithNoDelay(on bool) TCPOption {
	return func(o *tcpOptions) error { o.cfg.NoDelay = on; return nil }
}

// WithBuffers sets the send and receive buffer sizes; 0 keeps a default
// (autotuned). A fixed size turns autotuning off for that buffer, as
// SO_SNDBUF and SO_RCVBUF do.
func WithBuffers(send, recv int) TCPOption {
	return func(o *tcpOptions) error {
		if send > 0 {
			o.cfg.SendBuf, o.cfg.SendBufMax = send, send
			o.cfg.SendBufMin = min(o.cfg.SendBufMin, send)
		}
		if recv > 0 {
			o.cfg.RecvBuf, o.cfg.RecvBufMin, o.cfg.RecvBufMax = recv, recv, recv
			o.cfg.Autotune = false
		}
		return nil
	}
}

// WithKeepAlive turns keepalive on with the given idle time (0 keeps the
// default).
func WithKeepAlive(idle time.Duration) TCPOption {
	return func(o *tcpOptions) error {
		o.cfg.KeepAlive = true
		if idle > 0 {
			o.cfg.KeepIdle = idle
		}
		return nil
	}
}

// WithBacklog bounds a listener's SYN queue and accept queue.
func WithBacklog(n int) TCPOption {
	return func(o *tcpOptions) error { o.cfg.Backlog = n; return nil }
}

// WithSynCookies sets when a listener answers with SYN cookies.
func WithSynCookies(m tcp.SynCookieMode) TCPOption {
	return func(o *tcpOptions) error { o.cfg.SynCookies = m; return nil }
}

// WithMSL sets the maximum segment lifetime; TIME-WAIT lasts twice it.
func WithMSL(d time.Duration) TCPOption {
	return func(o *tcpOptions) error { o.cfg.MSL = d; return nil }
}

// WithName names a listener for tcp.Info.Listener and the admin page.
func WithName(name string) TCPOption {
	return func(o *tcpOptions) error { o.name = name; return nil }
}

// WithWindowShift sets the window scale we offer (RFC 7323 §2.3); -1
// derives it from the largest receive buffer.
func WithWindowShift(shift int) TCPOption {
	return func(o *tcpOptions) error { o.cfg.WindowShift = shift; return nil }
}

// WithWindowScaling turns the window scale option on or off (RFC 7323).
func WithWindowScaling(on bool) TCPOption {
	return func(o *tcpOptions) error { o.cfg.WindowScaling = on; return nil }
}

// WithTimestamps turns the timestamps option on or off (RFC 7323).
func WithTimestamps(on bool) TCPOption {
	return func(o *tcpOptions) error { o.cfg.Timestamps = on; return nil }
}

// WithSACK turns SACK-permitted on or off (RFC 2018).
func WithSACK(on bool) TCPOption {
	return func(o *tcpOptions) error { o.cfg.SACK = on; return nil }
}
