package appliance

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"

	"github.com/tcpbox/tcpbox/services/echo"
	"github.com/tcpbox/tcpbox/services/framed"
	"github.com/tcpbox/tcpbox/stack"
)

// TCPServicesConfig configures the TCP test services on tcpbox's own
// address. The zero value serves echo on 7 and framed echo on 50000 with
// a 16 MiB maximum frame.
type TCPServicesConfig struct {
	EchoPort   uint16 // default echo.Port (7, RFC 862)
	FramedPort uint16 // default framed.Port (50000)
	MaxFrame   int    // framed echo's largest payload; default 16 MiB
}

// TCPServices are the running TCP echo and framed echo services.
type TCPServices struct {
	Echo   *echo.Server
	Framed *framed.Server

	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	errs   []error
}

// StartTCPServices listens on st (every local address) and serves TCP echo
// and framed echo until ctx is cancelled or Stop is called. Both services
// are written against net.Listener, so they are the same code that runs on
// the kernel's stack in their own tests.
func StartTCPServices(ctx context.Context, st *stack.Stack, cfg TCPServicesConfig) (*TCPServices, error) {
	if cfg.EchoPort == 0 {
		cfg.EchoPort = echo.Port
	}
	if cfg.FramedPort == 0 {
		cfg.FramedPort = framed.Port
	}
	any := netip.IPv4Unspecified()
	eln, err := st.ListenTCP(netip.AddrPortFrom(any, cfg.EchoPort), stack.WithName("echo"))
	if err != nil {
		return nil, fmt.Errorf("tcp echo: %w", err)
	}
	fln, err := st.ListenTCP(netip.AddrPortFrom(any, cfg.FramedPort), stack.WithName("framed"))
	if err != nil {
		eln.Close()
		return nil, fmt.Errorf("framed echo: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &TCPServices{
		Echo:   &echo.Server{},
		Framed: &framed.Server{MaxFrame: cfg.MaxFrame},
		cancel: cancel,
	}
	serve := func(name string, f func() error) {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := f(); err != nil {
				s.mu.Lock()
				s.errs = append(s.errs, fmt.Errorf("%s: %w", name, err))
				s.mu.Unlock()
			}
		}()
	}
	serve("tcp echo", func() error { return s.Echo.Serve(ctx, eln) })
	serve("framed echo", func() error { return s.Framed.Serve(ctx, fln) })
	return s, nil
}

// Stop closes the listeners and every connection and waits for the
// services to end; it returns their errors, if any.
func (s *TCPServices) Stop() error {
	s.cancel()
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.errs...)
}
