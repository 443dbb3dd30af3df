package main

import (
	"bytes"
	"github.com/tcpbox/tcpbox/appliance/nicsetup"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseFlags(t *testing.T) {
	got, err := parseFlags([]byte("# tcpbox flags\n-iface\neth1\n\n  -addr  \n198.18.3.2/24\n-state\n/perm/tcpbox\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"-iface", "eth1", "-addr", "198.18.3.2/24", "-state", "/perm/tcpbox"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestCopyLines(t *testing.T) {
	var out, console bytes.Buffer
	in := "starting\ntcpbox: ready 198.18.3.2 on eth1\ntime=2026-01-01 level=INFO msg=tcpbox: x\ntcpbox: admin http://[::]:8080/ (user gokrazy)\nlater\n" + strings.Repeat("x", 100<<10) + "\nno newline"
	copyLines(&out, strings.NewReader(in), &console)
	if out.String() != in {
		t.Errorf("output changed: %d bytes, want %d", out.Len(), len(in))
	}
	if console.String() != "tcpbox: ready 198.18.3.2 on eth1\ntcpbox: admin http://[::]:8080/ (user gokrazy)\n" {
		t.Errorf("console got %q", console.String())
	}
}

// TestConsoleExitStatus runs the wrapper over a shell child: output passes
// through and the exit status (125: do not restart) comes back.
func TestConsoleExitStatus(t *testing.T) {
	sh := "/bin/sh"
	if _, err := os.Stat(sh); err != nil {
		t.Skip("no /bin/sh")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	f, _ := os.Create(out)
	old := os.Stdout
	os.Stdout = f
	code := runConsole([]string{sh, "-c", "echo hello; exit 125"})
	os.Stdout = old
	f.Close()
	if code != 125 {
		t.Errorf("exit status %d, want 125", code)
	}
	if b, _ := os.ReadFile(out); string(b) != "hello\n" {
		t.Errorf("stdout %q", b)
	}
	if code := runConsole(nil); code != 125 {
		t.Errorf("no program: %d, want 125", code)
	}
}

func TestParseNIC(t *testing.T) {
	c, err := parseNIC([]byte("# tcpbox's NIC\ndedicated eth1\n"))
	if err != nil || c.Mode != nicsetup.Dedicated || c.Parent != "eth1" {
		t.Errorf("dedicated: %+v, %v", c, err)
	}
	c, err = parseNIC([]byte("macvlan eth0 tcpbox0"))
	if err != nil || c.Mode != nicsetup.Macvlan || c.Parent != "eth0" || c.Child != "tcpbox0" {
		t.Errorf("macvlan: %+v, %v", c, err)
	}
	for _, bad := range []string{"", "dedicated", "macvlan eth0", "bridge eth0", "dedicated eth1\ndedicated eth2"} {
		if _, err := parseNIC([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseNIC(f *testing.F) {
	for _, s := range []string{"dedicated eth1", "macvlan eth0 tcpbox0", "# x\n\nmacvlan a b\n", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := parseNIC(b)
		if err == nil && (c.Parent == "" || (c.Mode != nicsetup.Dedicated && c.Mode != nicsetup.Macvlan)) {
			t.Fatalf("%q gave %+v", b, c)
		}
	})
}

func FuzzParseFlags(f *testing.F) {
	for _, s := range []string{"-iface\neth1\n", "# c\n\n-x=1\n", "\r\n\r\n", strings.Repeat("a", 70000)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		args, err := parseFlags(b)
		if err != nil {
			return
		}
		for _, a := range args {
			if a == "" || strings.HasPrefix(a, "#") || strings.ContainsAny(a, "\n") {
				t.Fatalf("argument %q from %q", a, b)
			}
		}
	})
}
