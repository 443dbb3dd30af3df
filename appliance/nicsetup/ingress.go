package nicsetup

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Keeping the kernel's IP layer off tcpbox's frames.
//
// The kernel holds no address on tcpbox's interface, but it still takes
// every frame the NIC delivers to its own MAC through ip_rcv: a route
// lookup that fails, a route entry made and freed (through RCU) for each
// frame, an error counted. On a veth that work runs in the sender's
// softirq, often on tcpbox's own CPU. A clsact qdisc with a classifier
// that drops everything on ingress ends each frame there: the kernel
// delivers a frame to the packet taps of every protocol (ETH_P_ALL, as
// nic/afpacket binds) before the ingress hook (__netif_receive_skb_core),
// so tcpbox still sees every frame; taps of one protocol would not. hack/bench, upload with offloads off, seven
// interleaved rounds: 4.78 against 4.48 Gbit/s (medians), the kernel's
// ip_error path gone from the profile (docs/performance.md, round six).
//
// The classifier is cls_bpf in direct-action mode running a two-
// instruction eBPF program (return TC_ACT_SHOT). Kernels without
// CONFIG_NET_SCH_INGRESS or CONFIG_NET_CLS_BPF refuse it; DropIngress then
// reports the error and the kernel keeps doing the useless work.

// dropProgram is `r0 = TC_ACT_SHOT; exit` in eBPF (struct bpf_insn: code,
// dst_reg:4|src_reg:4, off, imm).
var dropProgram = [2]struct {
	code uint8
	regs uint8
	off  int16
	imm  int32
}{
	{code: unix.BPF_ALU64 | unix.BPF_MOV | unix.BPF_K, imm: 2}, // TC_ACT_SHOT
	{code: unix.BPF_JMP | unix.BPF_EXIT},
}

// progLoadAttr is the head of union bpf_attr for BPF_PROG_LOAD; the kernel
// takes a shorter attr and treats the rest as zero.
type progLoadAttr struct {
	progType    uint32
	insnCnt     uint32
	insns       uint64
	license     uint64
	logLevel    uint32
	logSize     uint32
	logBuf      uint64
	kernVersion uint32
	progFlags   uint32
	progName    [16]byte
}

// license is the program's license string. It calls no kernel helpers,
// so the kernel's check for GPL-only ones does not apply.
var license = []byte("N/A\x00")

// loadDrop loads dropProgram as a BPF_PROG_TYPE_SCHED_CLS program.
func loadDrop() (int, error) {
	attr := progLoadAttr{
		progType: unix.BPF_PROG_TYPE_SCHED_CLS,
		insnCnt:  uint32(len(dropProgram)),
		insns:    uint64(uintptr(unsafe.Pointer(&dropProgram[0]))),
		license:  uint64(uintptr(unsafe.Pointer(&license[0]))),
	}
	copy(attr.progName[:], "tcpbox_drop")
	fd, _, errno := unix.Syscall(unix.SYS_BPF, unix.BPF_PROG_LOAD, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	if errno != 0 {
		return -1, fmt.Errorf("bpf prog load: %w", errno)
	}
	return int(fd), nil
}

// DropIngress makes the kernel drop every frame arriving on the interface
// named name once its packet taps have seen it, replacing any clsact qdisc
// there. Call it in the interface's network namespace. UndoIngress removes
// it.
func DropIngress(name string) error {
	return withLink(name, func(h *netlink.Handle, link netlink.Link) error {
		return dropIngress(h, link)
	})
}

// withLink runs f with a netlink handle and the link named name.
func withLink(name string, f func(*netlink.Handle, netlink.Link) error) error {
	h, err := netlink.NewHandle()
	if err != nil {
		return fmt.Errorf("nic setup: netlink: %w", err)
	}
	defer h.Close()
	link, err := h.LinkByName(name)
	if err != nil {
		return fmt.Errorf("nic setup: %s: %w", name, err)
	}
	return f(h, link)
}

func dropIngress(h *netlink.Handle, link netlink.Link) error {
	name := link.Attrs().Name
	q := clsact(link.Attrs().Index)
	if err := h.QdiscReplace(q); err != nil {
		return fmt.Errorf("nic setup: %s: clsact qdisc: %w", name, err)
	}
	fd, err := loadDrop()
	if err != nil {
		h.QdiscDel(q)
		return fmt.Errorf("nic setup: %s: %w", name, err)
	}
	defer unix.Close(fd) // the filter keeps its own reference
	f := &netlink.BpfFilter{
		FilterAttrs: netlink.FilterAttrs{
			LinkIndex: link.Attrs().Index,
			Parent:    netlink.HANDLE_MIN_INGRESS,
			Handle:    1,
			Priority:  1,
			Protocol:  unix.ETH_P_ALL,
		},
		Fd:           fd,
		Name:         "tcpbox_drop",
		DirectAction: true,
	}
	if err := h.FilterAdd(f); err != nil {
		h.QdiscDel(q)
		return fmt.Errorf("nic setup: %s: ingress filter: %w", name, err)
	}
	return nil
}

// UndoIngress removes what DropIngress installed (the clsact qdisc and
// its filters); an interface without one is no error.
func UndoIngress(name string) error {
	err := withLink(name, func(h *netlink.Handle, link netlink.Link) error {
		if err := h.QdiscDel(clsact(link.Attrs().Index)); err != nil && !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.EINVAL) {
			return fmt.Errorf("nic setup: %s: remove clsact qdisc: %w", name, err)
		}
		return nil
	})
	var nf netlink.LinkNotFoundError
	if errors.As(err, &nf) {
		return nil // gone with its qdiscs
	}
	return err
}

func clsact(index int) *netlink.GenericQdisc {
	return &netlink.GenericQdisc{
		QdiscAttrs: netlink.QdiscAttrs{
			LinkIndex: index,
			Handle:    netlink.MakeHandle(0xffff, 0),
			Parent:    netlink.HANDLE_CLSACT,
		},
		QdiscType: "clsact",
	}
}
