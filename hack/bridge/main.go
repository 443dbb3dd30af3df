// Command bridge joins two network interfaces through AF_PACKET and the
// impairment of nic/impair, a userspace stand-in for netem (which the
// kernel here lacks), and prints its counters on exit:
//
//	go run ./hack/bridge -a veth1 -b veth2 -loss 0.1 -delay 10ms -seed 7
//
// All logic lives in nic/bridge; this is flags, signals and printing.
package main

import (
	"errors"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/tcpbox/tcpbox/nic/bridge"
)

func main() {
	c, err := bridge.ParseArgs(os.Args[1:])
	if errors.Is(err, bridge.ErrHelp) {
		fmt.Print(bridge.Usage)
		return
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%v\n\n%s", err, bridge.Usage)
		os.Exit(2)
	}
	br, err := bridge.Open(c, log.Printf)
	if err != nil {
		log.Fatal(err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case s := <-sig:
		log.Printf("bridge: %v, stopping", s)
	case <-br.Done():
		log.Printf("bridge: a port stopped")
	}
	stats := br.Stats()
	err = br.Close()
	fmt.Print(stats)
	if err != nil {
		log.Fatal(err)
	}
}
