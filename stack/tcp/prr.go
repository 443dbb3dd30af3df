package tcp

// Proportional Rate Reduction (RFC 6937 §3): during fast recovery the
// sender sends in proportion to what the receiver reports delivered, so
// that by the end of recovery the window has come down to ssthresh
// smoothly instead of all at once (RFC 6675) or with a burst (RFC 5681
// inflation). This uses the slow-start reduction bound (PRR-SSRB), the
// RFC's recommended default.

type prrState struct {
	recoverFS int // FlightSize at the start of recovery
	delivered int // prr_delivered
	out       int // prr_out
}

func (p *prrState) start(flightSize int) {
	*p = prrState{recoverFS: max(flightSize, 1)}
}

// sndcnt returns how many bytes may be sent in answer to an ACK that
// reported deliveredData bytes delivered (cumulatively or by SACK), with
// pipe bytes in flight after it. first is the ACK that started recovery:
// the fast retransmission always goes (RFC 6937 §3, "on entering
// recovery ... at least one segment").
func (p *prrState) sndcnt(deliveredData, pipe, ssthresh, mss int, first bool) int {
	p.delivered += deliveredData
	var n int
	if pipe > ssthresh {
		// Proportional: CEIL(prr_delivered * ssthresh / RecoverFS) - prr_out.
		n = int((int64(p.delivered)*int64(ssthresh)+int64(p.recoverFS)-1)/int64(p.recoverFS)) - p.out
	} else {
		// PRR-SSRB: limit = MAX(prr_delivered - prr_out, DeliveredData) + MSS.
		limit := max(p.delivered-p.out, deliveredData) + mss
		n = min(ssthresh-pipe, limit)
	}
	if first {
		n = max(n, mss)
	}
	return max(n, 0)
}
