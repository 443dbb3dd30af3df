package appliance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/tcpbox/tcpbox/appliance/iperftcp"
	"github.com/tcpbox/tcpbox/config"
	"github.com/tcpbox/tcpbox/services/chargen"
	"github.com/tcpbox/tcpbox/services/discard"
	"github.com/tcpbox/tcpbox/services/echo"
	"github.com/tcpbox/tcpbox/services/filehttp"
	"github.com/tcpbox/tcpbox/services/fileproto"
	"github.com/tcpbox/tcpbox/services/framed"
	"github.com/tcpbox/tcpbox/services/iperf3"
	"github.com/tcpbox/tcpbox/services/store"
	"github.com/tcpbox/tcpbox/services/svc"
	"github.com/tcpbox/tcpbox/stack"
	"github.com/tcpbox/tcpbox/stack/udp"
)

// serviceNames lists the services in the order they start and are shown.
var serviceNames = []string{"tcp_echo", "udp_echo", "discard", "chargen", "framed_echo", "framed_file", "http_file", "iperf3"}

// udpChargenRate bounds UDP chargen answers per second: a spoofed source
// must not turn it into an amplifier (RFC 864 leaves this to the host).
const udpChargenRate = 1000

// services runs the test services on one stack. Its methods are called by
// Run and by the admin page's Apply, serialized by mu.
type services struct {
	ctx      context.Context // the program's: ends every service
	log      *slog.Logger
	st       *stack.Stack
	filesDir string

	mu  sync.Mutex
	run map[string]*running
	cfg config.Config // what the running services were started with
	// files is the one store of filesDir that both file services use
	// (each through a view with its own quota), so they share its
	// account of bytes held; opened by the first file service started,
	// closed by stopAll.
	files *store.Store
	// counters keeps what stopped runs of each service counted; the box
	// owns it, so it outlives this instance too.
	counters *serviceCounters
}

// running is one started service.
type running struct {
	name    string
	proto   string // tcp, udp, tcp+udp
	port    int
	profile string
	swap    *swapListener // TCP services
	closers []func()      // listeners and sockets to close at stop
	cancel  context.CancelFunc
	done    chan struct{}
	stats   []*svc.Stats // counters (one per protocol)
}

func newServices(ctx context.Context, log *slog.Logger, st *stack.Stack, filesDir string, counters *serviceCounters) *services {
	return &services{ctx: ctx, log: log, st: st, filesDir: filesDir, run: map[string]*running{}, counters: counters}
}

// portErr turns a listen error into the field error the admin page shows
// beside the port.
func portErr(name string, port int, proto string, err error) error {
	// The stack's UDP says udp.ErrInUse rather than EADDRINUSE.
	if errors.Is(err, syscall.EADDRINUSE) || errors.Is(err, udp.ErrInUse) {
		return &config.FieldError{Path: "services." + name + ".port", Msg: fmt.Sprintf("port %d/%s is in use", port, proto)}
	}
	return fmt.Errorf("%s: listen %s %d: %w", name, proto, port, err)
}

// limits are a service's connection limits for svc.
func limits(s *config.Service) svc.Limits {
	return svc.Limits{MaxConns: s.MaxConns, MaxConnsPerAddr: s.PerClientMax, IdleTimeout: s.IdleTimeout.D()}
}

func (ss *services) listenTCP(c *config.Config, name string, s *config.Service) (*stack.TCPListener, error) {
	opts, err := tcpOptions(ss.st.TCPConfig(), c, s.Profile, name, linkMTU(c, ss.st))
	if err != nil {
		return nil, &config.FieldError{Path: "services." + name + ".profile", Msg: err.Error()}
	}
	if name == "iperf3" {
		p, _ := profileOf(c, s.Profile) // tcpOptions checked it
		opts = append(opts, iperfWindowScale(&p)...)
	}
	ln, err := ss.st.ListenTCP(netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(s.Port)), opts...)
	if err != nil {
		return nil, portErr(name, s.Port, "tcp", err)
	}
	return ln, nil
}

func (ss *services) listenUDP(name string, port int) (*stack.UDPConn, error) {
	pc, err := ss.st.ListenUDP(netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(port)))
	if err != nil {
		return nil, portErr(name, port, "udp", err)
	}
	return pc, nil
}

