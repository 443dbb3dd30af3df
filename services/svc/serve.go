package svc

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// Handler serves one connection. It returns when the exchange is over or
// the connection fails; the loop closes the connection afterwards. ctx is
// cancelled when the service stops.
type Handler func(ctx context.Context, c *Conn)

// Serve accepts connections from ln until ctx is cancelled or ln is closed,
// admitting each against lim and running h on it in its own goroutine.
// On return every connection goroutine has ended: when ctx is cancelled the
// listener and all open connections are closed. It returns nil after a
// cancel or a closed listener, else the accept error.
func Serve(ctx context.Context, ln net.Listener, lim Limits, st *Stats, h Handler) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	adm := newAdmission(lim)

	var (
		mu   sync.Mutex
		open = make(map[net.Conn]struct{})
		wg   sync.WaitGroup
		once sync.Once
	)
	closeAll := func() {
		once.Do(func() {
			ln.Close()
			mu.Lock()
			for c := range open {
				c.Close()
			}
			mu.Unlock()
		})
	}
	// The watcher ends when ctx is cancelled, which the deferred cancel
	// guarantees by the time Serve returns.
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-ctx.Done()
		closeAll()
	}()
	defer wg.Wait()
	defer cancel()

	backoff := time.Duration(0)
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			// Transient errors such as EMFILE: back off, bounded.
			if backoff == 0 {
				backoff = 5 * time.Millisecond
			} else if backoff *= 2; backoff > time.Second {
				backoff = time.Second
			}
			st.Error("accept")
			select {
			case <-time.After(backoff):
				continue
			case <-ctx.Done():
				return nil
			}
		}
		backoff = 0
		ip := addrOf(c.RemoteAddr())
		if ok, reason := adm.admit(ip); !ok {
			st.Rejected(reason)
			Reset(c)
			continue
		}
		mu.Lock()
		if ctx.Err() != nil {
			mu.Unlock()
			adm.release(ip)
			c.Close()
			return nil
		}
		open[c] = struct{}{}
		mu.Unlock()
		st.Opened()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				mu.Lock()
				delete(open, c)
				mu.Unlock()
				c.Close()
				adm.release(ip)
				st.Closed()
			}()
			h(ctx, &Conn{Conn: c, stats: st, idle: lim.IdleTimeout})
		}()
	}
}
