package config

import (
	"fmt"
	"net"
	"net/netip"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// FieldError is one problem with one field.
type FieldError struct {
	Path string `json:"path"`
	Msg  string `json:"error"`
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

// Errors is every problem found, in field order. A nil Errors means valid.
type Errors []*FieldError

func (es Errors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "; ")
}

// For returns the messages for one path (for inline display).
func (es Errors) For(path string) []string {
	var out []string
	for _, e := range es {
		if e.Path == path {
			out = append(out, e.Msg)
		}
	}
	return out
}

func (es *Errors) add(path, format string, args ...any) {
	*es = append(*es, &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Validate reports every problem of c at once, each with its field path.
// It returns nil (not an empty non-nil Errors) when c is valid.
func Validate(c *Config) error {
	var es Errors
	if c.Version != SchemaVersion {
		es.add("version", "%d is not the current schema version %d", c.Version, SchemaVersion)
	}
	walk(c, func(l leaf) { checkBounds(&es, l) })
	checkLink(&es, &c.Link)
	checkAddress(&es, &c.Address)
	checkProfile(&es, "tcp", &c.TCP)
	if len(c.Profiles) > MaxProfiles {
		es.add("profiles", "%d profiles; at most %d", len(c.Profiles), MaxProfiles)
	}
	for _, name := range sortedKeys(c.Profiles) {
		p := c.Profiles[name]
		if !profileName.MatchString(name) {
			es.add("profiles."+name, "profile name must be 1-32 of a-z, 0-9, _ and -")
		}
		checkProfile(&es, "profiles."+name, &p)
	}
	checkServices(&es, c)
	checkAdmin(&es, &c.Admin)
	if len(es) == 0 {
		return nil
	}
	return es
}

var profileName = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// checkBounds applies the min, max, zero and enum tags of one field.
func checkBounds(es *Errors, l leaf) {
	tag := l.sf.Tag
	if e := tag.Get("enum"); e != "" {
		s := l.v.String()
		for _, ok := range strings.Split(e, ",") {
			if s == ok {
				return
			}
		}
		es.add(l.path, "%q is not one of %s", s, strings.ReplaceAll(e, ",", ", "))
		return
	}
	if l.v.Kind() != reflect.Int && l.v.Kind() != reflect.Int64 {
		return
	}
	n := l.v.Int()
	if n == 0 && tag.Get("zero") != "" {
		return
	}
	isDur := l.sf.Type == durationType
	parse := func(s string) int64 {
		if isDur {
			d, _ := time.ParseDuration(s)
			return int64(d)
		}
		v, _ := strconv.ParseInt(s, 10, 64)
		return v
	}
	shown := format(l.v)
	if m := tag.Get("min"); m != "" && n < parse(m) {
		es.add(l.path, "%s is below the minimum %s", shown, m)
	} else if m == "" && isDur && n < 0 {
		es.add(l.path, "%s is below the minimum 0s", shown)
	}
	if m := tag.Get("max"); m != "" && n > parse(m) {
		es.add(l.path, "%s is above the maximum %s", shown, m)
	}
}

func checkLink(es *Errors, l *Link) {
	if l.Interface == "" || len(l.Interface) > 15 || strings.ContainsAny(l.Interface, "/ \t\n:") {
		es.add("link.interface", "%q is not an interface name (1-15 characters, no '/', ':' or spaces)", l.Interface)
	}
	if l.MAC != "" {
		hw, err := net.ParseMAC(l.MAC)
		switch {
		case err != nil || len(hw) != 6:
			es.add("link.mac", "%q is not a MAC address such as 02:00:5e:10:00:01", l.MAC)
		case hw[0]&1 != 0:
			es.add("link.mac", "%s is a multicast address; a station needs a unicast one", l.MAC)
		}
	}
}

func checkAddress(es *Errors, a *Address) {
	var pfx netip.Prefix
	if a.CIDR != "" {
		var err error
		pfx, err = netip.ParsePrefix(a.CIDR)
		switch {
		case err != nil:
			es.add("address.cidr", "%q is not an address with prefix length such as 198.18.0.2/24", a.CIDR)
		case !pfx.Addr().Is4():
			es.add("address.cidr", "%s is not IPv4", a.CIDR)
		case pfx.Bits() < 8 || pfx.Bits() > 31:
			es.add("address.cidr", "prefix length /%d is outside /8 to /31", pfx.Bits())
		}
	} else if a.Mode == "static" {
		es.add("address.cidr", "a static address needs cidr")
	}
	if a.Gateway != "" {
		gw, err := netip.ParseAddr(a.Gateway)
		switch {
		case err != nil || !gw.Is4():
			es.add("address.gateway", "%q is not an IPv4 address", a.Gateway)
		case pfx.IsValid() && !pfx.Masked().Contains(gw):
			es.add("address.gateway", "%s is not inside %s", gw, pfx.Masked())
		case pfx.IsValid() && gw == pfx.Addr():
			es.add("address.gateway", "%s is tcpbox's own address", gw)
		}
	}
}

func checkProfile(es *Errors, path string, p *Profile) {
	order := func(lo, mid, hi int, nlo, nmid, nhi string) {
		if lo > mid {
			es.add(path+"."+nmid, "%d is below %s %d", mid, nlo, lo)
		}
		if mid > hi {
			es.add(path+"."+nmid, "%d is above %s %d", mid, nhi, hi)
		}
	}
	order(p.SndBufMin, p.SndBuf, p.SndBufMax, "sndbuf_min", "sndbuf", "sndbuf_max")
	order(p.RcvBufMin, p.RcvBuf, p.RcvBufMax, "rcvbuf_min", "rcvbuf", "rcvbuf_max")
	if p.RTOMin > p.RTOInitial {
		es.add(path+".rto_initial", "%s is below rto_min %s", p.RTOInitial, p.RTOMin)
	}
	if p.RTOInitial > p.RTOMax {
		es.add(path+".rto_initial", "%s is above rto_max %s", p.RTOInitial, p.RTOMax)
	}
	// RFC 7323 §2.2: without the option the window field is 16 bits.
	if !p.WindowScaling && p.RcvBufMax > 65535 && !p.Autotune && p.RcvBuf > 65535 {
		es.add(path+".rcvbuf", "%d needs window_scaling: without it the window is at most 65535 (RFC 7323 §2.2)", p.RcvBuf)
	}
	if !p.SACK && p.DSACK {
		es.add(path+".dsack", "D-SACK needs sack (RFC 2883 extends SACK)")
	}
}

// checkServices checks profile references and port clashes: two enabled
// TCP services cannot share a port (UDP echo has its own port space).
func checkServices(es *Errors, c *Config) {
	type svc struct {
		name string
		s    *Service
		tcp  bool
	}
	all := []svc{
		{"tcp_echo", &c.Services.TCPEcho, true},
		{"udp_echo", &c.Services.UDPEcho, false},
		{"discard", &c.Services.Discard, true},
		{"chargen", &c.Services.Chargen, true},
		{"framed_echo", &c.Services.FramedEcho, true},
		{"http_file", &c.Services.HTTPFile.Service, true},
		{"framed_file", &c.Services.FramedFile.Service, true},
		{"iperf3", &c.Services.Iperf3.Service, true},
	}
	used := map[int]string{}
	if c.Admin.AlsoOnTCPBox {
		used[c.Admin.Port] = "admin"
	}
	for _, s := range all {
		path := "services." + s.name
		if s.s.Profile != "" {
			if _, ok := c.Profiles[s.s.Profile]; !ok {
				es.add(path+".profile", "no profile named %q", s.s.Profile)
			}
		}
		if s.s.PerClientMax > s.s.MaxConns {
			es.add(path+".per_client_max", "%d is above max_conns %d", s.s.PerClientMax, s.s.MaxConns)
		}
		if !s.s.Enabled || !s.tcp {
			continue
		}
		if other, ok := used[s.s.Port]; ok {
			es.add(path+".port", "port %d is already used by %s", s.s.Port, other)
			continue
		}
		used[s.s.Port] = s.name
	}
}

func checkAdmin(es *Errors, a *Admin) {
	if a.Listen != "" {
		if _, err := netip.ParseAddr(a.Listen); err != nil {
			es.add("admin.listen", "%q is not an IP address", a.Listen)
		}
	}
	if a.PasswordHash != "" {
		if _, err := parseHash(a.PasswordHash); err != nil {
			es.add("admin.password_hash", "%v", err)
		}
	}
}

func sortedKeys(m map[string]Profile) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