// start starts one service as c says (nothing if it is disabled).
func (ss *services) start(c *config.Config, name string) (err error) {
	s := c.ServiceMap()[name]
	if s == nil || !s.Enabled {
		return nil
	}
	r := &running{name: name, port: s.Port, profile: s.Profile, done: make(chan struct{})}
	defer func() {
		if err != nil {
			for _, f := range r.closers {
				f()
			}
		}
	}()
	tcpLn := func() (net.Listener, error) {
		ln, err := ss.listenTCP(c, name, s)
		if err != nil {
			return nil, err
		}
		r.swap = newSwapListener(ln)
		r.closers = append(r.closers, func() { r.swap.Close() })
		return r.swap, nil
	}
	udpPC := func() (*stack.UDPConn, error) {
		pc, err := ss.listenUDP(name, s.Port)
		if err != nil {
			return nil, err
		}
		r.closers = append(r.closers, func() { pc.Close() })
		return pc, nil
	}
	// bothLn opens the service's one port for TCP and UDP.
	bothLn := func() (net.Listener, *stack.UDPConn, error) {
		r.proto = "tcp+udp"
		ln, err := tcpLn()
		if err != nil {
			return nil, nil, err
		}
		pc, err := udpPC()
		return ln, pc, err
	}
	lim := limits(s)
	var serve []func(ctx context.Context) error
	// tcpAndUDP serves a TCP and a UDP server on the service's one port
	// (discard and chargen: RFC 863 §2-3, RFC 864).
	tcpAndUDP := func(t interface {
		Serve(context.Context, net.Listener) error
	}, ts *svc.Stats, u interface {
		Serve(context.Context, net.PacketConn) error
	}, us *svc.Stats) error {
		ln, pc, err := bothLn()
		if err != nil {
			return err
		}
		r.stats = append(r.stats, ts, us)
		serve = append(serve, func(ctx context.Context) error { return t.Serve(ctx, ln) },
			func(ctx context.Context) error { return u.Serve(ctx, pc) })
		return nil
	}
	switch name {
	case "tcp_echo":
		r.proto = "tcp"
		ln, err := tcpLn()
		if err != nil {
			return err
		}
		srv := &echo.Server{Limits: lim}
		r.stats = append(r.stats, &srv.Stats)
		serve = append(serve, func(ctx context.Context) error { return srv.Serve(ctx, ln) })
	case "udp_echo":
		r.proto = "udp"
		pc, err := udpPC()
		if err != nil {
			return err
		}
		srv := &echo.UDPServer{}
		r.stats = append(r.stats, &srv.Stats)
		serve = append(serve, func(ctx context.Context) error { return srv.Serve(ctx, pc) })
	case "discard": // RFC 863 §2 and §3: TCP and UDP on the same port
		t, u := &discard.Server{Limits: lim}, &discard.UDPServer{}
		if err := tcpAndUDP(t, &t.Stats, u, &u.Stats); err != nil {
			return err
		}
	case "chargen": // RFC 864: TCP and UDP on the same port
		t, u := &chargen.Server{Limits: lim}, &chargen.UDPServer{Limit: svc.Bucket{Rate: udpChargenRate}}
		if err := tcpAndUDP(t, &t.Stats, u, &u.Stats); err != nil {
			return err
		}
	case "framed_echo":
		r.proto = "tcp"
		ln, err := tcpLn()
		if err != nil {
			return err
		}
		srv := &framed.Server{Limits: lim, MaxFrame: s.MaxFrame}
		r.stats = append(r.stats, &srv.Stats)
		serve = append(serve, func(ctx context.Context) error { return srv.Serve(ctx, ln) })
	case "http_file", "framed_file":
		r.proto = "tcp"
		quota := c.Services.HTTPFile.Quota
		if name == "framed_file" {
			quota = c.Services.FramedFile.Quota
		}
		st, err := ss.fileStore(quota)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		ln, err := tcpLn()
		if err != nil {
			return err
		}
		if name == "http_file" {
			srv := &filehttp.Server{Store: st, Limits: lim, MaxHeader: s.MaxHeader}
			r.stats = append(r.stats, &srv.Stats)
			serve = append(serve, func(ctx context.Context) error { return srv.Serve(ctx, ln) })
		} else {
			srv := &fileproto.Server{Store: st, Limits: lim}
			r.stats = append(r.stats, &srv.Stats)
			serve = append(serve, func(ctx context.Context) error { return srv.Serve(ctx, ln) })
		}
	case "iperf3":
		ln, pc, err := bothLn()
		if err != nil {
			return err
		}
		srv := &iperf3.Server{
			Limits: lim, MaxDuration: c.Services.Iperf3.MaxDuration.D(), MaxBitrate: uint64(c.Services.Iperf3.MaxBitrate),
			TCPStats: iperftcp.Stats, Tune: iperftcp.Tune,
		}
		r.stats = append(r.stats, &srv.Stats)
		serve = append(serve, func(ctx context.Context) error { return srv.Serve(ctx, ln, pc) })
	default:
		return fmt.Errorf("unknown service %q", name)
	}
	ctx, cancel := context.WithCancel(ss.ctx)
	r.cancel = cancel
	var wg sync.WaitGroup
	for _, f := range serve {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx); err != nil {
				ss.log.Error("service", "service", strings.ReplaceAll(name, "_", "-"), "err", err)
			}
		}()
	}
	go func() { wg.Wait(); close(r.done) }()
	ss.run[name] = r
	ss.log.Info("service", "service", strings.ReplaceAll(name, "_", "-"), "proto", r.proto, "port", s.Port, "profile", s.Profile)
	return nil
}

