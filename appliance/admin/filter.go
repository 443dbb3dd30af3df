package admin

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Capture filters: a small subset of tcpdump's language, enough for field
// captures, compiled to a function over an Ethernet frame.
//
//	expr    = term { "or" term }
//	term    = factor { [ "and" ] factor }   (juxtaposition is "and": "tcp port 80")
//	factor  = "not" factor | "(" expr ")" | prim
//	prim    = "ip" | "arp" | "icmp" | "tcp" | "udp"
//	        | [ "src" | "dst" ] "host" IPv4
//	        | [ "src" | "dst" ] "port" 1-65535
//
// "" matches every frame, even runts. Frames may carry one 802.1Q tag. A port matches
// TCP or UDP in the first fragment only (later fragments carry no ports).
// Filters are at most maxFilterLen bytes, so compiling is bounded.

// FrameFilter reports whether a frame matches. It never keeps the frame.
type FrameFilter func(frame []byte) bool

// CompileFilter parses a capture filter.
func CompileFilter(s string) (FrameFilter, error) {
	if len(s) > maxFilterLen {
		return nil, fmt.Errorf("filter: longer than %d characters", maxFilterLen)
	}
	p := &filterParser{toks: tokenize(s)}
	if len(p.toks) == 0 {
		return func([]byte) bool { return true }, nil
	}
	f, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, fmt.Errorf("filter: unexpected %q", p.toks[p.i])
	}
	return func(b []byte) bool { v, ok := decodeFrame(b); return ok && f(v) }, nil
}

func tokenize(s string) []string {
	s = strings.NewReplacer("(", " ( ", ")", " ) ", "!", " not ", "&&", " and ", "||", " or ").Replace(s)
	return strings.Fields(strings.ToLower(s))
}

type filterParser struct {
	toks []string
	i    int
}

// maxFilterDepth bounds nesting, so a hostile filter cannot exhaust the
// stack.
const maxFilterDepth = 32

type pred func(frameView) bool

func (p *filterParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *filterParser) next() string { t := p.peek(); p.i++; return t }

func (p *filterParser) expr(depth int) (pred, error) {
	if depth > maxFilterDepth {
		return nil, fmt.Errorf("filter: nested too deeply")
	}
	l, err := p.term(depth)
	if err != nil {
		return nil, err
	}
	for p.peek() == "or" {
		p.next()
		r, err := p.term(depth)
		if err != nil {
			return nil, err
		}
		a := l
		l = func(v frameView) bool { return a(v) || r(v) }
	}
	return l, nil
}

func (p *filterParser) term(depth int) (pred, error) {
	l, err := p.factor(depth)
	if err != nil {
		return nil, err
	}
	for {
		switch p.peek() {
		case "and":
			p.next()
		case "", "or", ")":
			return l, nil
		}
		// Juxtaposition is "and", as in tcpdump's "tcp port 80".
		r, err := p.factor(depth)
		if err != nil {
			return nil, err
		}
		a := l
		l = func(v frameView) bool { return a(v) && r(v) }
	}
}

func (p *filterParser) factor(depth int) (pred, error) {
	if depth > maxFilterDepth {
		return nil, fmt.Errorf("filter: nested too deeply")
	}
	switch t := p.next(); t {
	case "not":
		f, err := p.factor(depth + 1)
		if err != nil {
			return nil, err
		}
		return func(v frameView) bool { return !f(v) }, nil
	case "(":
		f, err := p.expr(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.next() != ")" {
			return nil, fmt.Errorf("filter: missing )")
		}
		return f, nil
	case "ip":
		return func(v frameView) bool { return v.ip }, nil
	case "arp":
		return func(v frameView) bool { return v.arp }, nil
	case "icmp":
		return func(v frameView) bool { return v.ip && v.proto == 1 }, nil
	case "tcp":
		return func(v frameView) bool { return v.ip && v.proto == 6 }, nil
	case "udp":
		return func(v frameView) bool { return v.ip && v.proto == 17 }, nil
	case "src", "dst", "host", "port":
		dir := ""
		if t == "src" || t == "dst" {
			dir, t = t, p.next()
		}
		arg := p.next()
		switch t {
		case "host":
			a, err := netip.ParseAddr(arg)
			if err != nil || !a.Is4() {
				return nil, fmt.Errorf("filter: %q is not an IPv4 address", arg)
			}
			want := a.As4()
			return func(v frameView) bool {
				return v.ip && (dir != "dst" && v.src == want || dir != "src" && v.dst == want)
			}, nil
		case "port":
			n, err := strconv.ParseUint(arg, 10, 16)
			if err != nil || n == 0 {
				return nil, fmt.Errorf("filter: %q is not a port", arg)
			}
			want := uint16(n)
			return func(v frameView) bool {
				return v.ports && (dir != "dst" && v.sport == want || dir != "src" && v.dport == want)
			}, nil
		}
		return nil, fmt.Errorf("filter: expected host or port after %s, got %q", dir, t)
	case "":
		return nil, fmt.Errorf("filter: ends too early")
	default:
		return nil, fmt.Errorf("filter: unknown word %q (known: ip arp icmp tcp udp host port src dst and or not)", t)
	}
}

// frameView is what filters look at, decoded once per frame.
type frameView struct {
	ip, arp, ports bool
	proto          uint8
	src, dst       [4]byte
	sport, dport   uint16
}

// decodeFrame decodes Ethernet (RFC 894, one optional 802.1Q tag), IPv4 (RFC 791)
// and the ports of TCP or UDP. ok is false for a frame too short for its
// Ethernet header.
func decodeFrame(b []byte) (v frameView, ok bool) {
	if len(b) < 14 {
		return v, false
	}
	et, off := binary.BigEndian.Uint16(b[12:]), 14
	if et == 0x8100 && len(b) >= 18 {
		et, off = binary.BigEndian.Uint16(b[16:]), 18
	}
	switch et {
	case 0x0806:
		v.arp = true
	case 0x0800:
		ip := b[off:]
		if len(ip) < 20 || ip[0]>>4 != 4 {
			return v, true
		}
		ihl := int(ip[0]&0xf) * 4
		if ihl < 20 || len(ip) < ihl {
			return v, true
		}
		v.ip, v.proto = true, ip[9]
		copy(v.src[:], ip[12:16])
		copy(v.dst[:], ip[16:20])
		fragOff := binary.BigEndian.Uint16(ip[6:]) & 0x1fff
		if (v.proto == 6 || v.proto == 17) && fragOff == 0 && len(ip) >= ihl+4 {
			v.ports = true
			v.sport = binary.BigEndian.Uint16(ip[ihl:])
			v.dport = binary.BigEndian.Uint16(ip[ihl+2:])
		}
	}
	return v, true
}
