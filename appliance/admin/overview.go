package admin

import (
	"net/http"
	"sort"
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp"
)

type counterRow struct {
	Layer string   `json:"layer"`
	Name  string   `json:"name"`
	Value uint64   `json:"value"`
	Rate  *float64 `json:"rate_per_s,omitempty"`
	Help  string   `json:"help,omitempty"`
}

type overviewData struct {
	Link        *LinkInfo      `json:"link,omitempty"`
	Uptime      string         `json:"uptime,omitempty"`
	UptimeS     float64        `json:"uptime_s"`
	LeaseLeft   string         `json:"lease_left,omitempty"`
	Connections map[string]int `json:"connections_by_state"`
	Counters    []counterRow   `json:"counters"`
	Drops       []counterRow   `json:"drops"`
	Dropped     []counterRow   `json:"-"` // the drops above 0, most first
	Clean       []counterRow   `json:"-"` // the reasons with no drops
	Warning     string         `json:"config_warning,omitempty"`
}

func (h *Handler) overview(r *http.Request) (string, any, int) {
	now := h.d.Now()
	d := overviewData{Connections: map[string]int{}}
	if h.d.Link != nil {
		l := h.d.Link()
		d.Link = &l
		if !l.Started.IsZero() {
			up := now.Sub(l.Started)
			d.Uptime, d.UptimeS = up.Truncate(time.Second).String(), up.Seconds()
		}
		if l.DHCP != nil {
			d.LeaseLeft = l.DHCP.Expires.Sub(now).Truncate(time.Second).String()
		}
	}
	if h.d.Connections != nil {
		for _, c := range h.d.Connections() {
			d.Connections[c.State.String()]++
		}
	}
	if h.d.Counters != nil {
		cs := h.d.Counters()
		rates := h.rates(cs)
		for _, c := range cs {
			row := counterRow{Layer: c.Layer, Name: c.Name, Value: c.Value, Help: c.Help}
			if r, ok := rates[counterKey(c)]; ok {
				row.Rate = &r
			}
			if c.Drop {
				d.Drops = append(d.Drops, row)
			} else {
				d.Counters = append(d.Counters, row)
			}
		}
		sort.SliceStable(d.Drops, func(i, j int) bool { return d.Drops[i].Value > d.Drops[j].Value })
		// The page lists the reasons that dropped anything and names the
		// rest in one line: fifty rows of 0 hide the one that matters.
		for _, r := range d.Drops {
			if r.Value > 0 {
				d.Dropped = append(d.Dropped, r)
			} else {
				d.Clean = append(d.Clean, r)
			}
		}
	}
	if h.d.Config != nil {
		d.Warning = h.d.Config.Warning()
	}
	return "Overview", d, 0
}

// stateOrder lists states for display.
var stateOrder = func() []string {
	var s []string
	for st := tcp.Closed; st < tcp.NumStates; st++ {
		s = append(s, st.String())
	}
	return s
}()
