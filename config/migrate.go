package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// migrations[v] turns a version-v document into a version v+1 document.
// Each works on the generic JSON tree so that old field names can still be
// read after the Go types have moved on.
var migrations = map[int]func(doc map[string]any) error{
	1: migrate1to2,
}

// migrate brings data to SchemaVersion. Data already current is returned
// unchanged.
func migrate(data []byte) ([]byte, error) {
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if head.Version == nil {
		return nil, fmt.Errorf("config: no \"version\" field")
	}
	v := *head.Version
	switch {
	case v == SchemaVersion:
		return data, nil
	case v > SchemaVersion:
		return nil, fmt.Errorf("config: version %d was written by a newer tcpbox (this one reads up to %d)", v, SchemaVersion)
	case migrations[v] == nil:
		return nil, fmt.Errorf("config: version %d is not supported", v)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	for ; v < SchemaVersion; v++ {
		if err := migrations[v](doc); err != nil {
			return nil, fmt.Errorf("config: migrating version %d to %d: %w", v, v+1, err)
		}
		doc["version"] = v + 1
	}
	return json.Marshal(doc)
}

// migrate1to2: version 1 wrote TCP times as integer milliseconds in fields
// named "<name>_ms", and the admin address as one "host:port" string in
// admin.listen. Version 2 writes durations as strings ("40ms") and splits
// admin.listen and admin.port.
func migrate1to2(doc map[string]any) error {
	if tcp, ok := doc["tcp"].(map[string]any); ok {
		if err := msToDurations("tcp", tcp); err != nil {
			return err
		}
	}
	if profs, ok := doc["profiles"].(map[string]any); ok {
		for name, p := range profs {
			if pm, ok := p.(map[string]any); ok {
				if err := msToDurations("profiles."+name, pm); err != nil {
					return err
				}
			}
		}
	}
	if admin, ok := doc["admin"].(map[string]any); ok {
		if l, ok := admin["listen"].(string); ok && l != "" {
			host, port, err := net.SplitHostPort(l)
			if err != nil {
				return fmt.Errorf("admin.listen: %q is not host:port", l)
			}
			n, err := strconv.Atoi(port)
			if err != nil {
				return fmt.Errorf("admin.listen: port %q is not a number", port)
			}
			admin["listen"] = host
			admin["port"] = n
		}
	}
	return nil
}

func msToDurations(path string, m map[string]any) error {
	for k, v := range m {
		name, ok := strings.CutSuffix(k, "_ms")
		if !ok {
			continue
		}
		num, ok := v.(json.Number)
		if !ok {
			return fmt.Errorf("%s.%s: not a number", path, k)
		}
		ms, err := num.Int64()
		if err != nil || ms < 0 || ms > int64(1<<62)/int64(time.Millisecond) {
			return fmt.Errorf("%s.%s: %s is not a whole number of milliseconds", path, k, num)
		}
		delete(m, k)
		m[name] = (time.Duration(ms) * time.Millisecond).String()
	}
	return nil
}
