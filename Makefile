# tcpbox: `make run` builds and boots the appliance, `make test` runs every
# test (root-only namespace and QEMU tests included). See README.md.

GO      ?= go
FUZZTIME ?= 60s

.PHONY: all build test test-race fuzz bench ccbench run run-arm64 run-netns image vet metricscheck benchcheck

all: build

build:
	$(GO) build ./...

vet:
	$(GO) vet ./...

# Everything, including the root-only namespace tests. Under CI=true a test
# that lacks root or a tool fails instead of skipping.
test: vet
	$(GO) test -count=1 -timeout 28m ./...
	$(MAKE) metricscheck
	$(MAKE) benchcheck

# The benchmark command (hack/bench, its own module so gVisor stays out of
# the product's go.mod) builds, and its trace reader works.
benchcheck:
	cd hack/bench && $(GO) vet ./ && $(GO) test -count=1 ./

# /metrics parsed by Prometheus's own text-format parser, in a separate
# module so the product never depends on Prometheus libraries.
metricscheck:
	$(GO) test -count=1 -run TestMetrics ./appliance/admin
	cd hack/metricscheck && $(GO) test -count=1 ./

# The race detector over the packages with goroutines.
test-race:
	$(GO) test -race -count=1 -timeout 20m ./nic/... ./stack/... ./services/...

# Every fuzz target for FUZZTIME each (default 60s).
fuzz:
	bash hack/fuzz.sh $(FUZZTIME)

bench:
	bash hack/bench.sh

# Congestion control and loss recovery under impairment (root, about 15
# minutes): tcpbox to tcpbox over memlink, and tcpbox beside Linux's own
# algorithms through the userspace bridge (docs/congestion.md).
ccbench:
	mkdir -p out && go run ./hack/ccbench -kernel -json out/ccbench.json

# Build the x86-64 appliance image and boot it under QEMU (two NICs:
# management with the admin page on http://127.0.0.1:8080, and the test NIC
# owned by tcpbox, whose services are forwarded to the local ports printed).
run:
	bash hack/deps.sh
	TARGET=amd64 bash hack/run-image.sh

# The arm64 image on qemu-system-aarch64 -M virt.
run-arm64:
	bash hack/deps.sh
	TARGET=arm64 bash hack/run-image.sh

# tcpbox on a network-namespace testbed, no VM: the kernel peer in
# namespace tbrun-peer (198.18.0.1/24), tcpbox on 198.18.0.2/24.
run-netns:
	bash hack/run.sh

image:
	mkdir -p bin
	$(GO) run ./image -target amd64 -o bin/tcpbox-amd64.img
