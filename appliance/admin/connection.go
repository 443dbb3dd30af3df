package admin

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/tcpbox/tcpbox/stack/tcp"
)

type infoRow struct {
	Key     string `json:"key"`
	Label   string `json:"label"`
	Value   string `json:"value"`
	Explain string `json:"explain,omitempty"`
}

type infoGroup struct {
	Name string    `json:"name"`
	Rows []infoRow `json:"rows"`
}

type connData struct {
	ID     uint64      `json:"id"`
	State  string      `json:"state"`
	Error  string      `json:"error,omitempty"`
	Groups []infoGroup `json:"groups,omitempty"`
	Info   *tcp.Info   `json:"info,omitempty"`
	ConnTrace
	Plots map[string]template.HTML `json:"plots,omitempty"`
}

func (h *Handler) connection(r *http.Request) (string, any, int) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		return "Connection", connData{Error: "not a connection id"}, http.StatusBadRequest
	}
	d := connData{ID: id}
	if h.d.Connections != nil {
		for _, c := range h.d.Connections() {
			if c.ID == id {
				c := c
				d.Info = &c
				break
			}
		}
	}
	if d.Info == nil {
		d.Error = fmt.Sprintf("connection %d is not open (any more)", id)
		return fmt.Sprintf("Connection %d", id), d, http.StatusNotFound
	}
	d.State = d.Info.State.String()
	d.Groups = infoGroups(d.Info)
	if h.d.Trace != nil {
		d.ConnTrace = h.d.Trace(id)
	}
	d.Plots = tracePlots(&d.ConnTrace)
	return fmt.Sprintf("Connection %d: %s ↔ %s", id, d.Info.Local, d.Info.Remote), d, 0
}

func u(v uint64) string   { return strconv.FormatUint(v, 10) }
func u32(v uint32) string { return strconv.FormatUint(uint64(v), 10) }
func i(v int) string      { return strconv.Itoa(v) }

func onOff(name string, on bool) string {
	if on {
		return name
	}
	return ""
}

// InFlight estimates the bytes in flight from tcp_info's segment counts
// as RFC 6675 §2 defines pipe: sent and not acknowledged, less what is
// SACKed or deemed lost, plus retransmissions still out; in SndMSS units.
func InFlight(in *tcp.Info) int {
	return max(in.Unacked-in.Sacked-in.Lost+in.Retrans, 0) * in.SndMSS
}

