package main

import (
	"fmt"
	"strings"
	"testing"
)

func TestFilterPort(t *testing.T) {
	rows := []entry{
		{local: "127.0.0.1:51000", remote: "127.0.0.1:9999",
			state: "ESTABLISHED"},
		{local: "127.0.0.1:9999", remote: "127.0.0.1:50000",
			state: "TIME_WAIT"},
		{local: "127.0.0.1:9999", remote: "127.0.0.1:51000",
			state: "ESTABLISHED"},
		{local: "127.0.0.1:99", remote: "0.0.0.0:0", state: "LISTEN"},
		{local: "127.0.0.1:9999", remote: "0.0.0.0:0", state: "LISTEN"},
		{local: "[::1]:9999", remote: "[::]:0", state: "LISTEN"},
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
			got = append(got, e.local+" "+e.remote+" "+e.state)
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
