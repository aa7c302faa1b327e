package main

import (
	"fmt"
	"testing"
	"unsafe"
)

func TestEventNames(t *testing.T) {
	tests := []struct {
		ev   int16
		want string
	}{
		{0, "0"},
		{pollIn, "POLLIN"},
		{pollIn | pollOut, "POLLIN|POLLOUT"},
		{pollErr | pollHup | pollNval, "POLLERR|POLLHUP|POLLNVAL"},
		{pollRdHup | pollIn, "POLLIN|POLLRDHUP"},
		{0x40, "0"}, // POLLRDNORM: not named here
	}
	for _, tt := range tests {
		if got := eventNames(tt.ev); got != tt.want {
			t.Errorf("eventNames(%#x) = %q, want %q", tt.ev, got, tt.want)
		}
	}
}

// The layout the kernel expects: struct pollfd is 8 bytes, revents at
// offset 6.
func TestPollFdLayout(t *testing.T) {
	var p pollFd
	if s, o := unsafe.Sizeof(p), unsafe.Offsetof(p.revents); s != 8 || o != 6 {
		t.Errorf("sizeof %d, revents at %d; want 8 and 6", s, o)
	}
}

func Example_eventNames() {
	fmt.Println(eventNames(pollIn | pollHup | pollRdHup))
	// Output: POLLIN|POLLHUP|POLLRDHUP
}
