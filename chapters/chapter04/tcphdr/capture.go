package tcphdr

import (
	"encoding/binary"
	"net"
	"os"
	"syscall"
	"time"
)

// PacketOutgoing is the sll_pkttype of a frame this host sent. On lo
// every frame is seen twice, once going out (PACKET_OUTGOING) and once
// coming in (PACKET_HOST, 0); a capture keeps one of the two.
const PacketOutgoing = 4

// htons swaps the two bytes of a 16-bit value on a little-endian host,
// like htons(3) in C.
func htons(v uint16) uint16 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], v)
	return binary.NativeEndian.Uint16(b[:])
}

// OpenLoopback opens a packet socket on lo that receives only the TCP
// segments to or from port (IPv4 or IPv6), each frame with its 14-byte
// link-layer header. Reads time out after 100 ms. It needs CAP_NET_RAW:
// without it the error wraps syscall.EPERM.
func OpenLoopback(port uint16) (int, error) {
	// region capture
	// Step 1: socket(2). C: fd = socket(AF_PACKET, SOCK_RAW, 0)
	// SOCK_RAW keeps the link-layer header. This is the call that
	// needs CAP_NET_RAW. Protocol 0 receives nothing yet: the filter
	// goes on first, so that no other frame slips into the queue.
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	// Step 2: setsockopt(2) SO_ATTACH_FILTER.
	// C: struct sock_fprog prog = {len, insns};
	//    setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog)
	// The kernel runs the filter on every frame and queues only those
	// it accepts: a busy lo cannot overflow the socket's buffer.
	//lint:ignore SA1019 yaegi: the replacement, golang.org/x/net/bpf, is a module the interpreter cannot load
	if err := syscall.AttachLsf(fd, PortFilter(port)); err != nil {
		syscall.Close(fd)
		return -1, os.NewSyscallError("setsockopt", err)
	}
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		syscall.Close(fd)
		return -1, err
	}
	// Step 3: bind(2) to lo, for every protocol. The protocol is an
	// EtherType in network byte order: htons(ETH_P_ALL).
	// C: struct sockaddr_ll sll = {.sll_family = AF_PACKET,
	//        .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = ifindex};
	//    bind(fd, (struct sockaddr *)&sll, sizeof sll)
	sll := &syscall.SockaddrLinklayer{
		Protocol: htons(syscall.ETH_P_ALL),
		Ifindex:  lo.Index,
	}
	if err := syscall.Bind(fd, sll); err != nil {
		syscall.Close(fd)
		return -1, os.NewSyscallError("bind", err)
	}
	// endregion capture
	// Reads time out every 100 ms, so a capture loop can check its
	// deadline even when nothing comes.
	tv := syscall.NsecToTimeval(int64(100 * time.Millisecond))
	err = syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET,
		syscall.SO_RCVTIMEO, &tv)
	if err != nil {
		syscall.Close(fd)
		return -1, os.NewSyscallError("setsockopt", err)
	}
	return fd, nil
}

// Classic BPF opcodes used by PortFilter (linux/filter.h).
const (
	bpfLdHAbs  = syscall.BPF_LD | syscall.BPF_H | syscall.BPF_ABS
	bpfLdBAbs  = syscall.BPF_LD | syscall.BPF_B | syscall.BPF_ABS
	bpfLdHInd  = syscall.BPF_LD | syscall.BPF_H | syscall.BPF_IND
	bpfLdxBMsh = syscall.BPF_LDX | syscall.BPF_B | syscall.BPF_MSH
	bpfJeqK    = syscall.BPF_JMP | syscall.BPF_JEQ | syscall.BPF_K
	bpfRetK    = syscall.BPF_RET | syscall.BPF_K
)

// PortFilter returns the classic BPF program of tcpdump's
// "tcp port PORT" on an Ethernet frame: IPv4 or IPv6, protocol TCP,
// source or destination port equal to port. It accepts a frame whole or
// drops it. Jump offsets count the instructions to skip.
func PortFilter(port uint16) []syscall.SockFilter {
	p := uint32(port)
	return []syscall.SockFilter{
		/* 0 */ {Code: bpfLdHAbs, K: 12}, // EtherType
		/* 1 */ {Code: bpfJeqK, K: EtherTypeIPv4, Jt: 0, Jf: 7}, // else 9
		/* 2 */ {Code: bpfLdBAbs, K: 14 + 9}, // IPv4 protocol
		/* 3 */ {Code: bpfJeqK, K: ProtoTCP, Jt: 0, Jf: 13}, // else drop
		/* 4 */ {Code: bpfLdxBMsh, K: 14}, // X = IPv4 header length
		/* 5 */ {Code: bpfLdHInd, K: 14}, // source port
		/* 6 */ {Code: bpfJeqK, K: p, Jt: 9, Jf: 0}, // accept
		/* 7 */ {Code: bpfLdHInd, K: 16}, // destination port
		/* 8 */ {Code: bpfJeqK, K: p, Jt: 7, Jf: 8}, // accept, drop
		/* 9 */ {Code: bpfJeqK, K: EtherTypeIPv6, Jt: 0, Jf: 7},
		/* 10 */ {Code: bpfLdBAbs, K: 14 + 6}, // IPv6 next header
		/* 11 */ {Code: bpfJeqK, K: ProtoTCP, Jt: 0, Jf: 5},
		/* 12 */ {Code: bpfLdHAbs, K: 14 + 40}, // source port
		/* 13 */ {Code: bpfJeqK, K: p, Jt: 2, Jf: 0},
		/* 14 */ {Code: bpfLdHAbs, K: 14 + 42}, // destination port
		/* 15 */ {Code: bpfJeqK, K: p, Jt: 0, Jf: 1},
		/* 16 */ {Code: bpfRetK, K: 262144}, // accept the whole frame
		/* 17 */ {Code: bpfRetK, K: 0}, // drop
	}
}
