package tcp

import (
	"os"
	"testing"
)

// TestMain turns on scan's self-check: every fast-path scan in this
// package's tests (the dialogues, the loss and recovery simulations)
// compares its totals with the walk over every record, and panics on a
// difference.
func TestMain(m *testing.M) {
	checkScan = true
	os.Exit(m.Run())
}
