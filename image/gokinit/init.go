package main

import (
	"bufio"
	"bytes"
	"fmt"
	"log"
	"os"
	"os/exec"
	"strings"

	"github.com/gokrazy/gokrazy"
)

func runInit() {
	if err := gokrazy.Boot(buildTimestamp); err != nil {
		log.Fatal(err)
	}
	host, _ := os.Hostname()
	log.Printf("tcpbox appliance %s on %s (%s)", buildTimestamp, host, gokrazy.Model())

	args, err := readFlags(FlagsFile)
	if err != nil {
		log.Printf("gokinit: %v; starting tcpbox without flags", err)
	}
	services := []*gokrazy.Service{
		gokrazy.NewService(exec.Command(DHCPPath)),
		gokrazy.NewService(exec.Command(ConsolePath, append([]string{TcpboxPath}, args...)...)),
	}
	go serveManagement()
	if err := gokrazy.SuperviseServices(services); err != nil {
		log.Fatal(err)
	}
	select {} // PID 1 never exits
}

// readFlags reads one argument per line; blank lines and lines starting
// with '#' are skipped, so the file can carry comments.
func readFlags(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseFlags(b)
}

func parseFlags(b []byte) ([]string, error) {
	var args []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		args = append(args, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("flags: %w", err)
	}
	return args, nil
}
