package appliance

import (
	"fmt"
	"math"

	"github.com/tcpbox/tcpbox/config"
	"github.com/tcpbox/tcpbox/stack"
	"github.com/tcpbox/tcpbox/stack/tcp"
	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// This file is the one place a config.Profile becomes the stack's
// tcp.Config (GUIDE pattern 7). Knobs the stack does not implement yet are
// listed in noEffectYet so the report and the log can say so; they are
// kept in the file and shown on the admin page all the same.

// noEffectYet names the profile fields that tcp.Config has no knob for
// today: they validate and persist, and change nothing on the wire. Every
// knob has its effect now; a field added to config before the stack
// implements it is named here until it does.
var noEffectYet = []string{}

// profileOf returns the profile a service uses: the named one, or the tcp
// defaults for "".
func profileOf(c *config.Config, name string) (config.Profile, error) {
	if name == "" {
		return c.TCP, nil
	}
	p, ok := c.Profiles[name]
	if !ok {
		return config.Profile{}, fmt.Errorf("unknown profile %q", name)
	}
	return p, nil
}

// tcpConfig turns p into the stack's tcp.Config for a link of the given
// MTU, starting from base (the stack's own, which holds the ISN key).
func tcpConfig(base tcp.Config, p *config.Profile, mtu int) (tcp.Config, error) {
	c := base
	c.SendBuf, c.SendBufMin, c.SendBufMax = p.SndBuf, p.SndBufMin, p.SndBufMax
	c.RecvBuf, c.RecvBufMin, c.RecvBufMax = p.RcvBuf, p.RcvBufMin, p.RcvBufMax
	c.Autotune = p.Autotune
	c.WindowScaling = p.WindowScaling
	c.WindowShift = p.WScaleShift
	c.Timestamps = p.Timestamps != "off" // RFC 7323 §3
	c.SACK = p.SACK                      // RFC 2018
	c.DSACK = p.DSACK                    // RFC 2883
	c.RACK, c.TLP = p.RACKTLP, p.RACKTLP // RFC 8985
	c.PRR = p.PRR                        // RFC 6937
	c.FRTO = p.FRTO                      // RFC 5682
	c.ECN = p.ECN != "off"               // RFC 3168

	c.TSNoOffset = p.Timestamps == "no-offset" // Linux tcp_timestamps=2
	c.ECNPassive = p.ECN == "passive"          // Linux tcp_ecn=2
	c.InitRwnd = p.InitRwnd                    // route attribute initrwnd
	c.Reordering = p.Reordering                // initial DupThresh (tcp_reordering)
	if mtu > 0 {
		c.MTU = mtu
	}
	c.MSSClamp = p.MSSClamp
	c.InitialRTO, c.MinRTO, c.MaxRTO = p.RTOInitial.D(), p.RTOMin.D(), p.RTOMax.D()
	c.SynRetries, c.SynAckRetries, c.DataRetries = p.SynRetries, p.SynAckRetries, p.DataRetries
	c.UserTimeout = p.UserTimeout.D()
	c.MSL = p.MSL.D()
	c.RFC1337 = p.RFC1337
	c.TimeWaitReuse = p.TimeWaitReuse
	c.NoDelay = !p.Nagle // RFC 896 off is TCP_NODELAY
	c.Cork = p.Cork
	c.SlowStartAfterIdle = p.SlowStartAfterIdle
	c.DelayedAck = p.DelayedAck.D()
	if p.QuickAck {
		if c.QuickAcks == 0 {
			c.QuickAcks = tcp.DefaultConfig().QuickAcks
		}
	} else {
		c.QuickAcks = 0
	}
	c.KeepAlive = p.Keepalive
	c.KeepIdle, c.KeepInterval, c.KeepCount = p.KeepaliveIdle.D(), p.KeepaliveInterval.D(), p.KeepaliveCount
	c.Backlog = p.Backlog
	switch p.SynCookies {
	case "off":
		c.SynCookies = tcp.SynCookiesOff
	case "always":
		c.SynCookies = tcp.SynCookiesAlways
	default:
		c.SynCookies = tcp.SynCookiesOnOverflow
	}
	c.ChallengeAckLimit = p.ChallengeAckLimit
	if c.ChallengeAckLimit == 0 { // "none" (RFC 5961 §7 makes the limit a local choice)
		c.ChallengeAckLimit = math.MaxInt32
	}
	c.InitialCwnd = p.InitCwnd
	c.Pacing = p.Pacing // Linux fq / internal pacing; bbr paces regardless
	c.MaxPacingRate = 0 // SO_MAX_PACING_RATE; config validates 0 or >= 1000
	if p.MaxPacingRate > 0 {
		c.MaxPacingRate = uint64(p.MaxPacingRate)
	}
	// Each connection needs its own algorithm instance: check the name
	// now, make one per connection later.
	opts := cc.Options{InitialWindow: p.InitCwnd, FixedWindow: p.FixedCwnd}
	name := p.Congestion
	if _, err := cc.New(name, opts); err != nil {
		return c, err
	}
	c.Congestion = func() cc.Algorithm {
		a, _ := cc.New(name, opts)
		return a
	}
	return c, c.Validate()
}

// traceACKs bounds each connection's per-ACK trace, which the admin
// page plots: the ring grows as ACKs arrive, so a connection that sent
// nothing keeps none and a busy one at most this many (176 KiB), beside
// the history of its whole life (at most 48 KiB: cc.HistoryPoints).
const traceACKs = 2048

// tcpOptions are the listener options of a service using profile name.
func tcpOptions(base tcp.Config, c *config.Config, profile, listener string, mtu int) ([]stack.TCPOption, error) {
	p, err := profileOf(c, profile)
	if err != nil {
		return nil, err
	}
	tc, err := tcpConfig(base, &p, mtu)
	if err != nil {
		return nil, err
	}
	return []stack.TCPOption{stack.WithConfig(tc), stack.WithName(listener), stack.WithTrace(traceACKs)}, nil
}

// checkProfiles reports, as field errors, every profile the stack would
// refuse (config.Validate checks bounds one field at a time; the stack
// also checks how fields relate, such as rto_min <= rto_initial).
func checkProfiles(c *config.Config, mtu int) error {
	var es config.Errors
	check := func(path string, p config.Profile) {
		if _, err := tcpConfig(tcp.DefaultConfig(), &p, mtu); err != nil {
			es = append(es, &config.FieldError{Path: path, Msg: err.Error()})
		}
	}
	check("tcp", c.TCP)
	for name, p := range c.Profiles {
		check("profiles."+name, p)
	}
	if len(es) > 0 {
		return es
	}
	return nil
}
