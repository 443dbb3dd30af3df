package main

// startTCPBox runs tcpbox's own stack on an AF_PACKET link bound to iface.
func startTCPBox(iface, cidr string) (listenFunc, func() serverStats, func()) {
	fatalf("tcpbox server: the stack's TCP API is not wired into the benchmark yet")
	return nil, nil, nil
}
