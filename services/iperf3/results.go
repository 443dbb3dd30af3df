package iperf3

import (
	"fmt"
	"strings"
	"syscall"
	"time"
)

// cpuTimes is the process's CPU time (getrusage), for cpu_util_*.
type cpuTimes struct{ user, sys time.Duration }

func readCPU() cpuTimes {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return cpuTimes{}
	}
	return cpuTimes{
		user: time.Duration(ru.Utime.Nano()),
		sys:  time.Duration(ru.Stime.Nano()),
	}
}

// since returns total, user and system CPU use in percent of wall.
func (c cpuTimes) since(start cpuTimes, wall time.Duration) [3]float64 {
	if wall <= 0 {
		return [3]float64{}
	}
	u := float64(c.user-start.user) / float64(wall) * 100
	s := float64(c.sys-start.sys) / float64(wall) * 100
	return [3]float64{u + s, u, s}
}

// results builds the server's results message (send_results).
func (ss *session) results(cpu [3]float64, _ *PeerResults) *Results {
	r := &Results{CPUUtilTotal: cpu[0], CPUUtilUser: cpu[1], CPUUtilSystem: cpu[2]}
	serverSends := ss.p.Reverse || ss.p.Bidirectional
	hasRetrans := false
	now := make(map[*stream]TCPStats)
	if ss.p.TCP && ss.s.TCPStats != nil {
		for _, st := range ss.streams {
			if ts, ok := ss.s.TCPStats(st.conn); ok {
				now[st] = ts
				if st.sender {
					hasRetrans = true
				}
			}
		}
	}
	switch {
	case !serverSends:
		r.SenderHasRetransmits = -1
	case hasRetrans:
		r.SenderHasRetransmits = 1
	}
	if ss.p.TCP {
		r.CongestionUsed = ss.congestion
	}
	dur := ss.end.Sub(ss.start).Seconds()
	for _, st := range ss.streams {
		st.mu.Lock()
		sr := StreamResult{
			ID:             st.id,
			Bytes:          st.bytes.Load() - st.bytesOmit,
			Retransmits:    -1,
			Jitter:         st.jitter,
			Errors:         st.cntError - st.omittedErrors,
			OmittedErrors:  st.omittedErrors,
			Packets:        st.packetCount,
			OmittedPackets: st.omittedPackets,
			StartTime:      0,
			EndTime:        dur,
		}
		st.mu.Unlock()
		if ts, ok := now[st]; ok && st.sender && hasRetrans {
			sr.Retransmits = int64(ts.Retransmits - st.retransStart)
		}
		r.Streams = append(r.Streams, sr)
	}
	if ss.p.GetServerOutput {
		r.ServerOutputText = ss.text(r, now)
	}
	return r
}

// text is the server's report in iperf3's text layout, for
// --get-server-output.
func (ss *session) text(r *Results, tcp map[*stream]TCPStats) string {
	var b strings.Builder
	b.WriteString("-----------------------------------------------------------\n")
	fmt.Fprintf(&b, "Accepted connection from %s (tcpbox iperf3 server)\n", ss.ctrl.RemoteAddr())
	b.WriteString("[ ID] Interval           Transfer     Bitrate\n")
	for i, sr := range r.Streams {
		st := ss.streams[i]
		role := "receiver"
		if st.sender {
			role = "sender"
		}
		bps := 0.0
		if sr.EndTime > 0 {
			bps = float64(sr.Bytes) * 8 / sr.EndTime
		}
		fmt.Fprintf(&b, "[%3d]   0.00-%-6.2f sec  %s  %s", sr.ID, sr.EndTime, human(float64(sr.Bytes), "Bytes", 1024), human(bps, "bits/sec", 1000))
		if ts, ok := tcp[st]; ok && st.sender {
			fmt.Fprintf(&b, "  retr %d  cwnd %d  rtt %v", sr.Retransmits, ts.Cwnd, ts.RTT)
		}
		if ss.p.UDP && !st.sender {
			fmt.Fprintf(&b, "  %.3f ms  %d/%d lost", sr.Jitter*1000, sr.Errors, sr.Packets)
		}
		fmt.Fprintf(&b, "  %s\n", role)
	}
	return b.String()
}

func human(v float64, unit string, k float64) string {
	prefixes := []string{"", "K", "M", "G", "T"}
	i := 0
	for v >= k && i < len(prefixes)-1 {
		v /= k
		i++
	}
	return fmt.Sprintf("%6.2f %s%s", v, prefixes[i], unit)
}
