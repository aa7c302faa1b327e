package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
)

func TestOutcome(t *testing.T) {
	tests := []struct {
		n    int
		err  error
		want string
	}{
		{5, nil, "5 bytes"},
		{0, nil, "0 (end of file)"},
		{0, syscall.ECONNRESET, "ECONNRESET (connection reset by peer)"},
		{0, os.NewSyscallError("write", syscall.EPIPE), "EPIPE (broken pipe)"},
		{0, syscall.EBADF, "bad file descriptor"},
		{0, errors.New("other"), "other"},
	}
	for _, tt := range tests {
		if got := outcome(tt.n, tt.err); got != tt.want {
			t.Errorf("outcome(%d, %v) = %q, want %q", tt.n, tt.err, got, tt.want)
		}
	}
}

func Example_outcome() {
	fmt.Println(outcome(0, syscall.ECONNRESET))
	fmt.Println(outcome(0, nil))
	// Output:
	// ECONNRESET (connection reset by peer)
	// 0 (end of file)
}
