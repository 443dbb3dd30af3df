package appliance

import (
	"errors"
	"net"
	"sync"

	"github.com/tcpbox/tcpbox/stack"
)

// swapListener is one service's net.Listener whose stack listener can be
// replaced while the service runs, so a profile change takes effect for
// the next connection without touching the connections already open (a
// listener's tcp.Config is fixed when it is made; closing the service's
// listener would end its Serve and every connection with it).
//
// Between closing the old stack listener and opening the new one a SYN
// finds no listener and is answered with a RST (RFC 9293 §3.10.7.1); the
// window is one call long.
type swapListener struct {
	addr   net.Addr
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once

	mu  sync.Mutex
	cur *stack.TCPListener
	wg  sync.WaitGroup // pump goroutines; each ends when its listener closes
}

func newSwapListener(ln *stack.TCPListener) *swapListener {
	s := &swapListener{addr: ln.Addr(), conns: make(chan net.Conn), closed: make(chan struct{})}
	s.start(ln)
	return s
}

func (s *swapListener) start(ln *stack.TCPListener) {
	s.cur = ln
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					continue
				}
				return // closed (by swap or Close)
			}
			select {
			case s.conns <- c:
			case <-s.closed:
				c.Close()
				return
			}
		}
	}()
}

// swap replaces the stack listener with one made by listen; if listen
// fails the old one stays and its error is returned.
func (s *swapListener) swap(listen func() (*stack.TCPListener, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.closed:
		return net.ErrClosed
	default:
	}
	old := s.cur
	old.Close()
	ln, err := listen()
	if err != nil {
		// Put back a listener like the old one would need its options;
		// the caller retries with the previous configuration.
		s.cur = nil
		return err
	}
	s.start(ln)
	return nil
}

// restore installs ln after a failed swap.
func (s *swapListener) restore(ln *stack.TCPListener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.start(ln)
}

func (s *swapListener) Accept() (net.Conn, error) {
	select {
	case c := <-s.conns:
		return c, nil
	case <-s.closed:
		return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: s.addr, Err: net.ErrClosed}
	}
}

// Close closes the current stack listener and waits for its pump.
func (s *swapListener) Close() error {
	first := false
	s.once.Do(func() { first = true; close(s.closed) })
	s.mu.Lock()
	if s.cur != nil {
		s.cur.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	if !first {
		return net.ErrClosed
	}
	return nil
}

func (s *swapListener) Addr() net.Addr { return s.addr }
