// Package qemu boots tcpbox appliance images under QEMU for people
// (hack/qemu/run, make run) and for tests (image/vmtest): software
// emulation (the KVM of these machines cannot run the guest), one CPU by
// default, the serial console captured line by line, and two NICs: eth0
// for management (user-mode networking, 198.18.2.0/24, the gokrazy web
// interface forwarded to the host) and eth1 owned by tcpbox (user-mode
// networking 198.18.3.0/24 with forwarded ports, or a tap device).
//
// It is a harness, not a VM manager: one VM per Start, killed by Stop.
package qemu

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Addresses of the user-mode networks; every one is in 198.18.0.0/15.
const (
	MgmtNet   = "198.18.2.0/24"
	MgmtHost  = "198.18.2.2"
	MgmtGuest = "198.18.2.15" // the first DHCP lease
	TestNet   = "198.18.3.0/24"
	TestHost  = "198.18.3.2"
	TestGuest = "198.18.3.15" // tcpbox's default static address in the image
)

// Firmware and loaders from Debian's ovmf package.
const (
	OVMFCode = "/usr/share/OVMF/OVMF_CODE_4M.fd"
	OVMFVars = "/usr/share/OVMF/OVMF_VARS_4M.fd"
	// AAVMF (Debian's qemu-efi-aarch64): EDK II for -M virt. Both files
	// are the 64 MiB the virt machine's pflash banks require.
	AAVMFCode = "/usr/share/AAVMF/AAVMF_CODE.fd"
	AAVMFVars = "/usr/share/AAVMF/AAVMF_VARS.fd"
)

// Forward is a host port forwarded to a guest port.
type Forward struct {
	Proto     string // "tcp" or "udp"
	HostPort  int    // on 127.0.0.1
	GuestPort int
	// GuestAddr overrides the guest address (default the NIC's first DHCP
	// lease), e.g. to reach tcpbox on a macvlan beside the kernel.
	GuestAddr string
}

func (f Forward) String() string {
	return fmt.Sprintf("%s 127.0.0.1:%d -> %d", f.Proto, f.HostPort, f.GuestPort)
}

// Options describe one VM.
type Options struct {
	Target string // "amd64" (q35, OVMF) or "arm64" (-M virt, AAVMF)
	Image  string // the disk image; used in place (updates change it)
	// Kernel and Append boot with -kernel instead of UEFI (for an arm64
	// image built without systemd-bootaa64.efi).
	Kernel, Append string
	MemoryMiB      int // default 1024
	CPUs           int // default 1: with 2, about 1 boot in 20 panics early
	// MgmtForwards reach the management NIC (eth0), TestForwards the test
	// NIC (eth1) when it is user-mode.
	MgmtForwards, TestForwards []Forward
	// TestTap, when set, attaches eth1 to this existing tap device instead
	// of user-mode networking.
	TestTap string
	// NetNS runs QEMU inside this network namespace (ip netns exec), so
	// the tap device and the forwarded ports live there.
	NetNS string
	// Serial receives a copy of the console; may be nil.
	Serial io.Writer
	// Dir holds the UEFI variable store copy; default a new temp dir.
	Dir string
}

// VM is a running QEMU.
type VM struct {
	cmd     *exec.Cmd
	Started time.Time
	tmp     string // a directory Start made for the VM, removed when QEMU exits

	mu    sync.Mutex
	lines []string // the console, bounded by maxLines
	gone  int      // lines dropped from the front
	wake  chan struct{}
	done  chan struct{}
	err   error
}

const maxLines = 20000

// FreePort returns a TCP/UDP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	p := l.Addr().(*net.TCPAddr).Port
	u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", p))
	if err != nil {
		return FreePort()
	}
	u.Close()
	return p, nil
}

func hostfwd(guest string, fs []Forward) string {
	var b strings.Builder
	for _, f := range fs {
		g := guest
		if f.GuestAddr != "" {
			g = f.GuestAddr
		}
		fmt.Fprintf(&b, ",hostfwd=%s:127.0.0.1:%d-%s:%d", f.Proto, f.HostPort, g, f.GuestPort)
	}
	return b.String()
}

// pflash copies the firmware's variable store into dir (the firmware
// writes boot entries to it) and returns the two flash drives.
func pflash(dir, code, vars, pkg string) ([]string, error) {
	if _, err := os.Stat(code); err != nil {
		return nil, fmt.Errorf("qemu: %w (install %s)", err, pkg)
	}
	b, err := os.ReadFile(vars)
	if err != nil {
		return nil, fmt.Errorf("qemu: %w (install %s)", err, pkg)
	}
	dst := filepath.Join(dir, filepath.Base(vars))
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		return nil, err
	}
	return []string{
		"-drive", "if=pflash,format=raw,readonly=on,file=" + code,
		"-drive", "if=pflash,format=raw,file=" + dst,
	}, nil
}