// stop ends one service and waits for its connections to end; its
// counters go to ss.counters.
func (ss *services) stop(name string) {
	r := ss.run[name]
	if r == nil {
		return
	}
	delete(ss.run, name)
	r.cancel()
	for _, f := range r.closers {
		f()
	}
	<-r.done
	ss.counters.keep(name, r.stats)
	ss.log.Info("service stopped", "service", strings.ReplaceAll(name, "_", "-"))
}

// startAll starts every enabled service of c; on error it stops those it
// started.
func (ss *services) startAll(c *config.Config) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.cfg = config.Clone(c)
	for _, name := range serviceNames {
		if err := ss.start(c, name); err != nil {
			ss.stopAllLocked()
			return err
		}
	}
	return nil
}

// stopAll ends every service.
func (ss *services) stopAll() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.stopAllLocked()
}

func (ss *services) stopAllLocked() {
	for _, n := range slices.Backward(serviceNames) {
		ss.stop(n)
	}
	if ss.files != nil {
		ss.files.Close()
		ss.files = nil
	}
}

// fileStore returns the files directory's store with the given quota, a
// view of the one store both file services share (see services.files).
func (ss *services) fileStore(quota int64) (*store.Store, error) {
	if ss.files == nil {
		st, err := store.Open(ss.filesDir, 0)
		if err != nil {
			return nil, err
		}
		ss.files = st
	}
	return ss.files.WithQuota(quota), nil
}

// apply makes next the running configuration of the services: those whose
// port, limits, enablement or profile name changed are re-created; every
// other TCP service gets a listener with next's profile (new connections
// use it at once, open ones keep theirs). On error the services run as
// before and the error (a *config.FieldError for a port in use) returns.
func (ss *services) apply(prev, next *config.Config) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	changes := config.Diff(prev, next)
	restart := changes.Services(next)
	var done []string
	rollback := func() {
		for _, n := range done {
			ss.stop(n)
			if err := ss.start(prev, n); err != nil {
				ss.log.Error("service rollback", "service", n, "err", err)
			}
		}
	}
	for _, n := range restart {
		ss.stop(n)
		done = append(done, n)
		if err := ss.start(next, n); err != nil {
			rollback()
			return err
		}
	}
	// Profile contents: swap listeners of the services not re-created.
	var swapped []string
	for _, n := range serviceNames {
		r := ss.run[n]
		if r == nil || r.swap == nil || slices.Contains(restart, n) || !profileChanged(changes, r.profile) {
			continue
		}
		s := next.ServiceMap()[n]
		if err := r.swap.swap(func() (*stack.TCPListener, error) { return ss.listenTCP(next, n, s) }); err != nil {
			if ln, perr := ss.listenTCP(prev, n, prev.ServiceMap()[n]); perr == nil {
				r.swap.restore(ln)
			}
			for _, m := range swapped {
				ps := prev.ServiceMap()[m]
				ss.run[m].swap.swap(func() (*stack.TCPListener, error) { return ss.listenTCP(prev, m, ps) })
			}
			rollback()
			return err
		}
		swapped = append(swapped, n)
	}
	ss.cfg = config.Clone(next)
	return nil
}

// linkMTU is the MTU TCP sizes its MSS from (RFC 9293 §3.7.1): the
// interface's, or link.mtu when that is smaller (an interface tcpbox did
// not set up itself may keep a larger one).
func linkMTU(c *config.Config, st *stack.Stack) int {
	m := st.MTU()
	if c.Link.MTU > 0 && c.Link.MTU < m {
		m = c.Link.MTU
	}
	return m
}

// profileChanged reports whether a field of the named profile ("" for the
// tcp defaults) is among the changes.
func profileChanged(cs config.Changes, profile string) bool {
	for _, c := range cs {
		if profile == "" && strings.HasPrefix(c.Path, "tcp.") ||
			profile != "" && (c.Path == "profiles."+profile || strings.HasPrefix(c.Path, "profiles."+profile+".")) {
			return true
		}
	}
	return false
}
