package fileproto

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"

	"github.com/tcpbox/tcpbox/services/frame"
	"github.com/tcpbox/tcpbox/services/store"
	"github.com/tcpbox/tcpbox/services/svc"
)

// Server serves the protocol over a store.
type Server struct {
	Store   *store.Store
	Limits  svc.Limits // zero value: svc.DefaultLimits
	MaxData int        // largest data frame accepted; 0 means DataFrame
	Stats   svc.Stats
}

// Serve runs the protocol on every connection from ln until ctx is
// cancelled or ln is closed, and returns once every connection has ended.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	lim := s.Limits.OrDefault()
	return svc.Serve(ctx, ln, lim, &s.Stats, s.handle)
}

func (s *Server) maxData() int {
	if s.MaxData > 0 {
		return s.MaxData
	}
	return DataFrame
}

// errClose marks a failure after which the connection is closed.
var errClose = errors.New("fileproto: closing")

// conn is one client connection.
type conn struct {
	s   *Server
	c   *svc.Conn
	buf []byte // frame.HeaderLen + maxData, reused for data frames
}

func (s *Server) handle(ctx context.Context, c *svc.Conn) {
	cn := &conn{s: s, c: c}
	for ctx.Err() == nil {
		b, err := frame.Read(c, nil, MaxRequestHeader)
		if err != nil {
			switch {
			case err == io.EOF:
			case errors.Is(err, frame.ErrTooLarge):
				s.Stats.Error(CodeFrameTooLarge)
				svc.Reset(c)
			case errors.Is(err, io.ErrUnexpectedEOF):
				s.Stats.Error(CodeBadRequest)
			default:
				if r := svc.Reason(err); r != "" {
					s.Stats.Error(r)
				}
			}
			return
		}
		req, err := ParseRequest(b)
		if err != nil {
			cn.refuse(CodeBadRequest, err)
			return
		}
		if err := cn.serve(req); err != nil {
			return
		}
	}
}

// refuse answers ok:false and counts the code.
func (cn *conn) refuse(code string, err error) error {
	cn.s.Stats.Error(code)
	return writeHeader(cn.c, &Response{Code: code, Error: err.Error()})
}

// storeErr maps a store error to a refusal.
func (cn *conn) storeErr(err error) error {
	switch {
	case errors.Is(err, store.ErrBadName):
		return cn.refuse(CodeBadName, err)
	case errors.Is(err, fs.ErrNotExist):
		return cn.refuse(CodeNotFound, errors.New("no such file or directory"))
	case errors.Is(err, store.ErrQuota):
		return cn.refuse(CodeQuota, err)
	}
	return cn.refuse(CodeIO, err)
}

func (cn *conn) serve(req *Request) error {
	st := cn.s.Store
	switch req.Op {
	case OpStat:
		fi, err := st.Stat(req.Name)
		if err != nil {
			return cn.storeErr(err)
		}
		mt := fi.ModTime().UTC()
		r := &Response{OK: true, Name: req.Name, Size: fi.Size(), ModTime: &mt, Dir: fi.IsDir()}
		if req.SHA256 && fi.Mode().IsRegular() {
			f, _, err := st.Open(req.Name)
			if err != nil {
				return cn.storeErr(err)
			}
			h := sha256.New()
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return cn.storeErr(err)
			}
			r.SHA256 = hex.EncodeToString(h.Sum(nil))
		}
		return writeHeader(cn.c, r)
	case OpList:
		if err := store.CheckName(req.Name, true); err != nil {
			return cn.storeErr(err)
		}
		fi, err := st.Stat(req.Name)
		if err != nil {
			return cn.storeErr(err)
		}
		if !fi.IsDir() {
			return cn.refuse(CodeNotDir, fmt.Errorf("%s is not a directory", req.Name))
		}
		entries, err := st.List(req.Name)
		if err != nil {
			return cn.storeErr(err)
		}
		return writeHeader(cn.c, &Response{OK: true, Entries: entries})
	case OpDelete:
		// A kept partial upload goes too; deleting only a partial is
		// a success.
		hadPartial := false
		if fi, err := st.Stat(req.Name); err != nil || !fi.IsDir() {
			if p, err := st.PartialSize(req.Name); err == nil && p >= 0 {
				hadPartial = st.DiscardPartial(req.Name) == nil
			}
		}
		if err := st.Remove(req.Name); err != nil && !(hadPartial && errors.Is(err, fs.ErrNotExist)) {
			return cn.storeErr(err)
		}
		return writeHeader(cn.c, &Response{OK: true})
	case OpGet:
		return cn.get(req)
	case OpPut:
		return cn.put(req)
	}
	return cn.refuse(CodeBadRequest, fmt.Errorf("unknown op %q", req.Op))
}

func (cn *conn) buffer() []byte {
	if cn.buf == nil {
		cn.buf = make([]byte, frame.HeaderLen+cn.s.maxData())
	}
	return cn.buf
}

