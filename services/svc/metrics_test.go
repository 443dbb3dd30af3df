package svc

import (
	"strings"
	"testing"
)

func TestWriteMetrics(t *testing.T) {
	var st Stats
	st.Opened()
	st.AddIn(10)
	st.Error("b_reason")
	st.Rejected("a_reason")
	var b strings.Builder
	st.Snapshot().WriteMetrics(&b, "echo")
	want := `tcpbox_service_connections_total{service="echo"} 1
tcpbox_service_active_connections{service="echo"} 1
tcpbox_service_rejected_total{service="echo"} 1
tcpbox_service_bytes_in_total{service="echo"} 10
tcpbox_service_bytes_out_total{service="echo"} 0
tcpbox_service_errors_total{service="echo",reason="a_reason"} 1
tcpbox_service_errors_total{service="echo",reason="b_reason"} 1
`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}
