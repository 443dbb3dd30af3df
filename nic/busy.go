package nic

import (
	"runtime"
	"time"
)

// Busy polling: a goroutine that expects work within microseconds keeps
// checking for it instead of sleeping, because waking a sleeping
// goroutine costs a scheduler hand-off and, when its CPU has gone idle,
// the wake-up of that CPU (in a virtual machine an interrupt through the
// hypervisor: tens of microseconds). nic/afpacket polls its receive ring
// this way (Options.BusyPoll) and the stack its transmit goroutine
// (stack.Options.TxBusyPoll).

// BusyYieldEvery is how many busy-poll tries pass between two yields of
// the CPU to other processes. hack/bench, 64-byte framed echo and
// connection rate against the kernel, six interleaved rounds each
// (docs/performance.md): yielding at every try cost connections per
// second (0.62 of the kernel's against 0.90 without busy polling), never
// yielding left the echo's p99 at 2.3 times the kernel's (a peer woken
// onto our CPU waited for it), every 4th try gave 0.88, and p50/p99
// 1.44/1.41 times the kernel's against 1.98/1.92 without busy polling.
const BusyYieldEvery = 4

// BusyPause is the pause between two busy-poll tries: it lets the
// goroutines waiting for this P run and, every BusyYieldEvery tries, the
// processes waiting for this CPU (a peer on the same machine) too.
func BusyPause(spins int) {
	runtime.Gosched()
	if spins%BusyYieldEvery == 0 {
		yieldCPU()
	}
}

// BusyPoll calls try, with a BusyPause before each call, until try
// reports done or d has passed; it returns try's ok when done, false when
// the time ran out. try runs on the caller's goroutine.
func BusyPoll(d time.Duration, try func() (ok, done bool)) bool {
	until := time.Now().Add(d)
	for spins := 1; ; spins++ {
		BusyPause(spins)
		if ok, done := try(); done {
			return ok
		}
		if time.Now().After(until) {
			return false
		}
	}
}
