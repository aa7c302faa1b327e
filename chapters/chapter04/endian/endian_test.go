package main

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
)

func TestOrder(t *testing.T) {
	tests := []struct {
		first, second byte
		want          string
	}{
		{0x01, 0x02, "big-endian"},
		{0x02, 0x01, "little-endian"},
		{0x01, 0x01, "unknown (01 01)"},
		{0x00, 0x00, "unknown (00 00)"},
	}
	for _, tt := range tests {
		got := order(tt.first, tt.second)
		if !strings.HasPrefix(got, tt.want) {
			t.Errorf("order(%#x, %#x) = %q, want prefix %q",
				tt.first, tt.second, got, tt.want)
		}
	}
}

// TestNativeAgrees checks the unsafe view against encoding/binary on
// whatever machine the test runs on.
func TestNativeAgrees(t *testing.T) {
	buf := make([]byte, 2)
	binary.NativeEndian.PutUint16(buf, 0x0102)
	want := "little-endian"
	if binary.NativeEndian.Uint16([]byte{1, 2}) ==
		binary.BigEndian.Uint16([]byte{1, 2}) {
		want = "big-endian"
	}
	if got := order(buf[0], buf[1]); !strings.HasPrefix(got, want) {
		t.Errorf("order of native bytes % x = %q, want %q", buf, got, want)
	}
}

func TestRunArgs(t *testing.T) {
	err := run([]string{"extra"})
	if _, ok := err.(*usageError); !ok {
		t.Errorf("run(extra) = %v, want a usage error", err)
	}
}

func Example_order() {
	fmt.Println(order(0x01, 0x02))
	fmt.Println(order(0x02, 0x01))
	// Output:
	// big-endian (high byte at the low address)
	// little-endian (low byte at the low address)
}
