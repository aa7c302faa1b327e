package main

import (
	"fmt"
	"syscall"
	"testing"
)

func TestEventNames(t *testing.T) {
	tests := []struct {
		ev   uint32
		want string
	}{
		{0, "0"},
		{syscall.EPOLLIN, "EPOLLIN"},
		{syscall.EPOLLIN | edge, "EPOLLIN|EPOLLET"},
		{syscall.EPOLLIN | syscall.EPOLLONESHOT, "EPOLLIN|EPOLLONESHOT"},
		{syscall.EPOLLERR | syscall.EPOLLHUP | syscall.EPOLLRDHUP,
			"EPOLLERR|EPOLLHUP|EPOLLRDHUP"},
	}
	for _, tt := range tests {
		if got := eventNames(tt.ev); got != tt.want {
			t.Errorf("eventNames(%#x) = %q, want %q", tt.ev, got, tt.want)
		}
	}
}

func TestErrName(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, "ok"},
		{syscall.EEXIST, "EEXIST (file exists)"},
		{syscall.EBADF, "EBADF (bad file descriptor)"},
		{syscall.EMFILE, "too many open files"},
	}
	for _, tt := range tests {
		if got := errName(tt.err); got != tt.want {
			t.Errorf("errName(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func Example_eventNames() {
	fmt.Println(eventNames(0x8000201d))
	// Output: EPOLLIN|EPOLLOUT|EPOLLERR|EPOLLHUP|EPOLLRDHUP|EPOLLET
}
