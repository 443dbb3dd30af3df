package tcp

// HasHoles reports whether out-of-order data is held (a gap below it in
// the sequence space). The stack's receive loop ACKs at once while this
// holds, or when a segment makes it stop holding, instead of deferring the
// ACK to the end of a receive batch: RFC 5681 §4.2 asks for an immediate
// ACK on out-of-order data and when a gap fills, and RFC 2018 §4 for the
// first SACK block to report the most recent arrival, so each arrival
// must be reported before the next one; one ACK per batch, with at most
// three or four SACK blocks, would leave holes unreported and make the
// sender resend data that arrived.
func (c *Conn) HasHoles() bool { return !c.ooo.empty() }
