package tcp

import (
	"runtime"
	"testing"
	"unsafe"
)

// BenchmarkIdleConnMemory reports the heap held per idle connection after
// a small echo exchange (both rings grown to their minimum), the figure
// the 10,000-connection test multiplies.
func BenchmarkIdleConnMemory(b *testing.B) {
	const n = 200
	cfg := DefaultConfig()
	var ms runtime.MemStats
	for i := 0; i < b.N; i++ {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		before := ms.HeapAlloc
		conns := make([]*Conn, 0, 2*n)
		for j := 0; j < n; j++ {
			w := newWire(b, cfg)
			w.chunk = w.chunk[:100]
			w.round()
			w.b.Write(w.buf[:100])
			w.b.Output(w.now, w.emitB)
			w.a.Read(w.buf)
			conns = append(conns, w.a, w.b)
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapAlloc-before)/float64(len(conns)), "bytes/conn")
		runtime.KeepAlive(conns)
	}
	b.ReportMetric(float64(unsafe.Sizeof(Conn{})), "bytes/struct")
}
