package main

import (
	"errors"
	"fmt"
	"syscall"
	"testing"
)

func TestDescribeErr(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{syscall.EPIPE, "error EPIPE (broken pipe)"},
		{syscall.ECONNRESET, "error ECONNRESET (connection reset by peer)"},
		{syscall.ENOTCONN,
			"error ENOTCONN (transport endpoint is not connected)"},
		{syscall.EBADF, "error bad file descriptor"},
		{errors.New("odd"), "error odd"},
	}
	for _, tt := range tests {
		if got := describeErr(tt.err); got != tt.want {
			t.Errorf("describeErr(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestRunUsage(t *testing.T) {
	for _, args := range [][]string{{"shut-xx"}, {"a", "b"}} {
		if _, ok := run(args).(*usageError); !ok {
			t.Errorf("run(%q): want a usage error", args)
		}
	}
}

func Example_describeErr() {
	fmt.Println(describeErr(syscall.EPIPE))
	// Output: error EPIPE (broken pipe)
}
