package config

import (
	"slices"
	"strings"
)

// Change is one field that differs between two configurations.
type Change struct {
	Path     string `json:"path"`
	Old, New string // formatted values; "" for a secret or a missing field
	Applies  string `json:"applies"` // the applies tag code: conn, service, link, address, admin
}

// Changes lists what differs between prev and next, for the apply hook to
// decide what to re-create (a link, an address, a service's listener) and
// for the log. Profiles added or removed show as one change each with
// path "profiles.<name>".
type Changes []Change

// Diff compares two configurations field by field.
func Diff(prev, next *Config) Changes {
	type val struct {
		v, applies string
		secret     bool
	}
	old := map[string]val{}
	walk(prev, func(l leaf) {
		old[l.path] = val{format(l.v), l.sf.Tag.Get("applies"), l.sf.Tag.Get("secret") == "true"}
	})
	var out Changes
	walk(next, func(l leaf) {
		o, ok := old[l.path]
		delete(old, l.path)
		if !ok || o.v == format(l.v) {
			return
		}
		c := Change{Path: l.path, Old: o.v, New: format(l.v), Applies: l.sf.Tag.Get("applies")}
		if o.secret {
			c.Old, c.New = "", ""
		}
		out = append(out, c)
	})
	for name := range next.Profiles {
		if _, ok := prev.Profiles[name]; !ok {
			out = append(out, Change{Path: "profiles." + name, New: "(added)", Applies: "conn"})
		}
	}
	for name := range prev.Profiles {
		if _, ok := next.Profiles[name]; !ok {
			out = append(out, Change{Path: "profiles." + name, Old: "(removed)", Applies: "conn"})
		}
	}
	slices.SortFunc(out, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// Has reports whether any change applies by the given code (for example
// Has("link") means the link must be re-created).
func (cs Changes) Has(applies string) bool {
	for _, c := range cs {
		if c.Applies == applies {
			return true
		}
	}
	return false
}

// Services returns the names of the services whose listener must be
// re-created: a field of services.<name> that applies at a service
// restart, its profile name, or the backlog of the profile it uses.
func (cs Changes) Services(next *Config) []string {
	var out []string
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, c := range cs {
		parts := strings.Split(c.Path, ".")
		switch {
		case parts[0] == "services" && len(parts) == 3 && (c.Applies == "service" || parts[2] == "profile"):
			add(parts[1]) // a new profile may bring a new backlog: re-create
		case c.Applies == "service" && (parts[0] == "tcp" || parts[0] == "profiles"):
			// A listener's backlog comes from its profile.
			prof := ""
			if parts[0] == "profiles" {
				prof = parts[1]
			}
			for name, s := range next.ServiceMap() {
				if s.Profile == prof {
					add(name)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// ServiceMap names each service's common settings, by their names in the
// file (tcp_echo, framed_echo, ...).
func (c *Config) ServiceMap() map[string]*Service {
	s := &c.Services
	return map[string]*Service{
		"tcp_echo": &s.TCPEcho, "udp_echo": &s.UDPEcho, "discard": &s.Discard, "chargen": &s.Chargen,
		"framed_echo": &s.FramedEcho, "http_file": &s.HTTPFile.Service, "framed_file": &s.FramedFile.Service,
		"iperf3": &s.Iperf3.Service,
	}
}