func (cn *conn) get(req *Request) error {
	if err := store.CheckName(req.Name, false); err != nil {
		return cn.storeErr(err)
	}
	f, fi, err := cn.s.Store.Open(req.Name)
	if err != nil {
		return cn.storeErr(err)
	}
	defer f.Close()
	if fi.IsDir() {
		return cn.refuse(CodeNotFile, fmt.Errorf("%s is a directory", req.Name))
	}
	size := fi.Size()
	if req.Offset > size {
		return cn.refuse(CodeBadOffset, fmt.Errorf("offset %d beyond size %d", req.Offset, size))
	}
	// The trailer covers the whole file: hash what the client holds
	// first, then the bytes as they are sent. If the client's bytes are
	// not ours (the file changed since), start again from 0.
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, req.Offset)); err != nil {
		return cn.refuse(CodeIO, err)
	}
	offset := req.Offset
	if offset > 0 && req.PartialSHA256 != "" && req.PartialSHA256 != hex.EncodeToString(h.Sum(nil)) {
		offset = 0
		h.Reset()
	}
	mt := fi.ModTime().UTC()
	if err := writeHeader(cn.c, &Response{OK: true, Name: req.Name, Size: size, Offset: offset, ModTime: &mt}); err != nil {
		return err
	}
	buf := cn.buffer()
	r := io.NewSectionReader(f, offset, size-offset)
	for {
		n, err := io.ReadFull(r, buf[frame.HeaderLen:])
		if n > 0 {
			h.Write(buf[frame.HeaderLen : frame.HeaderLen+n])
			frame.AppendHeader(buf[:0], n)
			if _, werr := cn.c.Write(buf[:frame.HeaderLen+n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			cn.s.Stats.Error(CodeIO)
			return errClose
		}
	}
	if err := frame.Write(cn.c, nil); err != nil {
		return err
	}
	return writeHeader(cn.c, &Trailer{SHA256: hex.EncodeToString(h.Sum(nil))})
}

func (cn *conn) put(req *Request) error {
	st := cn.s.Store
	if err := store.CheckName(req.Name, false); err != nil {
		return cn.storeErr(err)
	}
	if fi, err := st.Stat(req.Name); err == nil && fi.IsDir() {
		return cn.refuse(CodeNotFile, fmt.Errorf("%s is a directory", req.Name))
	}
	var (
		u   *store.Upload
		err error
	)
	if req.Resume {
		u, err = st.Resume(req.Name)
		if err == nil && u.Offset() > req.Size {
			err = u.Truncate(0)
		}
	} else {
		if !st.Fits(req.Size) {
			return cn.refuse(CodeQuota, store.ErrQuota)
		}
		u, err = st.Create(req.Name, req.Size)
	}
	if err != nil {
		return cn.storeErr(err)
	}
	ok := false
	defer func() {
		if ok {
			return
		}
		if req.Resume {
			u.Keep() // for the next resume
		} else {
			u.Abort()
		}
	}()
	if req.Resume && !st.Fits(req.Size-u.Offset()) {
		return cn.refuse(CodeQuota, store.ErrQuota)
	}
	resp := &Response{OK: true, Offset: u.Offset()}
	if u.Offset() > 0 {
		resp.PartialSHA256 = hex.EncodeToString(u.Sum())
	}
	if err := writeHeader(cn.c, resp); err != nil {
		return err
	}
	var start Start
	if err := readHeader(cn.c, MaxRequestHeader, &start); err != nil {
		cn.refuse(CodeBadRequest, fmt.Errorf("offset frame: %v", err))
		return errClose
	}
	if start.Offset < 0 || start.Offset > u.Offset() {
		cn.refuse(CodeBadOffset, fmt.Errorf("offset %d, server holds %d", start.Offset, u.Offset()))
		return errClose
	}
	if err := u.Truncate(start.Offset); err != nil {
		cn.refuse(CodeIO, err)
		return errClose
	}
	buf := cn.buffer()
	total := start.Offset
	for {
		n, err := frame.ReadHeader(cn.c, cn.s.maxData())
		if err != nil {
			if errors.Is(err, frame.ErrTooLarge) {
				cn.s.Stats.Error(CodeFrameTooLarge)
				svc.Reset(cn.c)
			} else {
				cn.s.Stats.Error("upload_interrupted")
			}
			return errClose
		}
		if n == 0 {
			break
		}
		if total+int64(n) > req.Size {
			cn.refuse(CodeSizeMismatch, fmt.Errorf("more than the announced %d bytes", req.Size))
			return errClose
		}
		if _, err := io.ReadFull(cn.c, buf[:n]); err != nil {
			cn.s.Stats.Error("upload_interrupted")
			return errClose
		}
		if _, err := u.Write(buf[:n]); err != nil {
			if errors.Is(err, store.ErrQuota) {
				cn.refuse(CodeQuota, err)
			} else {
				cn.refuse(CodeIO, err)
			}
			return errClose
		}
		total += int64(n)
	}
	var tr Trailer
	if err := readHeader(cn.c, MaxRequestHeader, &tr); err != nil {
		cn.refuse(CodeBadRequest, fmt.Errorf("trailer: %v", err))
		return errClose
	}
	if total != req.Size {
		cn.refuse(CodeSizeMismatch, fmt.Errorf("received %d bytes, announced %d", total, req.Size))
		return errClose
	}
	if got := hex.EncodeToString(u.Sum()); got != tr.SHA256 {
		u.Abort() // a resumed partial that does not match is useless
		ok = true
		return cn.refuse(CodeSHA256Mismatch, fmt.Errorf("received data hashes to %s", got))
	}
	ok = true
	size, sum, err := u.Commit()
	if err != nil {
		return cn.refuse(CodeIO, err)
	}
	if !req.Resume {
		st.DiscardPartial(req.Name)
	}
	return writeHeader(cn.c, &Response{OK: true, Name: req.Name, Size: size, SHA256: hex.EncodeToString(sum)})
}
