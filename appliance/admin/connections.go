package admin

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tcpbox/tcpbox/stack/tcp"
)

// column is one column of the connections table.
type column struct {
	Key, Label string
	text       func(*tcp.Info) string
	num        func(*tcp.Info) float64 // nil: sort by text
}

// infinite ssthresh: Linux shows 2^31-1 before the first loss.
const ssthreshInfinite = 1 << 30

func ssthreshText(n int) string {
	if n <= 0 || n >= ssthreshInfinite {
		return "∞"
	}
	return strconv.Itoa(n)
}

var columns = []column{
	{"id", "ID", func(i *tcp.Info) string { return strconv.FormatUint(i.ID, 10) }, func(i *tcp.Info) float64 { return float64(i.ID) }},
	{"service", "Service", func(i *tcp.Info) string { return i.Listener }, nil},
	{"state", "State", func(i *tcp.Info) string { return i.State.String() }, func(i *tcp.Info) float64 { return float64(i.State) }},
	{"local", "Local", func(i *tcp.Info) string { return i.Local.String() }, nil},
	{"remote", "Remote", func(i *tcp.Info) string { return i.Remote.String() }, nil},
	{"congestion", "CC", func(i *tcp.Info) string { return i.Congestion }, nil},
	{"cwnd", "cwnd", func(i *tcp.Info) string { return strconv.Itoa(i.Cwnd) }, func(i *tcp.Info) float64 { return float64(i.Cwnd) }},
	{"ssthresh", "ssthresh", func(i *tcp.Info) string { return ssthreshText(i.Ssthresh) }, func(i *tcp.Info) float64 { return float64(i.Ssthresh) }},
	{"srtt", "SRTT", func(i *tcp.Info) string { return fmtDur(i.SRTT) }, func(i *tcp.Info) float64 { return float64(i.SRTT) }},
	{"snd_una", "SND.UNA", func(i *tcp.Info) string { return strconv.FormatUint(uint64(i.SndUna), 10) }, nil},
	{"snd_nxt", "SND.NXT", func(i *tcp.Info) string { return strconv.FormatUint(uint64(i.SndNxt), 10) }, nil},
	{"snd_wnd", "SND.WND", func(i *tcp.Info) string { return strconv.FormatUint(uint64(i.SndWnd), 10) }, func(i *tcp.Info) float64 { return float64(i.SndWnd) }},
	{"rcv_nxt", "RCV.NXT", func(i *tcp.Info) string { return strconv.FormatUint(uint64(i.RcvNxt), 10) }, nil},
	{"rcv_wnd", "RCV.WND", func(i *tcp.Info) string { return strconv.FormatUint(uint64(i.RcvWnd), 10) }, func(i *tcp.Info) float64 { return float64(i.RcvWnd) }},
	{"bytes", "Sent / received", func(i *tcp.Info) string {
		return fmtBytes(i.BytesSent) + " / " + fmtBytes(i.BytesReceived)
	}, func(i *tcp.Info) float64 { return float64(i.BytesSent + i.BytesReceived) }},
	{"delivery_rate", "Rate", func(i *tcp.Info) string { return fmtRate(i.DeliveryRate) }, func(i *tcp.Info) float64 { return float64(i.DeliveryRate) }},
	{"total_retrans", "Retrans", func(i *tcp.Info) string { return strconv.FormatUint(i.TotalRetrans, 10) }, func(i *tcp.Info) float64 { return float64(i.TotalRetrans) }},
	{"age", "Age", func(i *tcp.Info) string { return fmtDur(i.Age) }, func(i *tcp.Info) float64 { return float64(i.Age) }},
}

type connRow struct {
	ID    uint64   `json:"id"`
	State string   `json:"state"`
	Cells []string `json:"-"`
	Info  tcp.Info `json:"info"`
}

type connsData struct {
	Columns  []column            `json:"-"`
	Sort     string              `json:"sort"`
	Desc     bool                `json:"desc"`
	Service  string              `json:"service"`
	State    string              `json:"state"`
	Services []string            `json:"-"`
	Total    int                 `json:"total"`
	Rows     []connRow           `json:"connections"`
	Shown    int                 `json:"-"` // rows in the HTML table (bounded)
	SortLink func(string) string `json:"-"`
}

// maxConnRows bounds the HTML table; the JSON twin has every row, and the
// filters reach the rest.
const maxConnRows = 2000

func (h *Handler) connections(r *http.Request) (string, any, int) {
	q := r.URL.Query()
	d := connsData{Columns: columns, Sort: q.Get("sort"), Desc: q.Get("desc") == "1",
		Service: q.Get("service"), State: q.Get("state")}
	var all []tcp.Info
	if h.d.Connections != nil {
		all = h.d.Connections()
	}
	d.Total = len(all)
	seen := map[string]bool{}
	var keep []tcp.Info
	for _, c := range all {
		if c.Listener != "" && !seen[c.Listener] {
			seen[c.Listener] = true
			d.Services = append(d.Services, c.Listener)
		}
		if d.Service != "" && c.Listener != d.Service {
			continue
		}
		if d.State != "" && !strings.EqualFold(c.State.String(), d.State) {
			continue
		}
		keep = append(keep, c)
	}
	slices.Sort(d.Services)
	col := columns[0]
	for _, c := range columns {
		if c.Key == d.Sort {
			col = c
		}
	}
	d.Sort = col.Key
	slices.SortStableFunc(keep, func(a, b tcp.Info) int {
		var r int
		if col.num != nil {
			r = cmp.Compare(col.num(&a), col.num(&b))
		} else {
			r = strings.Compare(col.text(&a), col.text(&b))
		}
		if d.Desc {
			r = -r
		}
		return r
	})
	for i := range keep {
		row := connRow{ID: keep[i].ID, State: keep[i].State.String(), Info: keep[i]}
		for _, c := range columns {
			row.Cells = append(row.Cells, c.text(&keep[i]))
		}
		d.Rows = append(d.Rows, row)
	}
	d.SortLink = func(key string) string {
		v := url.Values{}
		v.Set("sort", key)
		if key == d.Sort && !d.Desc {
			v.Set("desc", "1")
		}
		if d.Service != "" {
			v.Set("service", d.Service)
		}
		if d.State != "" {
			v.Set("state", d.State)
		}
		return "/connections?" + v.Encode()
	}
	d.Shown = min(len(d.Rows), maxConnRows)
	return fmt.Sprintf("Connections (%d)", len(d.Rows)), d, 0
}
