package main

import (
	"fmt"
	"testing"
)

func TestEventNames(t *testing.T) {
	tests := []struct {
		ev   uint64
		want string
	}{
		{0x19, "0x19 = EPOLLIN|EPOLLERR|EPOLLHUP"},
		{0x8000201d, "0x8000201d = EPOLLIN|EPOLLOUT|EPOLLERR|EPOLLHUP|" +
			"EPOLLRDHUP|EPOLLET"},
		{1 << 30, "0x40000000 = EPOLLONESHOT"},
	}
	for _, tt := range tests {
		if got := eventNames(tt.ev); got != tt.want {
			t.Errorf("eventNames(%#x) = %q, want %q", tt.ev, got, tt.want)
		}
	}
}

func Example_eventNames() {
	fmt.Println(eventNames(0x2005))
	// Output: 0x2005 = EPOLLIN|EPOLLOUT|EPOLLRDHUP
}
