package admin

import (
	"bufio"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// /metrics in the Prometheus text exposition format, version 0.0.4: a
// HELP and a TYPE line per family, then its samples; counters end in
// _total; label values escape backslash, double quote and newline.

type metricSample struct {
	labels [][2]string
	value  float64
}

type family struct {
	name, help, typ string
	samples         []metricSample
}

func (f *family) add(v float64, labels ...string) {
	s := metricSample{value: v}
	for i := 0; i+1 < len(labels); i += 2 {
		s.labels = append(s.labels, [2]string{labels[i], labels[i+1]})
	}
	f.samples = append(f.samples, s)
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
var helpEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

func formatValue(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func (f *family) write(w *bufio.Writer) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", f.name, helpEscaper.Replace(f.help), f.name, f.typ)
	for _, s := range f.samples {
		w.WriteString(f.name)
		if len(s.labels) > 0 {
			w.WriteByte('{')
			for i, l := range s.labels {
				if i > 0 {
					w.WriteByte(',')
				}
				fmt.Fprintf(w, `%s="%s"`, l[0], labelEscaper.Replace(l[1]))
			}
			w.WriteByte('}')
		}
		w.WriteByte(' ')
		w.WriteString(formatValue(s.value))
		w.WriteByte('\n')
	}
}

// summed merges samples with the same label values, so a family never
// repeats a label set.
func summed(f *family) {
	idx := map[string]int{}
	var out []metricSample
	for _, s := range f.samples {
		var k strings.Builder
		for _, l := range s.labels {
			k.WriteString(l[0] + "\x00" + l[1] + "\x00")
		}
		if i, ok := idx[k.String()]; ok {
			out[i].value += s.value
			continue
		}
		idx[k.String()] = len(out)
		out = append(out, s)
	}
	f.samples = out
}

func (h *Handler) metricFamilies() []*family {
	now := h.d.Now()
	var fs []*family
	newF := func(name, typ, help string) *family {
		f := &family{name: name, typ: typ, help: help}
		fs = append(fs, f)
		return f
	}
	if h.d.Link != nil {
		l := h.d.Link()
		if !l.Started.IsZero() {
			newF("tcpbox_uptime_seconds", "gauge", "Seconds since tcpbox started.").add(now.Sub(l.Started).Seconds())
		}
		newF("tcpbox_link_info", "gauge", "The link tcpbox owns; the value is always 1.").add(1, "name", l.Name, "mac", l.MAC, "mode", l.Mode)
		newF("tcpbox_link_mtu_bytes", "gauge", "MTU of the link.").add(float64(l.MTU), "name", l.Name)
		up := 0.0
		if l.Up {
			up = 1
		}
		newF("tcpbox_link_up", "gauge", "1 if the link is up.").add(up, "name", l.Name)
	}
	if h.d.Counters != nil {
		ev := newF("tcpbox_stack_events_total", "counter", "Stack counters by layer (packets, segments, bytes, events).")
		dr := newF("tcpbox_stack_drops_total", "counter", "Packets the stack discarded, by layer and reason.")
		for _, c := range h.d.Counters() {
			if c.Drop {
				dr.add(float64(c.Value), "layer", c.Layer, "reason", c.Name)
			} else {
				ev.add(float64(c.Value), "layer", c.Layer, "counter", c.Name)
			}
		}
	}
	if h.d.Connections != nil {
		byState := map[string]int{}
		for _, c := range h.d.Connections() {
			byState[c.State.String()]++
		}
		f := newF("tcpbox_tcp_connections", "gauge", "TCP connections by state (RFC 9293 §3.3.2).")
		for _, s := range stateOrder {
			if s != "CLOSED" && s != "LISTEN" {
				f.add(float64(byState[s]), "state", s)
			}
		}
	}
	if h.d.Services != nil {
		ls := newF("tcpbox_service_listening", "gauge", "1 if the service's listener is open.")
		ac := newF("tcpbox_service_active", "gauge", "Open connections (or UDP peers) per service.")
		ev := newF("tcpbox_service_events_total", "counter", "Service counters (accepted, refused, errors ...).")
		for _, s := range h.d.Services() {
			v := 0.0
			if s.Listening {
				v = 1
			}
			ls.add(v, "service", s.Name, "proto", s.Proto, "port", strconv.Itoa(s.Port))
			ac.add(float64(s.Active), "service", s.Name)
			for _, c := range s.Counters {
				ev.add(float64(c.Value), "service", s.Name, "counter", c.Name)
			}
		}
	}
	if h.d.Captures != nil {
		n := 0
		for _, c := range h.d.Captures.List() {
			if c.Running {
				n++
			}
		}
		newF("tcpbox_captures_running", "gauge", "Packet captures running.").add(float64(n))
	}
	if h.d.Logs != nil {
		f := newF("tcpbox_log_lines_total", "counter", "Log lines by level.")
		counts := h.d.Logs.LevelCounts()
		levels := make([]string, 0, len(counts))
		for l := range counts {
			levels = append(levels, l)
		}
		slices.Sort(levels)
		for _, l := range levels {
			f.add(float64(counts[l]), "level", l)
		}
	}
	newF("tcpbox_admin_failed_logins_total", "counter", "Admin requests refused for wrong credentials.").add(float64(h.failedLogins.Load()))
	newF("tcpbox_admin_xsrf_refused_total", "counter", "Admin changes refused for a missing or wrong XSRF token.").add(float64(h.xsrfRefused.Load()))
	if h.d.Config != nil {
		w := 0.0
		if h.d.Config.Warning() != "" {
			w = 1
		}
		newF("tcpbox_config_warning", "gauge", "1 if the configuration file was refused at start and the last good copy is in use.").add(w)
	}
	for _, f := range fs {
		summed(f)
	}
	return fs
}

func (h *Handler) metrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	bw := bufio.NewWriter(w)
	for _, f := range h.metricFamilies() {
		f.write(bw)
	}
	bw.Flush()
}
