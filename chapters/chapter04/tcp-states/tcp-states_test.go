package main

import (
	"testing"
	"time"

	"github.com/tcpnotebook/tcpnotebook/internal/procnet"
)

func TestDescribe(t *testing.T) {
	const tw = procnet.TimerTimeWait
	tests := []struct {
		e    procnet.Entry
		want string
	}{
		{procnet.Entry{State: "TIME_WAIT", Timer: tw,
			Expires: 59990 * time.Millisecond}, "TIME_WAIT (60s left)"},
		{procnet.Entry{State: "TIME_WAIT", Timer: tw,
			Expires: 60 * time.Second}, "TIME_WAIT (60s left)"},
		{procnet.Entry{State: "TIME_WAIT", Timer: tw,
			Expires: 58200 * time.Millisecond}, "TIME_WAIT (59s left)"},
		{procnet.Entry{State: "TIME_WAIT"}, "TIME_WAIT"},
		{procnet.Entry{State: "CLOSE_WAIT", Timer: tw}, "CLOSE_WAIT"},
	}
	for _, tt := range tests {
		if got := describe(tt.e); got != tt.want {
			t.Errorf("describe(%+v) = %q, want %q", tt.e, got, tt.want)
		}
	}
}

func TestRunUsage(t *testing.T) {
	for _, args := range [][]string{{"closing-first"}, {"a", "b"}} {
		if _, ok := run(args).(*usageError); !ok {
			t.Errorf("run(%q): want a usage error", args)
		}
	}
}
