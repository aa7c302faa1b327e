package main

import (
	"fmt"
	"syscall"
	"testing"
)

func TestFdSet(t *testing.T) {
	tests := []struct {
		fd      int
		word    int
		bits    uint64
		wantErr bool
	}{
		{0, 0, 1, false},
		{5, 0, 1 << 5, false},
		{63, 0, 1 << 63, false},
		{64, 1, 1, false},
		{130, 2, 1 << 2, false},
		{1023, 15, 1 << 63, false},
		{1024, 0, 0, true},
		{-1, 0, 0, true},
	}
	for _, tt := range tests {
		var set syscall.FdSet
		err := fdSet(&set, tt.fd)
		if (err != nil) != tt.wantErr {
			t.Errorf("fdSet(%d): error %v, want error %v", tt.fd, err,
				tt.wantErr)
			continue
		}
		if tt.wantErr {
			if set != (syscall.FdSet{}) {
				t.Errorf("fdSet(%d) failed but changed the set", tt.fd)
			}
			continue
		}
		for i, w := range set.Bits {
			want := uint64(0)
			if i == tt.word {
				want = tt.bits
			}
			if uint64(w) != want {
				t.Errorf("fdSet(%d): word %d = %#x, want %#x", tt.fd, i,
					uint64(w), want)
			}
		}
		if !fdIsSet(&set, tt.fd) || (tt.fd > 0 && fdIsSet(&set, tt.fd-1)) {
			t.Errorf("fdIsSet disagrees with fdSet(%d)", tt.fd)
		}
		fdZero(&set)
		if set != (syscall.FdSet{}) {
			t.Errorf("fdZero left bits set")
		}
	}
}

func Example_fdSet() {
	var set syscall.FdSet
	for _, fd := range []int{0, 3, 5, 64} {
		fdSet(&set, fd)
	}
	fmt.Printf("%#x %#x\n", set.Bits[0], set.Bits[1])
	fmt.Println(members(&set, 100))
	fmt.Println(fdSet(&set, setSize))
	// Output:
	// 0x29 0x1
	// [0 3 5 64]
	// FD_SET(1024): an fd_set holds descriptors 0 to 1023
}
