package config

import "time"

// Defaults returns the built-in configuration: the one place defaults
// live. Each call returns a fresh value the caller may change.
func Defaults() Config {
	return Config{
		Version: SchemaVersion,
		// busy_poll 50 µs: hack/bench's 64-byte framed echo against the
		// kernel's, six interleaved rounds: p50 1.44 and p99 1.41 times
		// the kernel's, against 1.98 and 1.92 without busy polling, at
		// the same connection rate (docs/performance.md, round four).
		Link:    Link{Interface: "eth0", Mode: "dedicated", MTU: 1500, BusyPoll: Duration(50 * time.Microsecond)},
		Address: Address{Mode: "dhcp"},
		TCP:     DefaultProfile(),
		// Two examples of per-service tuning: a small-window NewReno for
		// request/response tests and a large-window BBR for bulk transfer.
		Profiles: map[string]Profile{
			"rr":   withWindow(DefaultProfile(), "newreno", 64<<10),
			"bulk": withWindow(DefaultProfile(), "bbr", 8<<20),
		},
		Services: Services{
			TCPEcho:    service(7),
			UDPEcho:    service(7),
			Discard:    service(9),
			Chargen:    service(19),
			FramedEcho: service(50000),
			HTTPFile:   FileService{Service: service(80), Quota: 1 << 30},
			FramedFile: FileService{Service: service(50001), Quota: 1 << 30},
			Iperf3: Iperf3{Service: service(5201),
				MaxDuration: Duration(time.Hour)},
		},
		Admin: Admin{Port: 8080},
	}
}

// DefaultProfile returns the built-in TCP knobs, chosen to match a current
// Linux kernel's defaults where Linux has one.
func DefaultProfile() Profile {
	return Profile{
		// sndbuf_max is 1 MiB, not Linux's 4 MiB: without Linux's TCP
		// small queues, a send buffer of 4 MiB let cwnd outgrow what a
		// veth's backlog absorbs and halved make bench's download (3.0-3.6
		// against 5.2-6.5 Gbit/s at 1 MiB, same run). Raise it for paths
		// whose bandwidth-delay product is larger.
		SndBuf: 16384, SndBufMin: 4096, SndBufMax: 1 << 20,
		RcvBuf: 131072, RcvBufMin: 4096, RcvBufMax: 6 << 20,
		Autotune:           true,
		WindowScaling:      true,
		WScaleShift:        -1,
		InitCwnd:           10,
		Congestion:         "cubic",
		FixedCwnd:          10,
		SACK:               true,
		DSACK:              true,
		RACKTLP:            true,
		PRR:                true,
		FRTO:               true,
		ECN:                "passive",
		Reordering:         3,
		Timestamps:         "on",
		SlowStartAfterIdle: true,
		Nagle:              true,
		DelayedAck:         Duration(40 * time.Millisecond),
		QuickAck:           true,
		RTOInitial:         Duration(time.Second),
		RTOMin:             Duration(200 * time.Millisecond),
		RTOMax:             Duration(120 * time.Second),
		SynRetries:         6,
		SynAckRetries:      5,
		DataRetries:        15,
		MSL:                Duration(30 * time.Second),
		TimeWaitReuse:      true,
		KeepaliveIdle:      Duration(2 * time.Hour),
		KeepaliveInterval:  Duration(75 * time.Second),
		KeepaliveCount:     9,
		Backlog:            128,
		SynCookies:         "overflow",
		ChallengeAckLimit:  1000,
	}
}

func withWindow(p Profile, cc string, window int) Profile {
	p.Congestion = cc
	p.SndBuf, p.RcvBuf = window, window
	p.SndBufMax, p.RcvBufMax = window, window
	p.Autotune = false
	if cc == "bbr" {
		p.Pacing = true
	}
	return p
}

func service(port int) Service {
	return Service{
		Enabled:      true,
		Port:         port,
		MaxConns:     10000,
		PerClientMax: 0,
		IdleTimeout:  Duration(10 * time.Minute),
		MaxFrame:     16 << 20,
		MaxHeader:    64 << 10,
	}
}
