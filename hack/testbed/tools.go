package testbed

import (
	"os/exec"
	"strings"
	"testing"
)

// Tools checks for the named programs only, for tests that have a Debian
// tool (fsck.fat, tshark, unsquashfs) judge their output but need neither
// root nor a namespace.
// Without them the test is skipped, or failed under CI.
func Tools(t testing.TB, tools ...string) {
	t.Helper()
	skipOrFail(t, missingTools(tools))
}

// missingTools returns those of tools that are not on PATH.
func missingTools(tools []string) []string {
	var missing []string
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	return missing
}

// skipOrFail skips the test when anything is missing, or fails it under
// CI, where a run must never pass by skipping.
func skipOrFail(t testing.TB, missing []string) {
	t.Helper()
	if len(missing) == 0 {
		return
	}
	msg := "testbed: needs " + strings.Join(missing, ", ")
	if CI() {
		t.Fatal(msg + " (CI=true: a missing privilege or tool is a failure)")
	}
	t.Skip(msg)
}