// infoGroups lays out a tcp.Info for people, each value with its
// explanation.
func infoGroups(c *tcp.Info) []infoGroup {
	row := func(key, label, value string) infoRow {
		return infoRow{Key: key, Label: label, Value: value, Explain: explain[key]}
	}
	var opts []string
	for _, o := range []string{onOff("timestamps", c.TimestampsOK), onOff("sack", c.SACKOK), onOff("wscale", c.WScaleOK), onOff("ecn", c.ECNOK), onOff("nodelay", c.NoDelay), onOff("cork", c.Corked)} {
		if o != "" {
			opts = append(opts, o)
		}
	}
	stateRow := row("state", "State", c.State.String())
	if e := explain[c.State.String()]; e != "" {
		stateRow.Explain = e
	}
	return []infoGroup{
		{"Identity", []infoRow{
			stateRow,
			row("local", "Local", c.Local.String()),
			row("remote", "Remote", c.Remote.String()),
			row("service", "Service", c.Listener),
			row("congestion", "Congestion control", c.Congestion),
			row("ca_state", "CA state", c.CAState),
			row("age", "Age", fmtDur(c.Age)),
		}},
		{"TCB (RFC 9293 §3.3.1)", []infoRow{
			row("iss", "ISS", u32(c.ISS)),
			row("irs", "IRS", u32(c.IRS)),
			row("snd_una", "SND.UNA", u32(c.SndUna)),
			row("snd_nxt", "SND.NXT", u32(c.SndNxt)),
			row("snd_wnd", "SND.WND", u32(c.SndWnd)),
			row("rcv_nxt", "RCV.NXT", u32(c.RcvNxt)),
			row("rcv_wnd", "RCV.WND", u32(c.RcvWnd)),
			row("wscale", "Window scale (send/recv)", fmt.Sprintf("%d / %d", c.SndWScale, c.RcvWScale)),
			row("mss", "MSS (send/recv/advertised)", fmt.Sprintf("%d / %d / %d", c.SndMSS, c.RcvMSS, c.AdvMSS)),
			row("pmtu", "Path MTU", i(c.PMTU)),
			row("options", "Options", strings.Join(opts, ", ")),
		}},
		{"RTT and timers (RFC 6298)", []infoRow{
			row("srtt", "SRTT", fmtDur(c.SRTT)),
			row("rttvar", "RTTVAR", fmtDur(c.RTTVar)),
			row("min_rtt", "Min RTT", fmtDur(c.MinRTT)),
			row("rto", "RTO", fmtDur(c.RTO)),
			row("ato", "ATO", fmtDur(c.ATO)),
			row("backoff", "Backoff", i(c.Backoff)),
			row("retransmits", "Retransmits (current)", i(c.Retransmits)),
		}},
		{"Congestion control", []infoRow{
			row("cwnd", "cwnd", i(c.Cwnd)),
			row("ssthresh", "ssthresh", ssthreshText(c.Ssthresh)),
			row("in_flight", "In flight (bytes, estimate)", i(InFlight(c))),
			row("delivery_rate", "Delivery rate", fmtRate(c.DeliveryRate)),
			row("pacing_rate", "Pacing rate", fmtRate(c.PacingRate)),
			row("reordering", "Reordering", i(c.Reordering)),
			row("cwnd_limited", "Window limited", yesNo(c.CwndLimited)),
		}},
		{"Queues", []infoRow{
			row("unacked", "Unacked (segments)", i(c.Unacked)),
			row("sacked", "SACKed", i(c.Sacked)),
			row("lost", "Lost", i(c.Lost)),
			row("retrans", "Retrans in flight", i(c.Retrans)),
			row("notsent", "Not sent (bytes)", i(c.NotSentBytes)),
			row("sndbuf", "Send buffer", i(c.SndBuf)),
			row("rcvbuf", "Receive buffer", i(c.RcvBuf)),
			row("rcv_space", "Receive space", i(c.RcvSpace)),
		}},
		{"Totals", []infoRow{
			row("bytes", "Bytes sent / acked / received", u(c.BytesSent)+" / "+u(c.BytesAcked)+" / "+u(c.BytesReceived)),
			row("segs", "Segments in / out", u(c.SegsIn)+" / "+u(c.SegsOut)),
			row("total_retrans", "Retransmissions (fast / RTO)", u(c.TotalRetrans)+" ("+u(c.FastRetrans)+" / "+u(c.RTORetrans)+")"),
			row("dup_acks", "Duplicate ACKs in", u(c.DupAcksIn)),
			row("zero_window", "Zero-window probes", u(c.ZeroWindowProbes)),
			row("dsack_dups", "D-SACK dups / reorder seen", u(c.DSACKDups)+" / "+u(c.ReordSeen)),
		}},
		{"Time", timeRows(c, row)},
	}
}

// timeRows: how long since data moved, what limited sending, and the time
// spent in each state the connection has been in.
func timeRows(c *tcp.Info, row func(key, label, value string) infoRow) []infoRow {
	rows := []infoRow{
		row("last_data", "Since data sent / received / ACK", fmtDur(c.LastDataSent)+" / "+fmtDur(c.LastDataRecv)+" / "+fmtDur(c.LastAckRecv)),
		row("limited", "Busy / receive-window-limited / send-buffer-limited", fmtDur(c.BusyTime)+" / "+fmtDur(c.RwndLimited)+" / "+fmtDur(c.SndBufLimited)),
	}
	for st := tcp.Closed; st < tcp.NumStates; st++ {
		if d := c.TimeInState[st]; d > 0 {
			r := row("time_in_state", "In "+st.String(), fmtDur(d))
			r.Key = "time_in_" + st.String()
			rows = append(rows, r)
		}
	}
	return rows
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
