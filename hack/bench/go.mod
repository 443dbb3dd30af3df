module github.com/tcpbox/tcpbox/hack/bench

go 1.26.3

require (
	github.com/tcpbox/tcpbox v0.0.0-00010101000000-000000000000
	golang.org/x/exp v0.0.0-20261014143641-f0251eb4aa3e
	golang.org/x/sys v0.49.0
	gvisor.dev/gvisor v0.0.0-20260527191743-a81fd9dd382e
)

require (
	github.com/google/btree v1.1.2 // indirect
	github.com/vishvananda/netlink v1.3.1 // indirect
	github.com/vishvananda/netns v0.0.5 // indirect
	golang.org/x/time v0.15.0 // indirect
)

replace github.com/tcpbox/tcpbox => ../..
