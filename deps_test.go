package tcpbox_test

// The layering of ../shared/GUIDE.md, enforced: layers point down only, so
// a forbidden import fails this test instead of relying on memory.

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/tcpbox/tcpbox"

// allowedThirdParty are the only modules outside the standard library the
// product may import (test files included).
var allowedThirdParty = []string{
	"golang.org/x/sys/",
	"github.com/vishvananda/netlink",
	"github.com/vishvananda/netns",
	"github.com/gokrazy/",
}

// rule: packages under prefix must not import anything under any of deny.
type rule struct {
	prefix string
	deny   []string
	why    string
}

var rules = []rule{
	{"nic", []string{"stack", "services", "config", "appliance", "image"}, "nic knows nothing of protocols"},
	{"stack", []string{"services", "config", "appliance", "image"}, "the stack is configured through options, by appliance"},
	{"services", []string{"stack", "nic", "config", "appliance", "image"}, "services run on net.Conn only, so they run on the kernel's stack too"},
	{"config", []string{"stack", "nic", "services", "appliance", "image"}, "config is plain data"},
	{"image", []string{"stack", "nic", "services", "appliance/admin"}, "image builds disks"},
}

// protocolSiblings may not import each other.
var protocolSiblings = []string{"stack/arp", "stack/ip", "stack/icmp", "stack/udp", "stack/tcp", "stack/dhcp"}

// stdlibOnly may import nothing but the standard library.
var stdlibOnly = []string{"stack/wire", "config"}

// noGlobals: below appliance nothing reads flags or logs through the
// global logger.
var noGlobals = []string{"nic", "stack", "services", "config"}

func under(pkg, prefix string) bool {
	return pkg == prefix || strings.HasPrefix(pkg, prefix+"/")
}

func TestLayering(t *testing.T) {
	out, err := exec.Command("go", "list", "-test=false", "-f",
		`{{.ImportPath}}|{{join .Imports " "}}|{{join .TestImports " "}}|{{join .XTestImports " "}}`, "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.Split(line, "|")
		if len(parts) != 4 || !strings.HasPrefix(parts[0], module) {
			continue
		}
		n++
		pkg := strings.TrimPrefix(strings.TrimPrefix(parts[0], module), "/")
		prod := strings.Fields(parts[1])
		all := append(append(append([]string{}, prod...), strings.Fields(parts[2])...), strings.Fields(parts[3])...)
		for _, imp := range all {
			if !strings.Contains(strings.Split(imp, "/")[0], ".") {
				continue // standard library
			}
			if strings.HasPrefix(imp, module) {
				continue
			}
			ok := false
			for _, a := range allowedThirdParty {
				if strings.HasPrefix(imp, a) {
					ok = true
				}
			}
			if !ok && !under(pkg, "hack") {
				t.Errorf("%s imports %s: not an allowed dependency", pkg, imp)
			}
		}
		for _, imp := range prod {
			if !strings.HasPrefix(imp, module+"/") {
				if imp == "flag" || imp == "log" {
					for _, p := range noGlobals {
						if under(pkg, p) {
							t.Errorf("%s imports %s: below appliance nothing reads flags or logs globally", pkg, imp)
						}
					}
				}
				for _, p := range stdlibOnly {
					if under(pkg, p) && strings.Contains(strings.Split(imp, "/")[0], ".") {
						t.Errorf("%s imports %s: %s uses the standard library only", pkg, imp, p)
					}
				}
				continue
			}
			dep := strings.TrimPrefix(imp, module+"/")
			for _, r := range rules {
				if !under(pkg, r.prefix) {
					continue
				}
				for _, d := range r.deny {
					if under(dep, d) {
						t.Errorf("%s imports %s: %s", pkg, dep, r.why)
					}
				}
			}
			for _, a := range protocolSiblings {
				for _, b := range protocolSiblings {
					if a != b && under(pkg, a) && under(dep, b) {
						t.Errorf("%s imports %s: protocol packages do not import their siblings", pkg, dep)
					}
				}
			}
			for _, p := range stdlibOnly {
				if under(pkg, p) && !under(dep, p) {
					t.Errorf("%s imports %s: %s uses the standard library only", pkg, dep, p)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("go list found no packages")
	}
}
