package config

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Field describes one knob for people: its path, effective and default
// values, and the help of its struct tags. The admin page renders these.
type Field struct {
	Path      string   `json:"path"`  // e.g. "profiles.bulk.mss_clamp"
	Group     string   `json:"group"` // e.g. "profiles.bulk"
	GroupHelp string   `json:"group_help,omitempty"`
	Kind      string   `json:"kind"` // bool, int, duration, string, enum
	Value     string   `json:"value"`
	Default   string   `json:"default"`
	Help      string   `json:"help"`
	Linux     string   `json:"linux,omitempty"`
	Applies   string   `json:"applies"` // a sentence, from the applies tag
	Unit      string   `json:"unit,omitempty"`
	Min       string   `json:"min,omitempty"`
	Max       string   `json:"max,omitempty"`
	Zero      string   `json:"zero,omitempty"` // meaning of 0 if allowed below min
	Enum      []string `json:"enum,omitempty"`
	Secret    bool     `json:"secret,omitempty"` // never shown: only "set" or empty
}

// appliesText explains the applies tag codes.
var appliesText = map[string]string{
	"conn":    "new connections, at once",
	"service": "the service is restarted (its listener re-created)",
	"link":    "the link is re-created",
	"address": "the address is re-applied",
	"admin":   "the admin page is restarted",
	"never":   "not changeable",
}

type leaf struct {
	path, group, groupHelp string
	sf                     reflect.StructField
	v, def                 reflect.Value
}

var durationType = reflect.TypeOf(Duration(0))

// walk calls fn for every leaf field of c in a stable order, with the
// matching default value (built-in defaults; DefaultProfile for named
// profiles the defaults do not name).
func walk(c *Config, fn func(leaf)) {
	d := Defaults()
	walkStruct(reflect.ValueOf(c).Elem(), reflect.ValueOf(&d).Elem(), "", "", fn)
}

func walkStruct(v, def reflect.Value, prefix, groupHelp string, fn func(leaf)) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		fv, dv := v.Field(i), def.Field(i)
		if sf.Anonymous {
			walkStruct(fv, dv, prefix, groupHelp, fn)
			continue
		}
		name := jsonName(sf)
		if name == "version" && prefix == "" {
			continue
		}
		path := join(prefix, name)
		switch {
		case sf.Type == durationType:
		case sf.Type.Kind() == reflect.Struct:
			walkStruct(fv, dv, path, sf.Tag.Get("help"), fn)
			continue
		case sf.Type.Kind() == reflect.Map:
			keys := make([]string, 0, fv.Len())
			for _, k := range fv.MapKeys() {
				keys = append(keys, k.String())
			}
			sort.Strings(keys)
			for _, k := range keys {
				p := fv.MapIndex(reflect.ValueOf(k)).Interface().(Profile)
				dp := DefaultProfile() // a profile the defaults do not name
				if d := dv.MapIndex(reflect.ValueOf(k)); d.IsValid() {
					dp = d.Interface().(Profile)
				}
				walkStruct(reflect.ValueOf(&p).Elem(), reflect.ValueOf(&dp).Elem(), join(path, k), "Named TCP profile "+strconv.Quote(k)+".", fn)
			}
			continue
		}
		fn(leaf{path: path, group: prefix, groupHelp: groupHelp, sf: sf, v: fv, def: dv})
	}
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func jsonName(sf reflect.StructField) string {
	n, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
	if n == "" {
		return sf.Name
	}
	return n
}

func kindOf(sf reflect.StructField) string {
	switch {
	case sf.Type == durationType:
		return "duration"
	case sf.Tag.Get("enum") != "":
		return "enum"
	}
	switch sf.Type.Kind() {
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int64:
		return "int"
	}
	return "string"
}

func format(v reflect.Value) string {
	if v.Type() == durationType {
		return Duration(v.Int()).String()
	}
	switch v.Kind() {
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	}
	return v.String()
}

// Fields lists every knob of c with its effective value, its default and
// its documentation, in file order.
func Fields(c *Config) []Field {
	var out []Field
	walk(c, func(l leaf) {
		f := Field{
			Path: l.path, Group: l.group, GroupHelp: l.groupHelp,
			Kind: kindOf(l.sf), Value: format(l.v), Default: format(l.def),
			Help: l.sf.Tag.Get("help"), Linux: l.sf.Tag.Get("linux"),
			Applies: appliesText[l.sf.Tag.Get("applies")], Unit: l.sf.Tag.Get("unit"),
			Min: l.sf.Tag.Get("min"), Max: l.sf.Tag.Get("max"), Zero: l.sf.Tag.Get("zero"),
			Secret: l.sf.Tag.Get("secret") == "true",
		}
		if e := l.sf.Tag.Get("enum"); e != "" {
			f.Enum = strings.Split(e, ",")
		}
		if f.Secret && f.Value != "" {
			f.Value = "(set)"
		}
		out = append(out, f)
	})
	return out
}

// Set changes the field at path (as Fields names it) from its text form:
// "true"/"false" (also "on"/"off") for booleans, decimal integers, Go
// duration strings. It checks syntax only; Validate checks values.
func Set(c *Config, path, value string) error {
	segs := strings.Split(path, ".")
	if err := setIn(reflect.ValueOf(c).Elem(), segs, value); err != nil {
		return &FieldError{Path: path, Msg: err.Error()}
	}
	return nil
}

func setIn(v reflect.Value, segs []string, value string) error {
	if len(segs) == 0 {
		return fmt.Errorf("not a field")
	}
	switch v.Kind() {
	case reflect.Map:
		if v.IsNil() {
			return fmt.Errorf("no profile %q", segs[0])
		}
		key := reflect.ValueOf(segs[0])
		mv := v.MapIndex(key)
		if !mv.IsValid() {
			return fmt.Errorf("no profile %q", segs[0])
		}
		cp := reflect.New(mv.Type()).Elem()
		cp.Set(mv)
		if err := setIn(cp, segs[1:], value); err != nil {
			return err
		}
		v.SetMapIndex(key, cp)
		return nil
	case reflect.Struct:
		if v.Type() == durationType {
			break
		}
		fv, ok := fieldByJSON(v, segs[0])
		if !ok {
			return fmt.Errorf("no such field")
		}
		if fv.Kind() == reflect.Struct && fv.Type() != durationType || fv.Kind() == reflect.Map {
			return setIn(fv, segs[1:], value)
		}
		if len(segs) != 1 {
			return fmt.Errorf("no such field")
		}
		return setLeaf(fv, value)
	}
	return fmt.Errorf("no such field")
}

func fieldByJSON(v reflect.Value, name string) (reflect.Value, bool) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Anonymous {
			if fv, ok := fieldByJSON(v.Field(i), name); ok {
				return fv, true
			}
			continue
		}
		if jsonName(sf) == name {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

func setLeaf(v reflect.Value, s string) error {
	s = strings.TrimSpace(s)
	if v.Type() == durationType {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 40ms or 2h", s)
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.Bool:
		switch strings.ToLower(s) {
		case "true", "on", "1":
			v.SetBool(true)
		case "false", "off", "0":
			v.SetBool(false)
		default:
			return fmt.Errorf("%q is not true or false", s)
		}
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v.OverflowInt(n) {
			return fmt.Errorf("%q is not a whole number", s)
		}
		v.SetInt(n)
	case reflect.String:
		v.SetString(s)
	default:
		return fmt.Errorf("cannot set a %s", v.Kind())
	}
	return nil
}
