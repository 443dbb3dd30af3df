#!/usr/bin/env bash
# make run: until the appliance image boots under QEMU, this runs tcpbox on
# a network-namespace testbed: the kernel in namespace tbrun-peer
# (198.18.0.1/24) and tcpbox on the other end of a veth (198.18.0.2/24).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "make run: needs root (network namespaces)"; exit 1; }
bash hack/deps.sh
go build -o bin/tcpbox ./appliance/cmd/tcpbox
cleanup() { ip netns del tbrun-peer 2>/dev/null || true; ip netns del tbrun-dut 2>/dev/null || true; }
cleanup; trap cleanup EXIT
ip netns add tbrun-peer; ip netns add tbrun-dut
ip link add tbrun0 type veth peer name tbrun1
ip link set tbrun0 netns tbrun-peer name veth0
ip link set tbrun1 netns tbrun-dut name veth0
ip netns exec tbrun-peer ip link set lo up
ip netns exec tbrun-peer ip link set veth0 up
ip netns exec tbrun-peer ip addr add 198.18.0.1/24 dev veth0
ip netns exec tbrun-dut sysctl -q -w net.ipv6.conf.all.disable_ipv6=1
ip netns exec tbrun-dut ip link set veth0 up
echo "make run: the kernel peer is namespace tbrun-peer; try: ip netns exec tbrun-peer ping 198.18.0.2"
ip netns exec tbrun-dut ./bin/tcpbox -iface veth0 -addr 198.18.0.2/24 -state "$(mktemp -d)"
