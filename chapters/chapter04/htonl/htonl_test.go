package main

import (
	"encoding/binary"
	"fmt"
	"testing"
)

var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// TestNetworkBytes holds on every machine: after htonl the bytes in
// memory are the big-endian bytes of the value.
func TestNetworkBytes(t *testing.T) {
	for _, x := range []uint32{0, 1, 0x0102, 0xc0a80164, 0xffffffff} {
		want := make([]byte, 4)
		binary.BigEndian.PutUint32(want, x)
		if got := memory(htonl(x)); string(got) != string(want) {
			t.Errorf("memory(htonl(%#x)) = % x, want % x", x, got, want)
		}
		if got := ntohl(htonl(x)); got != x {
			t.Errorf("ntohl(htonl(%#x)) = %#x", x, got)
		}
	}
	for _, x := range []uint16{0, 1, 0x0102, 8080, 0xffff} {
		if got := ntohs(htons(x)); got != x {
			t.Errorf("ntohs(htons(%#x)) = %#x", x, got)
		}
	}
}

// TestLittleEndianValues pins the numbers the C program prints on a
// little-endian machine, and the identity on a big-endian one.
func TestLittleEndianValues(t *testing.T) {
	tests := []struct {
		name     string
		got      uint32
		le, same uint32
	}{
		{"htons(0x0102)", uint32(htons(0x0102)), 0x0201, 0x0102},
		{"htons(8080)", uint32(htons(8080)), 0x901f, 8080},
		{"htonl(0x6401a8c0)", htonl(0x6401a8c0), 0xc0a80164, 0x6401a8c0},
		{"ntohl(0xc0a80101)", ntohl(0xc0a80101), 0x0101a8c0, 0xc0a80101},
	}
	for _, tt := range tests {
		want := tt.same
		if littleEndian {
			want = tt.le
		}
		if tt.got != want {
			t.Errorf("%s = %#x, want %#x", tt.name, tt.got, want)
		}
	}
}

func TestRunArgs(t *testing.T) {
	err := run([]string{"extra"})
	if _, ok := err.(*usageError); !ok {
		t.Errorf("run(extra) = %v, want a usage error", err)
	}
}

func Example_memory() {
	// Whatever the machine, htonl leaves the bytes in network order.
	fmt.Println(memory(htonl(0xc0a80164)))
	// Output: [192 168 1 100]
}
