package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tcpnotebook/tcpnotebook/internal/procnet"
)

func TestFilterPort(t *testing.T) {
	rows := []procnet.Entry{
		{Local: "127.0.0.1:51000", Remote: "127.0.0.1:9999",
			State: "ESTABLISHED"},
		{Local: "127.0.0.1:9999", Remote: "127.0.0.1:50000",
			State: "TIME_WAIT"},
		{Local: "127.0.0.1:9999", Remote: "127.0.0.1:51000",
			State: "ESTABLISHED"},
		{Local: "127.0.0.1:99", Remote: "0.0.0.0:0", State: "LISTEN"},
		{Local: "127.0.0.1:9999", Remote: "0.0.0.0:0", State: "LISTEN"},
		{Local: "[::1]:9999", Remote: "[::]:0", State: "LISTEN"},
	}
	tests := []struct {
		port int
		want []string
	}{
		{9999, []string{
			"127.0.0.1:9999 0.0.0.0:0 LISTEN",
			"[::1]:9999 [::]:0 LISTEN",
			"127.0.0.1:9999 127.0.0.1:51000 ESTABLISHED",
			"127.0.0.1:9999 127.0.0.1:50000 TIME_WAIT",
			"127.0.0.1:51000 127.0.0.1:9999 ESTABLISHED",
		}},
		{99, []string{"127.0.0.1:99 0.0.0.0:0 LISTEN"}},
		{51000, []string{"127.0.0.1:51000 127.0.0.1:9999 ESTABLISHED",
			"127.0.0.1:9999 127.0.0.1:51000 ESTABLISHED"}},
		{7, nil},
	}
	for _, tt := range tests {
		var got []string
		for _, e := range filterPort(rows, tt.port) {
			got = append(got, e.Local+" "+e.Remote+" "+e.State)
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("filterPort(%d):\n%s\nwant\n%s", tt.port,
				strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}

func TestRunBadPort(t *testing.T) {
	for _, args := range [][]string{{}, {"x"}, {"-1"}, {"65536"},
		{"1", "2"}} {
		err := run(args)
		if _, ok := err.(*usageError); !ok {
			t.Errorf("run(%q) = %v, want a usage error", args, err)
		}
	}
}

func Example_foreign() {
	fmt.Println(foreign("0.0.0.0:0"), foreign("[::]:0"),
		foreign("127.0.0.1:5000"))
	// Output: 0.0.0.0:* [::]:* 127.0.0.1:5000
}
