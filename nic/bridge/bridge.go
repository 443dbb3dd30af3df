package bridge

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/nic/impair"
)

// Bridge forwards frames between ports A and B. A→B frames go through the
// impairment's TX direction (written to B), B→A frames through its RX
// direction (read from B).
type Bridge struct {
	a       nic.Link
	b       *impair.Link
	wg      sync.WaitGroup
	cls     sync.Once
	running atomic.Int32  // pumps still running
	done    chan struct{} // closed when both pumps have ended

	abFrames, baFrames atomic.Uint64
	abErrors, baErrors atomic.Uint64
	readErrA, readErrB atomic.Value // error that ended a pump, if any
}

// Start begins forwarding between a and b with the given impairment and
// seed. The Bridge owns both links from now on: Close closes them and
// ends the two forwarding goroutines.
func Start(a, b nic.Link, ab, ba impair.Direction, seed int64) (*Bridge, error) {
	ib, err := impair.New(b, impair.Profile{TX: ab, RX: ba}, seed)
	if err != nil {
		return nil, err
	}
	br := &Bridge{a: a, b: ib, done: make(chan struct{})}
	br.wg.Add(2)
	br.running.Store(2)
	go br.pump(br.a, br.b, &br.abFrames, &br.abErrors, &br.readErrA)
	go br.pump(br.b, br.a, &br.baFrames, &br.baErrors, &br.readErrB)
	return br, nil
}

// pump copies frames from src to dst until src fails (is closed).
func (br *Bridge) pump(src, dst nic.Link, frames, errs *atomic.Uint64, readErr *atomic.Value) {
	defer func() {
		if br.running.Add(-1) == 0 {
			close(br.done)
		}
		br.wg.Done()
	}()
	buf := make([]nic.Frame, 64)
	for {
		n, err := src.ReadBatch(buf)
		if err != nil {
			if !errors.Is(err, nic.ErrClosed) {
				readErr.Store(err)
			}
			// One port gone ends the bridge: close both so the other
			// pump ends too.
			br.closeLinks()
			return
		}
		batch := buf[:n]
		for len(batch) > 0 {
			k, err := dst.WriteBatch(batch)
			frames.Add(uint64(k))
			if err == nil {
				break
			}
			if errors.Is(err, nic.ErrClosed) {
				br.closeLinks()
				return
			}
			// A frame the other side cannot carry (larger than its MTU):
			// count it and go on with the rest of the batch.
			errs.Add(1)
			batch = batch[k+1:]
		}
	}
}

// Stats describe what a bridge has done.
type Stats struct {
	AB, BA             impair.Counters // what the impairment did per direction
	ABFrames, BAFrames uint64          // frames handed on (to the impairment, for A->B)
	ABErrors, BAErrors uint64          // frames the far port refused (too big)
	A, B               nic.Stats       // the ports' own counters
}

// Stats returns a snapshot.
func (br *Bridge) Stats() Stats {
	ab, ba := br.b.Counters()
	return Stats{
		AB: ab, BA: ba,
		ABFrames: br.abFrames.Load(), BAFrames: br.baFrames.Load(),
		ABErrors: br.abErrors.Load(), BAErrors: br.baErrors.Load(),
		A: br.a.Stats(), B: br.b.Stats(),
	}
}

// Done is closed when the bridge has stopped: after Close, or when a port
// failed on its own (Close then says why).
func (br *Bridge) Done() <-chan struct{} { return br.done }

func (br *Bridge) closeLinks() {
	br.cls.Do(func() {
		br.a.Close()
		br.b.Close()
	})
}

// Close closes both ports and waits for the forwarding goroutines to end.
// It returns the error that stopped a port, if one failed on its own.
func (br *Bridge) Close() error {
	br.closeLinks()
	br.wg.Wait()
	var errs []error
	for _, v := range []*atomic.Value{&br.readErrA, &br.readErrB} {
		if e, ok := v.Load().(error); ok {
			errs = append(errs, e)
		}
	}
	return errors.Join(errs...)
}
