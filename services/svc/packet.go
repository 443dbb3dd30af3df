package svc

import (
	"context"
	"errors"
	"net"
	"sync"
)

// MaxDatagram is the largest datagram a packet service reads.
const MaxDatagram = 65535

// PacketHandler answers one datagram. p is only valid during the call.
type PacketHandler func(pc net.PacketConn, p []byte, from net.Addr)

// ServePacket reads datagrams from pc until ctx is cancelled or pc is
// closed, calling h for each in this goroutine (datagram services answer at
// once, so one reader suffices). A cancel closes pc. It returns nil after a
// cancel or a closed conn, else the read error.
func ServePacket(ctx context.Context, pc net.PacketConn, st *Stats, h PacketHandler) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-ctx.Done()
		pc.Close()
	}()
	defer wg.Wait()
	defer cancel()
	buf := make([]byte, MaxDatagram)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			// Errors such as ICMP-reported unreachable ports on some
			// stacks: count and keep serving.
			st.Error("read")
			continue
		}
		st.AddIn(n)
		h(pc, buf[:n], from)
	}
}
