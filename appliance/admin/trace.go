package admin

import "time"

// ConnTrace is what a connection's page plots: the per-ACK detail of its
// last moments and the coarse history of its whole life (issue 6). Times
// count from when the connection opened, so the two share one axis.
type ConnTrace struct {
	Detail   []TracePoint   `json:"trace"`
	History  []HistoryPoint `json:"history"`
	Interval time.Duration  `json:"history_interval"` // of each history point, in ns
	Age      time.Duration  `json:"age"`              // the connection's age when copied: the history plot's right edge
}

// TracePoint is one sample of a connection's congestion state, taken per
// ACK and per event (issue 4).
type TracePoint struct {
	At           time.Duration `json:"at"` // since the connection opened
	Cwnd         int           `json:"cwnd"`
	Ssthresh     int           `json:"ssthresh"`
	InFlight     int           `json:"in_flight"` // bytes sent and not yet acknowledged or marked lost
	SRTT         time.Duration `json:"srtt"`
	DeliveryRate uint64        `json:"delivery_rate"`   // bytes per second
	Event        string        `json:"event,omitempty"` // "fast_recovery", "recovery_exit", "rto", ... or ""
}

// HistoryPoint sums up one interval of a connection's history: the last
// values in it, the extremes of cwnd and every event, so a loss shows
// however coarse the interval.
type HistoryPoint struct {
	At         time.Duration `json:"at"` // the interval's start, since the connection opened
	Cwnd       int           `json:"cwnd"`
	CwndMin    int           `json:"cwnd_min"`
	CwndMax    int           `json:"cwnd_max"`
	Ssthresh   int           `json:"ssthresh"`
	InFlight   int           `json:"in_flight"`
	SRTT       time.Duration `json:"srtt"`
	Throughput uint64        `json:"throughput"` // bytes per second delivered within the interval
	Events     []string      `json:"events,omitempty"`
}
