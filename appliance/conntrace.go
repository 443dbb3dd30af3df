package appliance

import (
	"time"

	"github.com/tcpbox/tcpbox/appliance/admin"
	"github.com/tcpbox/tcpbox/stack"
	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// connTrace is the admin page's plot data for connection id: the stack's
// per-ACK trace and its history of the whole connection (every service's
// connections keep both: tcpOptions). The admin page's own connections
// on tcpbox's address keep none and plot nothing.
func (b *box) connTrace(id uint64) admin.ConnTrace {
	in := b.cur.Load()
	if in == nil {
		return admin.ConnTrace{}
	}
	d, ok := in.st.TCPTraceData(id)
	if !ok {
		return admin.ConnTrace{}
	}
	return adminTrace(&d)
}

// adminTrace converts the stack's trace for the page: times since the
// connection opened, and each interval's throughput from the growth of
// the delivered count (everything delivered since the previous point's
// last sample was delivered within this interval: an interval without
// ACKs has no point). The newest interval is still running: its rate is
// over the part that has passed.
func adminTrace(d *stack.TCPTraceData) admin.ConnTrace {
	ct := admin.ConnTrace{Interval: d.Interval, Age: d.Now - d.Opened}
	ct.Detail = make([]admin.TracePoint, len(d.Points))
	for i, p := range d.Points {
		ct.Detail[i] = admin.TracePoint{At: p.At - d.Opened, Cwnd: p.Cwnd, Ssthresh: p.Ssthresh, InFlight: p.InFlight, SRTT: p.SRTT, DeliveryRate: p.DeliveryRate}
		if p.Event != cc.EventInvalid {
			ct.Detail[i].Event = p.Event.String()
		}
	}
	ct.History = make([]admin.HistoryPoint, len(d.History))
	var prev int64
	var evs []cc.Event
	for i, p := range d.History {
		span := d.Interval
		if i == len(d.History)-1 {
			span = min(span, max(d.Now-p.At, time.Millisecond))
		}
		hp := admin.HistoryPoint{At: p.At - d.Opened, Cwnd: int(p.Cwnd), CwndMin: int(p.CwndMin), CwndMax: int(p.CwndMax),
			Ssthresh: int(p.Ssthresh), InFlight: int(p.InFlight), SRTT: p.SRTT}
		if span > 0 && p.Delivered > prev {
			hp.Throughput = uint64(float64(p.Delivered-prev) / span.Seconds())
		}
		prev = max(prev, p.Delivered)
		evs = p.Events.Events(evs[:0])
		for _, ev := range evs {
			hp.Events = append(hp.Events, ev.String())
		}
		ct.History[i] = hp
	}
	return ct
}
