package appliance

import (
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/config"
	"github.com/tcpbox/tcpbox/stack/tcp"
)

// Each profile knob lands on its tcp.Config field, including the inverted
// and enumerated ones.
func TestTCPConfigFromProfile(t *testing.T) {
	p := config.DefaultProfile()
	p.SndBuf, p.RcvBuf, p.RcvBufMin, p.RcvBufMax = 70000, 80000, 5000, 90000
	p.SndBufMin, p.SndBufMax = 6000, 700000
	p.Autotune, p.WindowScaling, p.WScaleShift = false, false, 3
	p.Timestamps, p.SACK, p.DSACK = "off", false, false
	p.RACKTLP, p.PRR, p.FRTO, p.ECN = false, false, false, "active"
	p.MSSClamp, p.InitCwnd, p.InitRwnd, p.Reordering = 1000, 4, 7, 6
	p.Congestion = "bbr"
	p.Nagle, p.Cork, p.QuickAck, p.SlowStartAfterIdle = false, true, false, false
	p.DelayedAck = config.Duration(10 * time.Millisecond)
	p.RTOInitial, p.RTOMin, p.RTOMax = config.Duration(2*time.Second), config.Duration(300*time.Millisecond), config.Duration(30*time.Second)
	p.SynRetries, p.SynAckRetries, p.DataRetries = 2, 3, 4
	p.UserTimeout, p.MSL = config.Duration(9*time.Second), config.Duration(time.Second)
	p.RFC1337, p.TimeWaitReuse = true, false
	p.Keepalive, p.KeepaliveIdle, p.KeepaliveInterval, p.KeepaliveCount = true, config.Duration(time.Minute), config.Duration(5*time.Second), 4
	p.Backlog, p.SynCookies, p.ChallengeAckLimit = 17, "always", 0
	p.Pacing, p.MaxPacingRate = true, 5000
	c, err := tcpConfig(tcp.DefaultConfig(), &p, 1400)
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("SendBuf", c.SendBuf, 70000)
	check("SendBufMin", c.SendBufMin, 6000)
	check("SendBufMax", c.SendBufMax, 700000)
	check("RecvBuf", c.RecvBuf, 80000)
	check("RecvBufMin", c.RecvBufMin, 5000)
	check("RecvBufMax", c.RecvBufMax, 90000)
	check("Autotune", c.Autotune, false)
	check("WindowScaling", c.WindowScaling, false)
	check("WindowShift", c.WindowShift, 3)
	check("Timestamps", c.Timestamps, false)
	p.Timestamps = "no-offset"
	if c, _ := tcpConfig(tcp.DefaultConfig(), &p, 1400); !c.Timestamps || !c.TSNoOffset {
		t.Errorf("timestamps=no-offset gave Timestamps %v TSNoOffset %v", c.Timestamps, c.TSNoOffset)
	}
	p.Timestamps = "on"
	if c, _ := tcpConfig(tcp.DefaultConfig(), &p, 1400); !c.Timestamps || c.TSNoOffset {
		t.Errorf("timestamps=on gave Timestamps %v TSNoOffset %v", c.Timestamps, c.TSNoOffset)
	}
	check("SACK", c.SACK, false)
	check("DSACK", c.DSACK, false)
	check("RACK", c.RACK, false)
	check("TLP", c.TLP, false)
	check("PRR", c.PRR, false)
	check("FRTO", c.FRTO, false)
	check("ECN", c.ECN, true)
	check("ECNPassive", c.ECNPassive, false)
	p.ECN = "passive"
	if c, _ := tcpConfig(tcp.DefaultConfig(), &p, 1400); !c.ECN || !c.ECNPassive {
		t.Errorf("ecn=passive gave ECN %v ECNPassive %v", c.ECN, c.ECNPassive)
	}
	check("MTU", c.MTU, 1400)
	check("MSSClamp", c.MSSClamp, 1000)
	check("InitialCwnd", c.InitialCwnd, 4)
	check("InitRwnd", c.InitRwnd, 7)
	check("Reordering", c.Reordering, 6)
	check("algorithm", c.Congestion().Name(), "bbr")
	check("NoDelay", c.NoDelay, true)
	check("Cork", c.Cork, true)
	check("QuickAcks", c.QuickAcks, 0)
	check("SlowStartAfterIdle", c.SlowStartAfterIdle, false)
	check("DelayedAck", c.DelayedAck, 10*time.Millisecond)
	check("InitialRTO", c.InitialRTO, 2*time.Second)
	check("MinRTO", c.MinRTO, 300*time.Millisecond)
	check("MaxRTO", c.MaxRTO, 30*time.Second)
	check("SynRetries", c.SynRetries, 2)
	check("SynAckRetries", c.SynAckRetries, 3)
	check("DataRetries", c.DataRetries, 4)
	check("UserTimeout", c.UserTimeout, 9*time.Second)
	check("MSL", c.MSL, time.Second)
	check("RFC1337", c.RFC1337, true)
	check("TimeWaitReuse", c.TimeWaitReuse, false)
	check("KeepAlive", c.KeepAlive, true)
	check("KeepIdle", c.KeepIdle, time.Minute)
	check("KeepInterval", c.KeepInterval, 5*time.Second)
	check("KeepCount", c.KeepCount, 4)
	check("Backlog", c.Backlog, 17)
	check("SynCookies", c.SynCookies, tcp.SynCookiesAlways)
	check("Pacing", c.Pacing, true)
	check("MaxPacingRate", c.MaxPacingRate, uint64(5000))
	if c.ChallengeAckLimit < 1<<30 {
		t.Errorf("challenge_ack_limit 0 (none) became %d", c.ChallengeAckLimit)
	}
	// Each connection gets its own algorithm instance.
	if c.Congestion() == c.Congestion() {
		t.Error("one algorithm instance shared between connections")
	}
}

