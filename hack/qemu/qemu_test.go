package qemu

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestArgs(t *testing.T) {
	if _, err := os.Stat(OVMFVars); err != nil {
		t.Skip("no OVMF")
	}
	bin, args, err := Args(Options{Target: "amd64", Image: "x.img", Dir: t.TempDir(),
		MgmtForwards: []Forward{{"tcp", 8080, 80, ""}, {"udp", 9007, 7, "198.18.2.50"}}, TestForwards: []Forward{{"udp", 10007, 7, ""}}})
	if err != nil {
		t.Fatal(err)
	}
	line := bin + " " + strings.Join(args, " ")
	for _, want := range []string{
		"qemu-system-x86_64", "-smp 1", "if=pflash", "file=x.img,format=raw,if=virtio",
		"user,id=mgmt,net=198.18.2.0/24,host=198.18.2.2,dhcpstart=198.18.2.15,hostfwd=tcp:127.0.0.1:8080-198.18.2.15:80,hostfwd=udp:127.0.0.1:9007-198.18.2.50:7",
		"user,id=test,net=198.18.3.0/24,host=198.18.3.2,dhcpstart=198.18.3.15,hostfwd=udp:127.0.0.1:10007-198.18.3.15:7",
	} {
		if !strings.Contains(line, want) {
			t.Errorf("command line lacks %q:\n%s", want, line)
		}
	}
	// Every IPv4 address on the command line is in 198.18.0.0/15 or loopback.
	for _, a := range regexp.MustCompile(`\d+\.\d+\.\d+\.\d+`).FindAllString(line, -1) {
		if !strings.HasPrefix(a, "198.18.") && !strings.HasPrefix(a, "198.19.") && a != "127.0.0.1" {
			t.Errorf("address %s outside 198.18.0.0/15", a)
		}
	}
	bin, args, _ = Args(Options{Target: "arm64", Image: "y.img", Kernel: "/k", Append: "root=x", TestTap: "tap0", NetNS: "ns1"})
	line = bin + " " + strings.Join(args, " ")
	for _, want := range []string{"ip netns exec ns1 qemu-system-aarch64", "-machine virt", "-kernel /k -append root=x", "tap,id=test,ifname=tap0,script=no,downscript=no"} {
		if !strings.Contains(line, want) {
			t.Errorf("command line lacks %q:\n%s", want, line)
		}
	}
	// arm64 without -kernel boots AAVMF from two pflash drives, the
	// variable store a copy in Dir.
	if _, err := os.Stat(AAVMFVars); err == nil {
		dir := t.TempDir()
		bin, args, err := Args(Options{Target: "arm64", Image: "y.img", Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		line = bin + " " + strings.Join(args, " ")
		for _, want := range []string{"if=pflash,format=raw,readonly=on,file=" + AAVMFCode, "if=pflash,format=raw,file=" + filepath.Join(dir, "AAVMF_VARS.fd")} {
			if !strings.Contains(line, want) {
				t.Errorf("command line lacks %q:\n%s", want, line)
			}
		}
		if strings.Contains(line, "-kernel") {
			t.Errorf("UEFI boot with -kernel:\n%s", line)
		}
		if _, err := os.Stat(filepath.Join(dir, "AAVMF_VARS.fd")); err != nil {
			t.Error(err)
		}
	}
}

// TestWaitFor drives the console scanner with a shell standing in for
// QEMU's serial output.
func TestWaitFor(t *testing.T) {
	vm, err := startCmd(nil, "", "/bin/sh", "-c", "echo booting; echo 'tcpbox: ready 198.18.3.15 on eth1'; exec sleep 30")
	if err != nil {
		t.Skip(err)
	}
	defer vm.Stop()
	line, err := vm.WaitFor(context.Background(), 0, regexp.MustCompile(`^tcpbox: ready`), 20*time.Second)
	if err != nil || line != "tcpbox: ready 198.18.3.15 on eth1" {
		t.Fatalf("WaitFor: %q, %v", line, err)
	}
	if _, err := vm.WaitFor(context.Background(), vm.Mark(), regexp.MustCompile(`never`), 100*time.Millisecond); err == nil {
		t.Fatal("WaitFor matched a line that never came")
	}
	vm2, _ := startCmd(nil, "", "/bin/sh", "-c", "echo 'Kernel panic - not syncing: x'; exec sleep 30")
	defer vm2.Stop()
	if _, err := vm2.WaitFor(context.Background(), 0, regexp.MustCompile(`ready`), 20*time.Second); err == nil || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("panic not reported: %v", err)
	}
}

// A directory Start makes for the VM goes when the VM does.
func TestTempDirRemoved(t *testing.T) {
	tmp := t.TempDir() + "/vm"
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	vm, err := startCmd(nil, tmp, "/bin/sh", "-c", "exec sleep 30")
	if err != nil {
		t.Skip(err)
	}
	vm.Stop()
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("%s still there after Stop: %v", tmp, err)
	}
}
