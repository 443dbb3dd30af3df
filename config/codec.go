package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
)

// MaxFileSize bounds what Decode reads, so a huge file cannot exhaust
// memory.
const MaxFileSize = 1 << 20

// MaxProfiles bounds the number of named profiles.
const MaxProfiles = 64

// Decode reads a configuration file: it migrates older schema versions,
// rejects unknown fields, fills fields missing from the file with their
// defaults, and validates. On a validation failure it returns the decoded
// Config together with an Errors value.
func Decode(data []byte) (Config, error) {
	if len(data) > MaxFileSize {
		return Config{}, fmt.Errorf("config: file is %d bytes, larger than %d", len(data), MaxFileSize)
	}
	data, err := migrate(data)
	if err != nil {
		return Config{}, err
	}
	c := Defaults()
	c.Profiles = nil // the file's profiles replace the examples
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if dec.More() {
		return Config{}, errors.New("config: data after the JSON object")
	}
	if c.Profiles == nil {
		c.Profiles = map[string]Profile{}
	}
	return c, Validate(&c)
}

// Encode writes c as indented JSON with a final newline.
func Encode(c *Config) ([]byte, error) {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Clone returns a deep copy of c.
func Clone(c *Config) Config {
	d := *c
	d.Profiles = maps.Clone(c.Profiles)
	return d
}

// UnmarshalJSON decodes a profile on top of DefaultProfile, so a profile
// written with only a few fields is complete, and rejects unknown fields.
func (p *Profile) UnmarshalJSON(b []byte) error {
	type plain Profile // no UnmarshalJSON method: no recursion
	v := plain(DefaultProfile())
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	*p = Profile(v)
	return nil
}
