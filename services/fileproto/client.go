package fileproto

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/tcpbox/tcpbox/services/frame"
	"github.com/tcpbox/tcpbox/services/store"
)

// Client speaks the protocol on one connection. It is not safe for
// concurrent use.
type Client struct {
	c   net.Conn
	buf []byte
}

// HostPort adds the default port to a HOST argument without one.
func HostPort(hp string, port int) string {
	if _, _, err := net.SplitHostPort(hp); err == nil {
		return hp
	}
	return net.JoinHostPort(hp, strconv.Itoa(port))
}

// Dial connects to addr (HOST or HOST:PORT; port 50001 by default).
func Dial(ctx context.Context, addr string) (*Client, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", HostPort(addr, Port))
	if err != nil {
		return nil, err
	}
	return NewClient(c), nil
}

// NewClient uses an established connection.
func NewClient(c net.Conn) *Client { return &Client{c: c} }

// Close closes the connection.
func (c *Client) Close() error { return c.c.Close() }

// do sends a request and reads the response header; ok:false becomes a
// *ProtoError.
func (c *Client) do(req *Request) (*Response, error) {
	if err := writeHeader(c.c, req); err != nil {
		return nil, err
	}
	return c.response()
}

func (c *Client) response() (*Response, error) {
	var r Response
	if err := readHeader(c.c, MaxResponseHeader, &r); err != nil {
		return nil, fmt.Errorf("fileproto: response: %w", err)
	}
	if !r.OK {
		return nil, &ProtoError{Code: r.Code, Msg: r.Error}
	}
	return &r, nil
}

// Stat describes a file; with hash the server returns its SHA-256.
func (c *Client) Stat(name string, hash bool) (*Response, error) {
	return c.do(&Request{Op: OpStat, Name: name, SHA256: hash})
}

// List lists a directory ("" is the root).
func (c *Client) List(dir string) ([]store.Entry, error) {
	r, err := c.do(&Request{Op: OpList, Name: dir})
	if err != nil {
		return nil, err
	}
	return r.Entries, nil
}

// Delete removes a file or an empty directory.
func (c *Client) Delete(name string) error {
	_, err := c.do(&Request{Op: OpDelete, Name: name})
	return err
}

func (c *Client) buffer() []byte {
	if c.buf == nil {
		c.buf = make([]byte, frame.HeaderLen+DataFrame)
	}
	return c.buf
}

// Progress is called with the bytes transferred so far (including a
// resumed offset).
type Progress func(done, total int64)

// Put uploads size bytes of src as name. With resume it continues a
// partial upload the server kept, after checking the server's bytes hash
// like its own. It returns the server's final response (size, SHA-256).
func (c *Client) Put(name string, src io.ReaderAt, size int64, resume bool, progress Progress) (*Response, error) {
	r, err := c.do(&Request{Op: OpPut, Name: name, Size: size, Resume: resume})
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	from := int64(0)
	if r.Offset > 0 && r.Offset <= size {
		if _, err := io.Copy(h, io.NewSectionReader(src, 0, r.Offset)); err != nil {
			return nil, err
		}
		if hex.EncodeToString(h.Sum(nil)) == r.PartialSHA256 {
			from = r.Offset
		} else {
			h.Reset()
		}
	}
	if err := writeHeader(c.c, &Start{Offset: from}); err != nil {
		return nil, err
	}
	if err := c.sendData(io.NewSectionReader(src, from, size-from), h, from, size, progress); err != nil {
		// The server may have refused mid-way (quota, size) and closed:
		// its answer says why better than our write error.
		c.c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, rerr := c.response(); rerr != nil {
			var pe *ProtoError
			if errors.As(rerr, &pe) {
				return nil, pe
			}
		}
		return nil, err
	}
	if err := writeHeader(c.c, &Trailer{SHA256: hex.EncodeToString(h.Sum(nil))}); err != nil {
		return nil, err
	}
	return c.response()
}

func (c *Client) sendData(r io.Reader, h hash.Hash, done, total int64, progress Progress) error {
	buf := c.buffer()
	for {
		n, err := io.ReadFull(r, buf[frame.HeaderLen:])
		if n > 0 {
			h.Write(buf[frame.HeaderLen : frame.HeaderLen+n])
			frame.AppendHeader(buf[:0], n)
			if _, werr := c.c.Write(buf[:frame.HeaderLen+n]); werr != nil {
				return werr
			}
			done += int64(n)
			if progress != nil {
				progress(done, total)
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return frame.Write(c.c, nil)
		}
		if err != nil {
			return err
		}
	}
}

// Sink is where Get writes: the bytes already held (offset) are read back
// to hash them.
type Sink interface {
	io.ReaderAt
	io.WriterAt
}

// ErrChecksum is returned when a download does not hash as the server
// says; the bytes written cannot be trusted.
var ErrChecksum = errors.New("fileproto: SHA-256 mismatch")

// GetResult describes a finished download.
type GetResult struct {
	Size   int64  // of the file
	From   int64  // offset the transfer resumed at (0: whole file)
	SHA256 string // of the whole file, checked
}

// Get downloads name into dst, resuming after the offset bytes dst
// already holds (or from 0 if the server's file no longer starts with
// them).
func (c *Client) Get(name string, dst Sink, offset int64, progress Progress) (*GetResult, error) {
	h := sha256.New()
	req := &Request{Op: OpGet, Name: name, Offset: offset}
	if offset > 0 {
		if _, err := io.Copy(h, io.NewSectionReader(dst, 0, offset)); err != nil {
			return nil, err
		}
		req.PartialSHA256 = hex.EncodeToString(h.Sum(nil))
	}
	r, err := c.do(req)
	if err != nil {
		return nil, err
	}
	if r.Offset != offset {
		if r.Offset != 0 {
			return nil, fmt.Errorf("fileproto: server resumes at %d, asked %d", r.Offset, offset)
		}
		offset = 0
		h.Reset()
	}
	buf := c.buffer()
	pos := offset
	for {
		n, err := frame.ReadHeader(c.c, DataFrame)
		if err != nil {
			return nil, fmt.Errorf("fileproto: data: %w", err)
		}
		if n == 0 {
			break
		}
		if pos+int64(n) > r.Size {
			return nil, fmt.Errorf("fileproto: server sent more than %d bytes", r.Size)
		}
		if _, err := io.ReadFull(c.c, buf[:n]); err != nil {
			return nil, fmt.Errorf("fileproto: data: %w", err)
		}
		if _, err := dst.WriteAt(buf[:n], pos); err != nil {
			return nil, err
		}
		h.Write(buf[:n])
		pos += int64(n)
		if progress != nil {
			progress(pos, r.Size)
		}
	}
	var tr Trailer
	if err := readHeader(c.c, MaxResponseHeader, &tr); err != nil {
		return nil, fmt.Errorf("fileproto: trailer: %w", err)
	}
	if pos != r.Size {
		return nil, fmt.Errorf("fileproto: received %d of %d bytes", pos, r.Size)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if sum != tr.SHA256 {
		return nil, fmt.Errorf("%w: got %s, server says %s", ErrChecksum, sum, tr.SHA256)
	}
	return &GetResult{Size: r.Size, From: offset, SHA256: sum}, nil
}
