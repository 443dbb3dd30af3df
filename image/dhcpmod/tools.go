//go:build tools

// Package dhcpmod pins the modules that gokrazy's DHCP client
// (github.com/gokrazy/gokrazy/cmd/dhcp) needs, so the image builder can
// build it for the target without adding them to tcpbox's own go.mod. It
// holds no code of its own.
package dhcpmod

import _ "github.com/gokrazy/gokrazy/cmd/dhcp"
