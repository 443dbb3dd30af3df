package admin_test

import (
	"regexp"
	"testing"
)

// The services page spells each service's limits out, in units.
func TestServicesLimitsReadable(t *testing.T) {
	e := newEnv(t)
	page := e.do("GET", "/services", nil).body
	cell := regexp.MustCompile(`(?s)<tr data-service="framed_echo">.*?<td class="limits">([^<]*)</td>`).FindStringSubmatch(page)
	if cell == nil {
		t.Fatalf("no limits cell for framed_echo in\n%s", page)
	}
	if want := "at most 10000 at once, any number per client; idle timeout 10m0s; frames up to 16.0 MiB"; cell[1] != want {
		t.Errorf("limits %q, want %q (the defaults)", cell[1], want)
	}
}
