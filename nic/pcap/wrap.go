package pcap

import (
	"io"
	"sync"
	"time"

	"github.com/tcpbox/tcpbox/nic"
)

// Sink takes recorded frames: a *Writer or a *Ring. WriteFrame must not
// keep frame after it returns and must be safe for concurrent use.
type Sink interface {
	WriteFrame(ts time.Time, frame []byte) error
}

var (
	_ Sink = (*Writer)(nil)
	_ Sink = (*Ring)(nil)
)

// Options configure Wrap.
type Options struct {
	// SnapLen cuts recorded frames to this many bytes; 0 means
	// DefaultSnapLen.
	SnapLen int
	// Clock stamps the records; nil means time.Now.
	Clock func() time.Time
	// RawChecksums records frames whose Offload says the checksum is
	// unfinished (a partial checksum from a veth with offloads on) as
	// they are. By default the tee records them with the checksum
	// completed, as they would be on the wire, so tshark judges them
	// fairly; the frame passed on is never changed.
	RawChecksums bool
}

// Link is a nic.Link that records every frame it reads or writes, then
// passes it on unchanged. A failing sink never fails the link: the first
// sink error is kept (Err) and recording continues to be attempted.
type Link struct {
	nic.Link
	sink  Sink
	clock func() time.Time
	raw   bool

	fixMu sync.Mutex // guards fix
	fix   []byte     // scratch for frames recorded as a copy: completed checksums, pieces
	werr  *Writer    // set when Wrap made the Writer, for Err
	herr  error      // error writing the file header
}

var _ nic.Link = (*Link)(nil)

// Wrap returns link with every frame in both directions written to w as a
// pcap stream. The file header is written at once; if that fails, Err
// reports it and nothing more is written.
func Wrap(link nic.Link, w io.Writer, o Options) *Link {
	pw, err := NewWriter(w, o.SnapLen)
	l := &Link{Link: link, clock: o.Clock, raw: o.RawChecksums}
	if err != nil {
		l.herr = err
		l.sink = discard{}
	} else {
		l.sink, l.werr = pw, pw
	}
	if l.clock == nil {
		l.clock = time.Now
	}
	return l
}

// WrapSink returns link with every frame in both directions given to
// sink (a Ring, for example); clock nil means time.Now.
func WrapSink(link nic.Link, sink Sink, clock func() time.Time) *Link {
	if clock == nil {
		clock = time.Now
	}
	return &Link{Link: link, sink: sink, clock: clock}
}

type discard struct{}

func (discard) WriteFrame(time.Time, []byte) error { return nil }

// ReadBatch reads from the wrapped link and records what it returns.
func (l *Link) ReadBatch(frames []nic.Frame) (int, error) {
	n, err := l.Link.ReadBatch(frames)
	l.record(frames[:n])
	return n, err
}

// WriteBatch records the frames, then writes them to the wrapped link.
// Recording first keeps the file in wire order: recorded after the write,
// a fast peer's answer, read and recorded meanwhile, could land before the
// frame it answers. Frames from the first one longer than the link's MTU
// (plus Ethernet header and VLAN tag, GSO super-frames excepted) are not
// recorded, since links refuse them and stop the batch there.
func (l *Link) WriteBatch(frames []nic.Frame) (int, error) {
	limit := l.Link.MTU() + nic.EthernetHeaderLen + 4
	k := 0
	for k < len(frames) && (frames[k].Len() <= limit || frames[k].Offload.GSOType != 0) {
		k++
	}
	l.record(frames[:k])
	return l.Link.WriteBatch(frames)
}

func (l *Link) record(frames []nic.Frame) {
	if len(frames) == 0 {
		return
	}
	now := l.clock()
	for i := range frames {
		f := &frames[i]
		fix := f.Offload.NeedsChecksum && !l.raw
		if !fix && len(f.Tail) == 0 {
			l.sink.WriteFrame(now, f.Data)
			continue
		}
		// A copy of the whole frame (a frame in pieces, nic.Gatherer, is
		// recorded whole), its checksum completed in place.
		l.fixMu.Lock()
		if n := f.Len(); cap(l.fix) < n {
			l.fix = make([]byte, 0, max(n, 2048))
		}
		data := append(l.fix[:0], f.Data...)
		for _, t := range f.Tail {
			data = append(data, t...)
		}
		if fix {
			completeChecksum(data, &f.Offload)
		}
		l.sink.WriteFrame(now, data)
		l.fixMu.Unlock()
	}
}

// Gathers reports whether the wrapped link takes frames with a Tail: the
// wrapper records them whole and passes them on as they are.
func (l *Link) Gathers() bool { return nic.Gathers(l.Link) }

// Err returns the first error writing the pcap stream, if Wrap made it.
func (l *Link) Err() error {
	if l.herr != nil {
		return l.herr
	}
	if l.werr != nil {
		return l.werr.Err()
	}
	return nil
}

// The optional methods a stack looks for on its link pass through the
// tee, so that recording changes nothing the stack does: without them
// the appliance, which always records into its capture ring, sent no GSO
// super-frames and its loss timers could not ask whether ACKs wait.

// GSOMaxSize forwards the wrapped link's (nic/afpacket): 0 when it has
// none, so the stack then sends MTU-sized frames only.
func (l *Link) GSOMaxSize() int {
	if g, ok := l.Link.(interface{ GSOMaxSize() int }); ok {
		return g.GSOMaxSize()
	}
	return 0
}

// MaxFrameLen forwards the wrapped link's, or gives the MTU plus an
// Ethernet header and a VLAN tag.
func (l *Link) MaxFrameLen() int {
	if m, ok := l.Link.(interface{ MaxFrameLen() int }); ok {
		return m.MaxFrameLen()
	}
	return l.Link.MTU() + nic.EthernetHeaderLen + 4
}

// RxPending forwards the wrapped link's (nic/afpacket): false when it
// has none.
func (l *Link) RxPending() bool { return nic.RxPending(l.Link) }

// TakeFrame forwards the wrapped link's (nic.FrameTaker): ReadBatch
// hands on the link's frames as they are, recorded before anyone could
// take them. nil when the link cannot.
func (l *Link) TakeFrame(i int) nic.Releaser { return nic.TakeFrame(l.Link, i) }
