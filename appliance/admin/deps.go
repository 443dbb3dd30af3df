package admin

import (
	"io"
	"log/slog"
	"time"

	"github.com/tcpbox/tcpbox/config"
	"github.com/tcpbox/tcpbox/stack/tcp"
)

// Deps are what the admin page shows and changes. Functions are called
// from HTTP handler goroutines, concurrently: each must be safe for that.
// Nil functions show as "not available".
type Deps struct {
	// User and Password for HTTP basic auth (user "gokrazy" and gokrazy's
	// password under gokrazy; otherwise see LoadOrCreatePassword). If
	// CheckPassword is set it is used instead (for admin.password_hash).
	User          string
	Password      string
	CheckPassword func(user, password string) bool

	// Config is the configuration store (config.Store satisfies it).
	Config ConfigStore
	// Apply makes next the running configuration. It is called after next
	// was saved. On error it must leave the running system as it was; the
	// admin page then restores the previous file. An error that is (or
	// wraps) config.Errors or *config.FieldError is shown beside its field
	// (for example a port already in use).
	Apply func(prev, next config.Config) error
	// Effective returns the configuration in force, where it differs from
	// the saved one (the command line's overrides of interface, MAC and
	// address); the tuning page shows such values beside the saved ones.
	// Nil: the saved configuration is in force as it is.
	Effective func() config.Config
	// NoEffect names the TCP knobs that validate and persist but do not
	// change what the stack does yet: a field's name ("pacing"), or a name
	// and the one value that has no effect of its own ("ecn=passive"). The
	// tuning page says so beside each, so nobody tunes a knob in vain.
	NoEffect []string

	Connections func() []tcp.Info
	// Trace returns what a connection's page plots (zero if unknown).
	Trace    func(id uint64) ConnTrace
	Counters func() []Counter
	Link     func() LinkInfo
	Services func() []ServiceInfo
	Captures Captures
	// Logs is the ring the appliance's logger writes to (NewLogRing).
	Logs *LogRing
	// Log receives the admin page's own messages (changes applied,
	// refused logins); nil discards them. Secrets are never logged.
	Log *slog.Logger
	// Now is the clock (time.Now if nil); tests pass a manual one.
	Now func() time.Time
}

// ConfigStore is the configuration store as the admin page uses it.
type ConfigStore interface {
	Get() config.Config
	Save(config.Config) error // validates; refuses an invalid config with config.Errors
	Warning() string          // a problem found at start, shown on every page
}

// Counter is one stack counter. Drop counters have Drop set and name
// their reason in Name.
type Counter struct {
	Layer string `json:"layer"` // "link", "arp", "ip", "icmp", "udp", "tcp", ...
	Name  string `json:"name"`
	Value uint64 `json:"value"`
	Drop  bool   `json:"drop,omitempty"`
	Help  string `json:"help,omitempty"`
}

// LinkInfo describes tcpbox's link and addresses.
type LinkInfo struct {
	Name      string    `json:"name"`
	Mode      string    `json:"mode"` // dedicated, macvlan
	MAC       string    `json:"mac"`
	MTU       int       `json:"mtu"`
	Up        bool      `json:"up"`
	Speed     string    `json:"speed,omitempty"`
	Addresses []string  `json:"addresses"` // CIDR form
	Gateway   string    `json:"gateway,omitempty"`
	DHCP      *Lease    `json:"dhcp,omitempty"`
	Started   time.Time `json:"started"` // when the program started (uptime)
}

// Lease is a DHCP lease (RFC 2131).
type Lease struct {
	Server   string    `json:"server"`
	Address  string    `json:"address"`
	Obtained time.Time `json:"obtained"`
	Expires  time.Time `json:"expires"`
}

// ServiceInfo is one service's listener and its counters.
type ServiceInfo struct {
	Name       string  `json:"name"` // the config name: tcp_echo, framed_echo, ...
	Proto      string  `json:"proto"`
	Port       int     `json:"port"`
	Enabled    bool    `json:"enabled"`
	Listening  bool    `json:"listening"`
	Profile    string  `json:"profile"`
	Congestion string  `json:"congestion"`
	Active     int     `json:"active"` // open connections or UDP peers
	Error      string  `json:"error,omitempty"`
	Counters   []Value `json:"counters"`
}

// Value is a named counter value.
type Value struct {
	Name  string `json:"name"`
	Value uint64 `json:"value"`
}

// CaptureRequest starts a capture into a bounded ring.
type CaptureRequest struct {
	Filter      string        `json:"filter"`       // implementation-defined; "" captures all
	MaxBytes    int64         `json:"max_bytes"`    // size of the ring
	MaxDuration time.Duration `json:"max_duration"` // stop after this long; 0: until stopped
}

// CaptureInfo describes a capture.
type CaptureInfo struct {
	ID      uint64         `json:"id"`
	Request CaptureRequest `json:"request"`
	Started time.Time      `json:"started"`
	Running bool           `json:"running"`
	Packets uint64         `json:"packets"` // kept in the ring now
	Bytes   uint64         `json:"bytes"`
	Dropped uint64         `json:"dropped"` // evicted from the ring to make room
}

// Captures runs packet captures (adapted from nic/pcap by appliance).
type Captures interface {
	Start(CaptureRequest) (CaptureInfo, error)
	Stop(id uint64) error
	List() []CaptureInfo
	// WritePcap writes the capture as a pcap file (it may be running).
	WritePcap(id uint64, w io.Writer) error
}
