//go:build pin

// Package pin keeps the gokrazy modules that image/ reads as data (kernels,
// firmware, EEPROM images) in go.mod until image/ imports them itself. It
// is never built.
package pin

import (
	_ "github.com/gokrazy/firmware"
	_ "github.com/gokrazy/gokrazy"
	_ "github.com/gokrazy/kernel.amd64"
	_ "github.com/gokrazy/kernel.arm64"
	_ "github.com/gokrazy/kernel.rpi"
	_ "github.com/gokrazy/rpi-eeprom"
	_ "github.com/vishvananda/netlink"
	_ "golang.org/x/sys/unix"
)