// Args returns QEMU's command line for o.
func Args(o Options) (string, []string, error) {
	if o.MemoryMiB == 0 {
		o.MemoryMiB = 1024
	}
	if o.CPUs == 0 {
		o.CPUs = 1
	}
	var bin string
	var args []string
	switch o.Target {
	case "amd64":
		bin = "qemu-system-x86_64"
		args = []string{"-machine", "q35"}
		if o.Kernel == "" {
			fw, err := pflash(o.Dir, OVMFCode, OVMFVars, "ovmf")
			if err != nil {
				return "", nil, err
			}
			args = append(args, fw...)
		}
	case "arm64":
		bin = "qemu-system-aarch64"
		args = []string{"-machine", "virt", "-cpu", "cortex-a72"}
		if o.Kernel == "" {
			fw, err := pflash(o.Dir, AAVMFCode, AAVMFVars, "qemu-efi-aarch64")
			if err != nil {
				return "", nil, err
			}
			args = append(args, fw...)
		}
	default:
		return "", nil, fmt.Errorf("qemu: unknown target %q", o.Target)
	}
	if o.Kernel != "" {
		args = append(args, "-kernel", o.Kernel, "-append", o.Append)
	}
	args = append(args,
		"-m", fmt.Sprint(o.MemoryMiB), "-smp", fmt.Sprint(o.CPUs),
		"-display", "none", "-monitor", "none", "-serial", "stdio",
		"-drive", "file="+o.Image+",format=raw,if=virtio",
		"-netdev", "user,id=mgmt,net="+MgmtNet+",host="+MgmtHost+",dhcpstart="+MgmtGuest+hostfwd(MgmtGuest, o.MgmtForwards),
		"-device", "virtio-net-pci,netdev=mgmt,mac=52:54:00:12:02:15")
	if o.TestTap != "" {
		args = append(args, "-netdev", "tap,id=test,ifname="+o.TestTap+",script=no,downscript=no")
	} else {
		args = append(args, "-netdev", "user,id=test,net="+TestNet+",host="+TestHost+",dhcpstart="+TestGuest+hostfwd(TestGuest, o.TestForwards))
	}
	args = append(args, "-device", "virtio-net-pci,netdev=test,mac=52:54:00:12:03:15")
	if o.NetNS != "" {
		return "ip", append([]string{"netns", "exec", o.NetNS, bin}, args...), nil
	}
	return bin, args, nil
}

// Start boots a VM.
func Start(o Options) (*VM, error) {
	tmp := ""
	if o.Dir == "" {
		d, err := os.MkdirTemp("", "tcpbox-qemu-")
		if err != nil {
			return nil, err
		}
		o.Dir, tmp = d, d
	}
	bin, args, err := Args(o)
	if err == nil {
		var vm *VM
		if vm, err = startCmd(o.Serial, tmp, bin, args...); err == nil {
			return vm, nil
		}
	}
	if tmp != "" {
		os.RemoveAll(tmp)
	}
	return nil, err
}

// startCmd starts bin; tmp, when not "", is removed once it has exited.
func startCmd(serial io.Writer, tmp, bin string, args ...string) (*VM, error) {
	cmd := exec.Command(bin, args...)
	// QEMU dies with its parent, so a test that times out or a killed
	// run command leaves no VM behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	vm := &VM{cmd: cmd, tmp: tmp, wake: make(chan struct{}), done: make(chan struct{})}
	vm.Started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("qemu: %w", err)
	}
	go vm.read(out, serial) // ends when QEMU exits and closes the pipe
	return vm, nil
}

func (vm *VM) read(r io.Reader, copyTo io.Writer) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			if copyTo != nil {
				io.WriteString(copyTo, line)
			}
			vm.mu.Lock()
			vm.lines = append(vm.lines, strings.TrimRight(line, "\r\n"))
			if len(vm.lines) > maxLines {
				vm.gone += len(vm.lines) - maxLines
				vm.lines = append([]string(nil), vm.lines[len(vm.lines)-maxLines:]...)
			}
			close(vm.wake)
			vm.wake = make(chan struct{})
			vm.mu.Unlock()
		}
		if err != nil {
			break
		}
	}
	werr := vm.cmd.Wait()
	if vm.tmp != "" {
		os.RemoveAll(vm.tmp)
	}
	vm.mu.Lock()
	vm.err = fmt.Errorf("qemu exited: %v", werr)
	vm.mu.Unlock()
	close(vm.done)
}

// Mark returns the current console position, for WaitFor to search after.
func (vm *VM) Mark() int {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	return vm.gone + len(vm.lines)
}

// WaitFor waits until a console line after position from matches re and
// returns it. It fails when QEMU exits, the line "Kernel panic" appears, or
// the timeout passes.
func (vm *VM) WaitFor(ctx context.Context, from int, re *regexp.Regexp, timeout time.Duration) (string, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		vm.mu.Lock()
		start := max(from-vm.gone, 0)
		for _, l := range vm.lines[start:] {
			if re.MatchString(l) {
				vm.mu.Unlock()
				return l, nil
			}
			if strings.Contains(l, "Kernel panic") {
				vm.mu.Unlock()
				return "", fmt.Errorf("qemu: %s", l)
			}
		}
		from = vm.gone + len(vm.lines)
		wake, err := vm.wake, vm.err
		vm.mu.Unlock()
		if err != nil {
			return "", err
		}
		select {
		case <-wake:
		case <-vm.done:
		case <-deadline.C:
			return "", fmt.Errorf("qemu: no console line matching %q within %v", re, timeout)
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

// Console returns the last n console lines.
func (vm *VM) Console(n int) string {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	return strings.Join(vm.lines[max(len(vm.lines)-n, 0):], "\n")
}

// Done is closed when QEMU has exited.
func (vm *VM) Done() <-chan struct{} { return vm.done }

// Stop kills QEMU (the process this VM started) and waits for it.
func (vm *VM) Stop() {
	if vm.cmd.Process != nil {
		vm.cmd.Process.Kill()
	}
	<-vm.done
}
