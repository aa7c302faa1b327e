package tcphdr

import (
	"fmt"
	"testing"
)

func TestSACKBlocks(t *testing.T) {
	tests := []struct {
		name string
		opts []byte // after the 20-byte header
		want []SACKBlock
	}{
		{"none", []byte{1, 1, 1, 0}, nil},
		{"one", []byte{1, 1, 5, 10, 0, 0, 0x0b, 0x50, 0, 0, 0x0e, 0x20},
			[]SACKBlock{{2896, 3616}}},
		{"two", []byte{1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20,
			0, 0, 0, 30, 0, 0, 0, 40}, []SACKBlock{{10, 20}, {30, 40}}},
	}
	for _, tt := range tests {
		seg := make([]byte, 20, 20+len(tt.opts))
		seg = append(seg, tt.opts...)
		seg[12] = byte(len(seg)/4) << 4
		h, _, err := ParseTCP(seg)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := h.SACKBlocks()
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: SACKBlocks() = %v, want %v", tt.name, got, tt.want)
		}
		if h.SACKLen != len(tt.want) {
			t.Errorf("%s: SACKLen %d, want %d", tt.name, h.SACKLen, len(tt.want))
		}
	}
}

func ExampleTCP_SACKBlocks() {
	// A bare ACK of byte 1000 that also holds bytes 2448 to 3896.
	seg := []byte{
		0x13, 0x89, 0xa4, 0x10, // ports 5001, 42000
		0, 0, 0, 1, 0, 0, 0x03, 0xe8, // seq 1, ack 1000
		0x80, 0x10, 0x01, 0xf5, 0, 0, 0, 0, // 32-byte header, ACK
		1, 1, 5, 10, 0, 0, 0x09, 0x90, 0, 0, 0x0f, 0x38, // NOP NOP SACK
	}
	h, _, _ := ParseTCP(seg)
	for _, b := range h.SACKBlocks() {
		fmt.Printf("has %d to %d, missing %d to %d\n", b.Left, b.Right,
			h.Ack, b.Left)
	}
	// Output: has 2448 to 3896, missing 1000 to 2448
}
