package stack

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestTCPKernelNcHalfClose: nc sends a file, shuts its write side down
// (-N) and must still receive every byte echoed back before tcpbox's FIN.
func TestTCPKernelNcHalfClose(t *testing.T) {
	b := newKernelBed(t, kernelBedOptions{}, "nc")
	b.serveEcho(t)
	data := make([]byte, 1<<20)
	rand.Read(data)
	in := filepath.Join(t.TempDir(), "in")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out := b.peerRun(t, 60*time.Second, string(data), "nc", "-N", "-w", "30", b.dut.String(), "7")
	if !bytes.Equal([]byte(out), data) {
		t.Fatalf("nc got %d bytes back, want the %d sent", len(out), len(data))
	}
	b.checkCapture(t, true)
}

// TestTCPKernelDialOut: tcpbox dials a kernel TCP server, sends, reads the
// server's reply and its FIN.
func TestTCPKernelDialOut(t *testing.T) {
	b := newKernelBed(t, kernelBedOptions{})
	var ln net.Listener
	if err := b.Peer.Do(func() (err error) {
		ln, err = net.Listen("tcp4", b.peer.String()+":0")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srvErr := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			srvErr <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(30 * time.Second))
		got, err := io.ReadAll(c) // until tcpbox's half-close
		if err == nil {
			_, err = c.Write(append([]byte("kernel heard: "), got...))
		}
		srvErr <- err
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	c, err := b.st.DialTCP(dialCtx(t), netip.AddrPortFrom(b.peer, uint16(port)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write([]byte("hello from tcpbox")); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "kernel heard: hello from tcpbox" {
		t.Fatalf("got %q", got)
	}
	if err := <-srvErr; err != nil {
		t.Fatal(err)
	}
	b.checkCapture(t, true)
}

// TestTCPKernelSSOptions: while a kernel client holds a connection to
// tcpbox, `ss -ti` on the kernel side shows the options tcpbox
// negotiated, as configured: window scale, timestamps, SACK, MSS.
func TestTCPKernelSSOptions(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     []TCPOption
		shift    int // our window shift; -1: none
		ts, sack bool
		mss      int // the kernel's send MSS (payload per segment)
	}{
		{"defaults", nil, 7, true, true, 1448},
		{"clamped", []TCPOption{WithMSSClamp(1200), WithWindowShift(3)}, 3, true, true, 1188},
		{"bare", []TCPOption{WithTimestamps(false), WithSACK(false), WithWindowShift(-1), WithWindowScaling(false)}, -1, false, false, 1460},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newKernelBed(t, kernelBedOptions{}, "ss")
			ln, err := b.st.ListenTCP(netip.AddrPortFrom(netip.IPv4Unspecified(), 9000), tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			var c net.Conn
			if err := b.Peer.Do(func() (err error) {
				c, err = net.DialTimeout("tcp4", b.dut.String()+":9000", 20*time.Second)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ln.SetDeadline(time.Now().Add(20 * time.Second))
			s, err := ln.AcceptTCP()
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			// One exchange so MSS and RTT are settled.
			if _, err := c.Write([]byte("x")); err != nil {
				t.Fatal(err)
			}
			s.SetReadDeadline(time.Now().Add(20 * time.Second))
			if _, err := io.ReadFull(s, make([]byte, 1)); err != nil {
				t.Fatal(err)
			}
			out := b.Peer.MustRun(t, "ss", "-tin", "dst", b.dut.String())
			t.Logf("ss -tin:\n%s", out)
			// ss shows wscale and mss; the iproute2 6.1 here prints no
			// "ts"/"sack" words even between two kernel sockets, so those
			// come from the same struct tcp_info ss reads, by getsockopt.
			info, err := kernelTCPInfo(c)
			if err != nil {
				t.Fatal(err)
			}
			ts, sack := info.Options&tcpiOptTimestamps != 0, info.Options&tcpiOptSACK != 0
			if ts != tc.ts || sack != tc.sack {
				t.Errorf("kernel tcp_info: ts=%v sack=%v, want ts=%v sack=%v", ts, sack, tc.ts, tc.sack)
			}
			if ws := info.Options&tcpiOptWScale != 0; ws != (tc.shift >= 0) {
				t.Errorf("kernel tcp_info: wscale option %v, want %v", ws, tc.shift >= 0)
			}
			ws := regexp.MustCompile(`wscale:(\d+),(\d+)`).FindStringSubmatch(out)
			switch {
			case tc.shift < 0 && ws != nil:
				t.Errorf("wscale %s shown, want none", ws[0])
			case tc.shift >= 0 && (ws == nil || ws[1] != strconv.Itoa(tc.shift)):
				t.Errorf("wscale %v, want our shift %d first (snd_wscale)", ws, tc.shift)
			}
			m := regexp.MustCompile(`\smss:(\d+)`).FindStringSubmatch(out)
			if m == nil || m[1] != strconv.Itoa(tc.mss) {
				t.Errorf("mss %v, want %d", m, tc.mss)
			}
			if t.Failed() {
				t.Logf("tcpbox side: %+v", s.TCPInfo())
			}
		})
	}
}

// kernelTCPInfo reads struct tcp_info of a kernel socket.
func kernelTCPInfo(c net.Conn) (*unix.TCPInfo, error) {
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		return nil, err
	}
	var info *unix.TCPInfo
	var gerr error
	if err := rc.Control(func(fd uintptr) {
		info, gerr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	}); err != nil {
		return nil, err
	}
	return info, gerr
}

// tcpi_options bits (include/uapi/linux/tcp.h).
const (
	tcpiOptTimestamps = 1
	tcpiOptSACK       = 2
	tcpiOptWScale     = 4
)
