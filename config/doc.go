// Package config is tcpbox's typed configuration: the link, the address,
// TCP defaults and named TCP profiles, the services and the admin page.
//
// It holds the defaults (in defaults.go, the one place they live), the help
// text of every field (struct tags: what the field is, its Linux
// equivalent, and how a change applies), validation that reports every
// problem at once with its field path, strict JSON decoding with schema
// migration, and a Store that saves config.json atomically and keeps a
// last-good copy.
//
// It is not the code that applies a configuration: only appliance turns a
// Config into the options of the stack, the link and the services. It uses
// the standard library only and reads no flags or environment.
package config
