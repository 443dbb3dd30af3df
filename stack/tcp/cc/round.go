package cc

// roundCounter counts packet-timed round trips, as BBR and HyStart++ need
// (RFC 9406 §4.2 "rounds"; the BBR draft's BBRUpdateRound). A round ends
// when data sent after it began is delivered.
//
// With delivery-rate samples that carry the connection's delivered total
// (RateSample.DeliveredTotal, filled by RateSampler) this is exact: a round
// starts when the newest delivered packet's PriorDelivered reaches the
// total noted at the previous round start. Without them the counter falls
// back to bytes: the round ends once as many bytes as were in flight at
// its start have been acknowledged or SACKed, which is the same moment
// when the flight was sent back to back and nothing was lost.
type roundCounter struct {
	count     uint64 // rounds started so far
	next      int64  // delivered total that ends the current round
	delivered int64  // fallback: bytes acknowledged or SACKed so far
	started   bool
}

// onAck reports whether this ACK starts a new round.
func (r *roundCounter) onAck(a *Ack) bool {
	if a.Rate.DeliveredTotal > 0 {
		if a.Rate.PriorDelivered >= r.next || !r.started {
			r.started = true
			r.next = a.Rate.DeliveredTotal
			r.count++
			return true
		}
		return false
	}
	if a.Acked > 0 {
		r.delivered += int64(a.Acked)
	}
	if a.Sacked > 0 {
		r.delivered += int64(a.Sacked)
	}
	if r.delivered > r.next || !r.started {
		r.started = true
		r.next = r.delivered + int64(max(a.PriorInFlight-a.Acked-a.Sacked, 1))
		r.count++
		return true
	}
	return false
}
