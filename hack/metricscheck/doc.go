// Package metricscheck checks tcpbox's /metrics output with Prometheus's
// own text-format parser (github.com/prometheus/common/expfmt). It is a
// separate module so the product never depends on Prometheus's libraries.
// It checks the sample file that the admin tests write
// (appliance/admin/testdata/metrics.txt); it is not a metrics library.
package metricscheck
