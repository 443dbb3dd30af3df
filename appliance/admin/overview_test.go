package admin_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/appliance/admin"
)

// The overview lists the drop reasons that dropped anything, most first,
// and names the clean ones in one line; an empty gateway reads "none".
func TestOverviewDropsAndGateway(t *testing.T) {
	e := newEnv(t, func(d *admin.Deps) {
		link := d.Link
		d.Link = func() admin.LinkInfo { l := link(); l.Gateway = ""; return l }
	})
	page := e.do("GET", "/", nil).body
	if !strings.Contains(page, `id="no-drops"`) || strings.Contains(page, `id="drops"`) {
		t.Error("no drops yet, but the page does not say so")
	}
	e.clock.Advance(5 * time.Second) // no_listener 5, not_for_us 10, bad_checksum still 0
	page = e.do("GET", "/", nil).body
	table := regexp.MustCompile(`(?s)<table class="grid" id="drops">.*?</table>`).FindString(page)
	rows := regexp.MustCompile(`<tr><td>(\w+)</td><td[^>]*>([^<]+)</td><td class="num">(\d+)</td>`).FindAllStringSubmatch(table, -1)
	if len(rows) != 2 || rows[0][3] != "10" || rows[1][1] != "tcp" || rows[1][3] != "5" {
		t.Errorf("drops table rows %q, want not_for_us 10 then no_listener 5", rows)
	}
	if zero := regexp.MustCompile(`id="drops-zero">[^\n]*`).FindString(page); !strings.Contains(zero, "ip/bad_checksum") || strings.Contains(zero, "no_listener") {
		t.Errorf("clean reasons line %q", zero)
	}
	if !regexp.MustCompile(`<th>Gateway</th><td>none</td>`).MatchString(page) {
		t.Error("an empty gateway is not shown as none")
	}
}
