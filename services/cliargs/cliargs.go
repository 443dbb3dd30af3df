// Package cliargs parses the options of tcpbox's client subcommands (put,
// get, ls, rr, crr) without the flag package, which nothing below the
// appliance may import: "-name value", "-name=value" and boolean
// "-name"/"-name=false", options before positional arguments, "--" ends
// options. It is deliberately small: no short-option bundling, no
// environment variables.
package cliargs

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Set describes the options of one command.
type Set struct {
	opts map[string]*opt
	keys []string
}

type opt struct {
	name, help string
	isBool     bool
	set        func(string) error
	def        string
}

func (s *Set) add(o *opt) {
	if s.opts == nil {
		s.opts = make(map[string]*opt)
	}
	s.opts[o.name] = o
	s.keys = append(s.keys, o.name)
}

// Bool, Int, String and Duration declare options with defaults.
func (s *Set) Bool(p *bool, name string, def bool, help string) {
	*p = def
	s.add(&opt{name: name, help: help, isBool: true, def: strconv.FormatBool(def), set: func(v string) error {
		b, err := strconv.ParseBool(v)
		*p = b
		return err
	}})
}

func (s *Set) Int(p *int, name string, def int, help string) {
	*p = def
	s.add(&opt{name: name, help: help, def: strconv.Itoa(def), set: func(v string) error {
		n, err := strconv.Atoi(v)
		*p = n
		return err
	}})
}

func (s *Set) String(p *string, name, def, help string) {
	*p = def
	s.add(&opt{name: name, help: help, def: def, set: func(v string) error { *p = v; return nil }})
}

func (s *Set) Duration(p *time.Duration, name string, def time.Duration, help string) {
	*p = def
	s.add(&opt{name: name, help: help, def: def.String(), set: func(v string) error {
		d, err := time.ParseDuration(v)
		*p = d
		return err
	}})
}

// Parse sets options from args and returns the positional arguments.
func (s *Set) Parse(args []string) ([]string, error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return args[i+1:], nil
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			return args[i:], nil
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		o := s.opts[name]
		if o == nil {
			return nil, fmt.Errorf("unknown option -%s", name)
		}
		if !hasVal {
			if o.isBool {
				val = "true"
			} else {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("option -%s needs a value", name)
				}
				i++
				val = args[i]
			}
		}
		if err := o.set(val); err != nil {
			return nil, fmt.Errorf("option -%s: bad value %q", name, val)
		}
	}
	return nil, nil
}

// Usage describes the options, one a line.
func (s *Set) Usage() string {
	var b strings.Builder
	for _, k := range s.keys {
		o := s.opts[k]
		fmt.Fprintf(&b, "  -%s\t%s (default %q)\n", o.name, o.help, o.def)
	}
	return b.String()
}
