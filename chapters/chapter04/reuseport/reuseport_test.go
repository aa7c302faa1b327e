package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
)

func TestOptsString(t *testing.T) {
	tests := []struct {
		o    opts
		want string
	}{
		{opts{}, "no option"},
		{opts{reuseAddr: true}, "SO_REUSEADDR"},
		{opts{reusePort: true}, "SO_REUSEPORT"},
		{opts{reuseAddr: true, reusePort: true}, "both"},
	}
	for _, tt := range tests {
		if got := tt.o.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.o, got, tt.want)
		}
	}
}

func TestResult(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, "ok"},
		{os.NewSyscallError("bind", syscall.EADDRINUSE),
			"bind: address already in use (EADDRINUSE)"},
		{fmt.Errorf("listen tcp 127.0.0.1:80: %w",
			os.NewSyscallError("bind", syscall.EADDRINUSE)),
			"bind: address already in use (EADDRINUSE)"},
		{os.NewSyscallError("bind", syscall.EACCES),
			"bind: permission denied"},
		{errors.New("other"), "other"},
	}
	for _, tt := range tests {
		if got := result(tt.err); got != tt.want {
			t.Errorf("result(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// The rule the lesson shows, checked here too: a restart over TIME_WAIT
// needs the same option on the old and the new socket.
func TestRestartRule(t *testing.T) {
	all := []opts{{}, {reuseAddr: true}, {reusePort: true}}
	for _, old := range all {
		for _, n := range all {
			port, err := leaveTimeWait(old)
			if err != nil {
				t.Fatal(err)
			}
			err = tryBind(port, n)
			wantOK := old == n && old != (opts{})
			if wantOK && err != nil || !wantOK &&
				!errors.Is(err, syscall.EADDRINUSE) {
				t.Errorf("old %v, new %v: bind: %v", old, n, err)
			}
		}
	}
}

func TestRunUsage(t *testing.T) {
	for _, args := range [][]string{{"nope"}, {"spread", "-k", "0"},
		{"spread", "-n", "1001"}, {"spread", "extra"}} {
		if _, ok := run(args).(*usageError); !ok {
			t.Errorf("run(%q): want a usage error", args)
		}
	}
}

func Example_result() {
	fmt.Println(result(nil))
	fmt.Println(result(os.NewSyscallError("bind", syscall.EADDRINUSE)))
	// Output:
	// ok
	// bind: address already in use (EADDRINUSE)
}
