package fileproto

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/tcpbox/tcpbox/services/frame"
	"github.com/tcpbox/tcpbox/services/store"
)

// Port is the protocol's port.
const Port = 50001

// Sizes of PROTOCOL.md.
const (
	MaxRequestHeader  = 64 << 10
	MaxResponseHeader = 16 << 20
	DataFrame         = 1 << 20
)

// Ops.
const (
	OpStat   = "STAT"
	OpList   = "LIST"
	OpDelete = "DELETE"
	OpGet    = "GET"
	OpPut    = "PUT"
)

// Error codes (PROTOCOL.md, "Error codes").
const (
	CodeBadRequest     = "bad_request"
	CodeBadName        = "bad_name"
	CodeNotFound       = "not_found"
	CodeNotFile        = "not_a_file"
	CodeNotDir         = "not_a_directory"
	CodeQuota          = "quota"
	CodeBadOffset      = "bad_offset"
	CodeSizeMismatch   = "size_mismatch"
	CodeSHA256Mismatch = "sha256_mismatch"
	CodeFrameTooLarge  = "frame_too_large"
	CodeIO             = "io"
)

// Request is a request header.
type Request struct {
	Op     string `json:"op"`
	Name   string `json:"name"`
	Offset int64  `json:"offset,omitempty"`
	Size   int64  `json:"size,omitempty"`
	Resume bool   `json:"resume,omitempty"`
	SHA256 bool   `json:"sha256,omitempty"` // STAT: hash the file
	// GET: SHA-256 of the bytes the client holds before Offset; the
	// server restarts from 0 when its own differ.
	PartialSHA256 string `json:"partial_sha256,omitempty"`
}

// Response is a response header; fields beyond OK, Code and Error depend
// on the op.
type Response struct {
	OK            bool          `json:"ok"`
	Code          string        `json:"code,omitempty"`
	Error         string        `json:"error,omitempty"`
	Name          string        `json:"name,omitempty"`
	Size          int64         `json:"size,omitempty"`
	Offset        int64         `json:"offset,omitempty"`
	ModTime       *time.Time    `json:"mtime,omitempty"`
	Dir           bool          `json:"dir,omitempty"`
	SHA256        string        `json:"sha256,omitempty"`
	PartialSHA256 string        `json:"partial_sha256,omitempty"`
	Entries       []store.Entry `json:"entries,omitempty"`
}

// Start is the client's offset frame of a PUT.
type Start struct {
	Offset int64 `json:"offset"`
}

// Trailer ends a run of data frames.
type Trailer struct {
	SHA256 string `json:"sha256"`
}

// ProtoError is a refusal from the peer (ok: false).
type ProtoError struct {
	Code, Msg string
}

func (e *ProtoError) Error() string { return fmt.Sprintf("fileproto: %s: %s", e.Code, e.Msg) }

// ParseRequest decodes and checks a request header: a known op, a name
// where one is needed, non-negative numbers. Name rules are the store's
// and are checked by the server per op.
func ParseRequest(b []byte) (*Request, error) {
	var r Request
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("header is not a JSON request: %v", err)
	}
	switch r.Op {
	case OpStat, OpList, OpDelete, OpGet, OpPut:
	default:
		return nil, fmt.Errorf("unknown op %q", r.Op)
	}
	if r.Offset < 0 || r.Size < 0 {
		return nil, fmt.Errorf("negative offset or size")
	}
	if r.Op == OpPut && r.Size > 1<<50 {
		return nil, fmt.Errorf("size %d too large", r.Size)
	}
	return &r, nil
}

func writeHeader(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return frame.Write(w, b)
}

func readHeader(r io.Reader, max int, v any) error {
	b, err := frame.Read(r, nil, max)
	if err != nil {
		return err
	}
	if len(b) == 0 {
		return fmt.Errorf("empty frame where a header was due")
	}
	return json.Unmarshal(b, v)
}
