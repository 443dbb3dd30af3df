package cc

import "time"

// Delivery-rate estimation after draft-cheng-iccrg-delivery-rate-estimation
// (§3): each transmitted segment remembers how much had been delivered, and
// when, at the moment it was sent; when it is delivered (cumulatively
// acknowledged or SACKed) the data delivered in between, divided by the
// longer of the send and the ACK interval, is a sample of the delivery
// rate that ACK compression or stretched ACKs cannot inflate.

// TxRecord is the per-transmission state the sender stores with each
// segment it sends (and resets by calling OnSend again when it
// retransmits the segment). The zero value is ready for OnSend.
type TxRecord struct {
	Delivered     int64         // C.delivered when the segment was sent
	DeliveredTime time.Duration // C.delivered_time when it was sent
	FirstSentTime time.Duration // C.first_sent_time when it was sent
	SentTime      time.Duration // when it was (last) sent
	AppLimited    bool          // sent during an application-limited phase
	order         uint64        // transmission order, to find the newest delivered
	done          bool          // delivered already (SACKed before its cumulative ACK)
	resent        bool          // a retransmission: its RTT is ambiguous (Karn)
}

// RateSampler is one connection's delivery-rate estimator (the draft's
// connection state C and rate sample rs). Not safe for concurrent use; the
// sender calls it under its connection lock, in this order per ACK:
// OnDelivered for each newly delivered segment, OnLost for each newly
// lost one, then Sample.
type RateSampler struct {
	delivered     int64 // C.delivered: bytes delivered so far
	deliveredTime time.Duration
	firstSentTime time.Duration
	appLimited    int64 // C.app_limited: delivered total ending the app-limited phase, 0 if none
	lost          int64
	order         uint64
	minRTT        time.Duration

	// The sample being built for the current ACK.
	has            bool
	priorDelivered int64
	priorTime      time.Duration
	sampleAppLim   bool
	sendElapsed    time.Duration
	ackElapsed     time.Duration
	newest         uint64
	rtt            time.Duration
	rttAmbiguous   bool
	losses         int64
}

// OnSend fills rec for a segment sent now (new or retransmitted; a record
// sent before and not yet delivered is taken as a retransmission, whose
// RTT does not feed the minimum, RFC 6298 §3 / Karn).
// inflight is the bytes outstanding before this transmission; when it is
// zero a new flight begins and its intervals are measured from now.
func (r *RateSampler) OnSend(now time.Duration, rec *TxRecord, inflight int) {
	if inflight <= 0 {
		r.firstSentTime = now
		r.deliveredTime = now
	}
	r.order++
	resent := rec.order != 0 && !rec.done
	*rec = TxRecord{
		resent:        resent,
		Delivered:     r.delivered,
		DeliveredTime: r.deliveredTime,
		FirstSentTime: r.firstSentTime,
		SentTime:      now,
		AppLimited:    r.appLimited != 0,
		order:         r.order,
	}
}

// OnDelivered accounts one newly delivered segment of the given size:
// cumulatively acknowledged or SACKed. A segment SACKed earlier and now
// cumulatively acknowledged is counted once.
func (r *RateSampler) OnDelivered(now time.Duration, rec *TxRecord, bytes int) {
	if rec.done || bytes <= 0 {
		return
	}
	rec.done = true
	r.delivered += int64(bytes)
	r.deliveredTime = now
	// The draft's UpdateRateSample: the most recently sent of the
	// segments this ACK delivered defines the sample.
	if !r.has || rec.order > r.newest {
		r.has = true
		r.newest = rec.order
		r.priorDelivered = rec.Delivered
		r.priorTime = rec.DeliveredTime
		r.sampleAppLim = rec.AppLimited
		r.sendElapsed = rec.SentTime - rec.FirstSentTime
		r.ackElapsed = now - rec.DeliveredTime
		r.rtt = now - rec.SentTime
		r.rttAmbiguous = rec.resent
		r.firstSentTime = rec.SentTime
	}
}

// OnLost accounts bytes the sender marked lost while processing this ACK.
func (r *RateSampler) OnLost(bytes int) {
	if bytes > 0 {
		r.losses += int64(bytes)
		r.lost += int64(bytes)
	}
}

// MarkAppLimited records that the application, not the window, limits
// sending: the sender calls it when it has less than a segment to send,
// room in the window and nothing to retransmit. Samples stay app-limited
// until the data now in flight has been delivered.
func (r *RateSampler) MarkAppLimited(inflight int) {
	r.appLimited = max(r.delivered+int64(max(inflight, 0)), 1)
}

// AppLimited reports whether an application-limited phase is under way.
func (r *RateSampler) AppLimited() bool { return r.appLimited != 0 }

// Delivered returns the bytes delivered so far (C.delivered), the value
// tcp_info reports as delivered (in bytes).
func (r *RateSampler) Delivered() int64 { return r.delivered }

// Lost returns the bytes marked lost so far.
func (r *RateSampler) Lost() int64 { return r.lost }

// MinRTT returns the smallest sample RTT seen, 0 if none.
func (r *RateSampler) MinRTT() time.Duration { return r.minRTT }

// Sample returns the rate sample of the ACK just processed and starts the
// next one. PriorDelivered, DeliveredTotal and RTT are filled whenever the
// ACK delivered something, even when the rate itself is not reliable
// (Valid false): algorithms count rounds with them.
func (r *RateSampler) Sample(now time.Duration) RateSample {
	if r.appLimited != 0 && r.delivered > r.appLimited {
		r.appLimited = 0 // the app-limited bubble has been delivered
	}
	rs := RateSample{Losses: r.losses, DeliveredTotal: r.delivered}
	r.losses = 0
	if !r.has {
		return rs
	}
	r.has = false
	rs.PriorDelivered = r.priorDelivered
	rs.AppLimited = r.sampleAppLim
	if !r.rttAmbiguous {
		// Karn (RFC 6298 §3): a retransmitted packet's RTT is measured
		// from its last transmission, and an ACK for the original can
		// arrive just after that (a spurious retransmission), reading
		// a fraction of the path's RTT. BBR took RTprop from such a
		// sample (1.25 ms on a 20 ms path) and cut its window to a few
		// segments for the 10 s the minimum lasts.
		rs.RTT = r.rtt
	}
	rs.Delivered = r.delivered - r.priorDelivered
	// The draft: interval = max(send_elapsed, ack_elapsed), so neither
	// ACK compression nor a burst of sends inflates the rate.
	rs.Interval = max(r.sendElapsed, r.ackElapsed)
	if r.rtt > 0 && !r.rttAmbiguous && (r.minRTT == 0 || r.rtt < r.minRTT) {
		r.minRTT = r.rtt
	}
	// An interval shorter than the minimum RTT cannot be trusted (the
	// draft's GenerateRateSample).
	rs.Valid = rs.Interval > 0 && rs.Interval >= r.minRTT && rs.Delivered > 0
	return rs
}
