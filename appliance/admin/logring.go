package admin

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// LogLine is one formatted log record.
type LogLine struct {
	Time  time.Time `json:"time"`
	Level string    `json:"level"`
	Msg   string    `json:"msg"` // message and attributes, key=value
}

// maxLineBytes bounds one line, so the ring's memory is bounded by
// size × maxLineBytes.
const maxLineBytes = 2048

// LogRing is an slog.Handler that keeps the latest lines in a fixed ring
// for the logs page, and passes every record on to next (if any). It is
// safe for concurrent use.
type LogRing struct {
	core  *ringCore
	next  slog.Handler
	attrs string // preformatted attributes of WithAttrs
	group string // prefix of WithGroup
}

type ringCore struct {
	mu     sync.Mutex
	min    slog.Level
	lines  []LogLine
	first  int
	count  int
	levels map[string]uint64 // lines seen per level, for /metrics
}

// NewLogRing keeps the latest size lines at level min and above, and
// passes records to next (which may be nil).
func NewLogRing(size int, min slog.Level, next slog.Handler) *LogRing {
	if size < 1 {
		size = 1
	}
	return &LogRing{core: &ringCore{min: min, lines: make([]LogLine, size), levels: map[string]uint64{}}, next: next}
}

// Enabled implements slog.Handler.
func (r *LogRing) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= r.core.min || (r.next != nil && r.next.Enabled(ctx, l))
}

// Handle implements slog.Handler.
func (r *LogRing) Handle(ctx context.Context, rec slog.Record) error {
	if rec.Level >= r.core.min {
		var b strings.Builder
		b.WriteString(rec.Message)
		b.WriteString(r.attrs)
		rec.Attrs(func(a slog.Attr) bool {
			writeAttr(&b, r.group, a)
			return b.Len() < maxLineBytes
		})
		msg := b.String()
		if len(msg) > maxLineBytes {
			msg = msg[:maxLineBytes] + "…"
		}
		r.core.add(LogLine{Time: rec.Time, Level: rec.Level.String(), Msg: msg})
	}
	if r.next != nil && r.next.Enabled(ctx, rec.Level) {
		return r.next.Handle(ctx, rec)
	}
	return nil
}

func writeAttr(b *strings.Builder, group string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Value.Kind() == slog.KindGroup {
		g := group + a.Key + "."
		if a.Key == "" {
			g = group
		}
		for _, sub := range a.Value.Group() {
			writeAttr(b, g, sub)
		}
		return
	}
	if a.Equal(slog.Attr{}) {
		return
	}
	v := a.Value.String()
	if strings.ContainsAny(v, " \"=\n") {
		v = fmt.Sprintf("%q", v)
	}
	fmt.Fprintf(b, " %s%s=%s", group, a.Key, v)
}

// WithAttrs implements slog.Handler.
func (r *LogRing) WithAttrs(as []slog.Attr) slog.Handler {
	n := *r
	var b strings.Builder
	b.WriteString(r.attrs)
	for _, a := range as {
		writeAttr(&b, r.group, a)
	}
	n.attrs = b.String()
	if r.next != nil {
		n.next = r.next.WithAttrs(as)
	}
	return &n
}

// WithGroup implements slog.Handler.
func (r *LogRing) WithGroup(name string) slog.Handler {
	if name == "" {
		return r
	}
	n := *r
	n.group = r.group + name + "."
	if r.next != nil {
		n.next = r.next.WithGroup(name)
	}
	return &n
}

func (c *ringCore) add(l LogLine) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.levels[l.Level]++
	i := (c.first + c.count) % len(c.lines)
	c.lines[i] = l
	if c.count < len(c.lines) {
		c.count++
	} else {
		c.first = (c.first + 1) % len(c.lines)
	}
}

// Lines returns the kept lines, oldest first.
func (r *LogRing) Lines() []LogLine {
	c := r.core
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]LogLine, c.count)
	for i := range out {
		out[i] = c.lines[(c.first+i)%len(c.lines)]
	}
	return out
}

// LevelCounts returns how many lines were logged per level since start.
func (r *LogRing) LevelCounts() map[string]uint64 {
	c := r.core
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]uint64, len(c.levels))
	for k, v := range c.levels {
		out[k] = v
	}
	return out
}
