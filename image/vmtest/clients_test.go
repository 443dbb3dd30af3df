package vmtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"time"

	"github.com/tcpbox/tcpbox/hack/testbed"
)

// Clients of tcpbox's services, run from the host (through QEMU's
// forwards) or from a namespace (through a tap device). Each is bounded in
// tries and time.

// udpEcho sends datagrams to addr until one comes back unchanged: up to
// 20 tries of 2 s each.
func udpEcho(addr string, dial func() (net.Conn, error)) error {
	c, err := dial()
	if err != nil {
		return err
	}
	defer c.Close()
	for i := 0; i < 20; i++ {
		msg := fmt.Sprintf("tcpbox vmtest %d", i)
		if _, err := c.Write([]byte(msg)); err != nil {
			return err
		}
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		buf := make([]byte, 1500)
		n, err := c.Read(buf)
		if err == nil {
			if string(buf[:n]) != msg {
				return fmt.Errorf("udp echo %s: sent %q, got %q", addr, msg, buf[:n])
			}
			return nil
		}
	}
	return fmt.Errorf("udp echo %s: no answer to 20 datagrams", addr)
}

// payload returns n pseudo-random bytes, the same for the same seed.
func payload(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24)})
	r.Read(b)
	return b
}

// tcpEcho sends 64 KiB over a TCP echo connection (RFC 862 §1) and checks
// every byte comes back in order, writing and reading at once so neither
// side's window can stall the other.
func tcpEcho(c net.Conn) error {
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	msg := payload(7, 64<<10)
	werr := make(chan error, 1)
	go func() { // ends when the write completes or the deadline passes
		_, err := c.Write(msg)
		werr <- err
	}()
	got := make([]byte, len(msg))
	_, rerr := io.ReadFull(c, got)
	if err := <-werr; err != nil {
		return fmt.Errorf("tcp echo: write: %w", err)
	}
	if rerr != nil {
		return fmt.Errorf("tcp echo: read: %w", rerr)
	}
	if !bytes.Equal(got, msg) {
		return fmt.Errorf("tcp echo: %d bytes came back changed", len(msg))
	}
	return nil
}

// framedEcho sends frames of several sizes (a 4-byte big-endian length,
// then the payload) and checks each comes back framed and unchanged. The
// service echoes a frame only once it has fully arrived, so writing a
// whole frame before reading cannot deadlock.
func framedEcho(c net.Conn) error {
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	for i, n := range []int{0, 1, 1460, 100_000, 1 << 20} {
		msg := payload(uint64(i), n)
		frame := binary.BigEndian.AppendUint32(nil, uint32(n))
		frame = append(frame, msg...)
		if _, err := c.Write(frame); err != nil {
			return fmt.Errorf("framed echo: write %d bytes: %w", n, err)
		}
		var h [4]byte
		if _, err := io.ReadFull(c, h[:]); err != nil {
			return fmt.Errorf("framed echo: header of the %d-byte frame: %w", n, err)
		}
		if got := binary.BigEndian.Uint32(h[:]); got != uint32(n) {
			return fmt.Errorf("framed echo: sent a %d-byte frame, got a header of %d", n, got)
		}
		got := make([]byte, n)
		if _, err := io.ReadFull(c, got); err != nil {
			return fmt.Errorf("framed echo: %d-byte payload: %w", n, err)
		}
		if !bytes.Equal(got, msg) {
			return fmt.Errorf("framed echo: the %d-byte frame came back changed", n)
		}
	}
	return nil
}

// transfer is what putGet measured.
type transfer struct {
	sum       string // SHA-256 of what was sent
	put, get  time.Duration
	serverSum string // the SHA-256 the server computed of what it stored
	getSum    string // SHA-256 of what came back
	getLength int64
	putMBps   float64
	getMBps   float64
}

// putGet uploads size pseudo-random bytes to base/files/name with HTTP PUT
// and downloads them again with GET, hashing both ways.
func putGet(base, name string, size int64) (transfer, error) {
	var tr transfer
	client := &http.Client{Timeout: 10 * time.Minute}
	src := testbed.NewPattern('v', size)
	req, err := http.NewRequest(http.MethodPut, base+"/files/"+name, src)
	if err != nil {
		return tr, err
	}
	req.ContentLength = size
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return tr, fmt.Errorf("PUT: %w", err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	tr.put = time.Since(start)
	tr.sum = hex.EncodeToString(src.Sum())
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return tr, fmt.Errorf("PUT: %s: %s", resp.Status, body)
	}
	var ans struct {
		Size   int64  `json:"size"`
		SHA256 string `json:"sha256"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		return tr, fmt.Errorf("PUT: answer %q: %w", body, err)
	}
	tr.serverSum = ans.SHA256

	start = time.Now()
	resp, err = client.Get(base + "/files/" + name)
	if err != nil {
		return tr, fmt.Errorf("GET: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return tr, fmt.Errorf("GET: %s: %s", resp.Status, b)
	}
	h := sha256.New()
	tr.getLength, err = io.Copy(h, resp.Body)
	tr.get = time.Since(start)
	if err != nil {
		return tr, fmt.Errorf("GET: after %d bytes: %w", tr.getLength, err)
	}
	tr.getSum = hex.EncodeToString(h.Sum(nil))
	tr.putMBps = float64(size) / 1e6 / tr.put.Seconds()
	tr.getMBps = float64(tr.getLength) / 1e6 / tr.get.Seconds()
	return tr, nil
}
