//go:build !linux

package nic

// yieldCPU has no portable equivalent of sched_yield; the Gosched in
// BusyPause is all there is.
func yieldCPU() {}
