package stack

// Per-dial and per-listener switches for the loss-recovery mechanisms
// of issue 4 (tcp.Config's RACK, TLP, PRR, FRTO, DSACK, ECN). Each acts
// only on connections that negotiate SACK (ECN: that negotiate ECN).

// WithRACK turns RACK time-based loss detection on or off (RFC 8985 §6;
// off: RFC 6675's duplicate-ACK threshold). Tail loss probes need it.
func WithRACK(on bool) TCPOption {
	return func(o *tcpOptions) error { o.cfg.RACK = on; return nil }
}

// WithTLP turns tail loss probes on or off (RFC 8985 §7).
func WithTLP(on bool) TCPOption {
	return func(o *tcpOptions) error { o.cfg.TLP = on; return nil }
}

// WithPRR turns Proportional Rate Reduction on or off (RFC 6937).
func WithPRR(on bool) TCPOption {
	return func(o *tcpOptions) error { o.cfg.PRR = on; return nil }
}

// WithFRTO turns spurious-timeout detection on or off (RFC 5682).
func WithFRTO(on bool) TCPOption {
	return func(o *tcpOptions) error { o.cfg.FRTO = on; return nil }
}

// WithDSACK turns D-SACK on or off (RFC 2883): reporting duplicates to
// the peer, and undoing our own spurious reductions from its reports.
func WithDSACK(on bool) TCPOption {
	return func(o *tcpOptions) error { o.cfg.DSACK = on; return nil }
}

// WithECN turns ECN negotiation on or off (RFC 3168). The IP codepoint
// is not yet carried by the glue (see stack/tcp/CONTRACT.md), so a
// negotiated connection sees no marks.
func WithECN(on bool) TCPOption {
	return func(o *tcpOptions) error { o.cfg.ECN = on; return nil }
}
