package store

import (
	"errors"
	"fmt"
	"strings"
)

// ErrBadName wraps every reason a name is refused.
var ErrBadName = errors.New("bad name")

// Limits on names.
const (
	MaxNameLen    = 1024
	MaxSegmentLen = 255
)

// CheckName validates a client-supplied name (already URL-decoded): a
// relative slash-separated path whose segments are not empty, ".", "..",
// or reserved (leading "."), with no backslash, NUL or control character.
// "" names the root directory itself and is allowed only where allowRoot.
// The error says why, for a 400 answer.
func CheckName(name string, allowRoot bool) error {
	if name == "" {
		if allowRoot {
			return nil
		}
		return fmt.Errorf("%w: empty", ErrBadName)
	}
	if len(name) > MaxNameLen {
		return fmt.Errorf("%w: longer than %d bytes", ErrBadName, MaxNameLen)
	}
	if strings.HasPrefix(name, "/") {
		return fmt.Errorf("%w: absolute names are not allowed", ErrBadName)
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c == 0:
			return fmt.Errorf("%w: contains NUL", ErrBadName)
		case c == '\\':
			return fmt.Errorf("%w: contains a backslash", ErrBadName)
		case c < 0x20 || c == 0x7f:
			return fmt.Errorf("%w: contains a control character", ErrBadName)
		}
	}
	for _, seg := range strings.Split(name, "/") {
		switch {
		case seg == "":
			return fmt.Errorf("%w: empty path segment", ErrBadName)
		case seg == "." || seg == "..":
			return fmt.Errorf("%w: %q segments are not allowed", ErrBadName, seg)
		case seg[0] == '.':
			return fmt.Errorf("%w: names starting with '.' are reserved", ErrBadName)
		case len(seg) > MaxSegmentLen:
			return fmt.Errorf("%w: segment longer than %d bytes", ErrBadName, MaxSegmentLen)
		}
	}
	return nil
}
