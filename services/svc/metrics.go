package svc

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// WriteMetrics writes the snapshot in the Prometheus text exposition
// format, labelled with the service name, for the appliance's /metrics.
// The caller writes the HELP/TYPE preamble once (MetricsPreamble) and then
// one snapshot per service.
func (s Snapshot) WriteMetrics(w io.Writer, service string) {
	l := fmt.Sprintf(`service=%q`, service)
	fmt.Fprintf(w, "tcpbox_service_connections_total{%s} %d\n", l, s.Connections)
	fmt.Fprintf(w, "tcpbox_service_active_connections{%s} %d\n", l, s.Active)
	fmt.Fprintf(w, "tcpbox_service_rejected_total{%s} %d\n", l, s.Rejected)
	fmt.Fprintf(w, "tcpbox_service_bytes_in_total{%s} %d\n", l, s.BytesIn)
	fmt.Fprintf(w, "tcpbox_service_bytes_out_total{%s} %d\n", l, s.BytesOut)
	reasons := make([]string, 0, len(s.Errors))
	for r := range s.Errors {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		fmt.Fprintf(w, "tcpbox_service_errors_total{%s,reason=%q} %d\n", l, r, s.Errors[r])
	}
}

// MetricsPreamble is the HELP and TYPE lines for WriteMetrics' series.
var MetricsPreamble = strings.Join([]string{
	"# HELP tcpbox_service_connections_total Connections accepted and served.",
	"# TYPE tcpbox_service_connections_total counter",
	"# HELP tcpbox_service_active_connections Connections open now.",
	"# TYPE tcpbox_service_active_connections gauge",
	"# HELP tcpbox_service_rejected_total Connections refused by a limit.",
	"# TYPE tcpbox_service_rejected_total counter",
	"# HELP tcpbox_service_bytes_in_total Payload bytes received.",
	"# TYPE tcpbox_service_bytes_in_total counter",
	"# HELP tcpbox_service_bytes_out_total Payload bytes sent.",
	"# TYPE tcpbox_service_bytes_out_total counter",
	"# HELP tcpbox_service_errors_total Errors by reason.",
	"# TYPE tcpbox_service_errors_total counter",
}, "\n") + "\n"