// Profiles the stack would refuse come back as field errors naming the
// profile, and an unknown algorithm is refused before anything runs.
func TestCheckProfiles(t *testing.T) {
	c := config.Defaults()
	if err := checkProfiles(&c, 1500); err != nil {
		t.Fatalf("defaults refused: %v", err)
	}
	rr := c.Profiles["rr"]
	rr.Congestion = "vegas"
	c.Profiles["rr"] = rr
	err := checkProfiles(&c, 1500)
	es, ok := err.(config.Errors)
	if !ok || len(es) != 1 || es[0].Path != "profiles.rr" {
		t.Fatalf("unknown algorithm: %v", err)
	}
}

// The command line's overrides win over the file, and only the fields
// given.
func TestOverlay(t *testing.T) {
	f := config.Defaults()
	f.Link.Interface, f.Link.MAC = "eth9", "02:00:00:00:00:09"
	f.Address = config.Address{Mode: "static", CIDR: "198.18.1.2/24", Gateway: "198.18.1.1"}
	e := (&Config{}).overlay(f)
	if e.Link.Interface != "eth9" || e.Address.CIDR != "198.18.1.2/24" || e.Link.MAC != f.Link.MAC {
		t.Errorf("no flags changed the file's values: %+v %+v", e.Link, e.Address)
	}
	e = (&Config{Iface: "veth1", DHCP: true, MAC: [6]byte{2, 0, 0, 0, 0, 1}}).overlay(f)
	if e.Link.Interface != "veth1" || e.Address.Mode != "dhcp" || e.Address.CIDR != "" || e.Link.MAC != "02:00:00:00:00:01" {
		t.Errorf("flags did not win: %+v %+v", e.Link, e.Address)
	}
	if f.Link.Interface != "eth9" {
		t.Error("overlay changed the file's configuration")
	}
}

// link.busy_poll sets the transmit goroutine's polling too, with a static
// address and with DHCP.
func TestStackOptionsBusyPoll(t *testing.T) {
	for _, dhcp := range []bool{false, true} {
		e := config.Defaults()
		e.Link.BusyPoll = config.Duration(30 * time.Microsecond)
		if dhcp {
			e.Address.Mode = "dhcp"
		}
		o, err := stackOptions(&e)
		if err != nil {
			t.Fatal(err)
		}
		if o.TxBusyPoll != 30*time.Microsecond {
			t.Errorf("dhcp %v: TxBusyPoll %v, want 30µs", dhcp, o.TxBusyPoll)
		}
	}
}
