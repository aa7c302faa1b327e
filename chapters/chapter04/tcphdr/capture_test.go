package tcphdr

import (
	"encoding/binary"
	"syscall"
	"testing"
)

// runBPF is a tiny classic-BPF interpreter for the instructions that
// PortFilter uses, enough to check the program without a kernel.
func runBPF(t *testing.T, prog []syscall.SockFilter, pkt []byte) uint32 {
	t.Helper()
	var a, x uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		switch in.Code {
		case bpfLdHAbs, bpfLdHInd:
			off := int(in.K)
			if in.Code == bpfLdHInd {
				off += int(x)
			}
			if off+2 > len(pkt) {
				return 0 // out of bounds: the kernel drops
			}
			a = uint32(binary.BigEndian.Uint16(pkt[off:]))
		case bpfLdBAbs:
			if int(in.K) >= len(pkt) {
				return 0
			}
			a = uint32(pkt[in.K])
		case bpfLdxBMsh:
			x = uint32(pkt[in.K]&0x0f) * 4
		case bpfJeqK:
			if a == in.K {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case bpfRetK:
			return in.K
		default:
			t.Fatalf("pc %d: opcode %#x not interpreted", pc, in.Code)
		}
	}
	t.Fatal("program fell off its end")
	return 0
}

func TestPortFilter(t *testing.T) {
	arp := mustHex(t, v4SYN)
	arp[12], arp[13] = 0x08, 0x06
	udp := mustHex(t, v4SYN)
	udp[14+9] = 17
	tests := []struct {
		name   string
		frame  []byte
		port   uint16
		accept bool
	}{
		{"v4 source port", mustHex(t, v4SYN), 47270, true},
		{"v4 destination port", mustHex(t, v4SYN), 37869, true},
		{"v4 other port", mustHex(t, v4SYN), 37870, false},
		{"v4 reply", mustHex(t, v4SYNACK), 37869, true},
		{"v4 data", mustHex(t, v4Data), 47270, true},
		{"v6 source port", mustHex(t, v6SYN), 37542, true},
		{"v6 destination port", mustHex(t, v6Data), 37542, true},
		{"v6 other port", mustHex(t, v6Data), 80, false},
		{"arp", arp, 47270, false},
		{"udp", udp, 47270, false},
	}
	for _, tt := range tests {
		got := runBPF(t, PortFilter(tt.port), tt.frame) != 0
		if got != tt.accept {
			t.Errorf("%s: accepted %v, want %v", tt.name, got, tt.accept)
		}
	}
}
