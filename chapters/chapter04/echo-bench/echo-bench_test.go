package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

func TestPercentile(t *testing.T) {
	vals := []int64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}
	tests := []struct {
		in   []int64
		p    float64
		want float64
	}{
		{nil, 50, 0},
		{[]int64{7}, 99, 7},
		{vals, 50, 50},
		{vals, 99, 100},
		{vals, 100, 100},
		{vals, 10, 10},
		{vals, 11, 20},
		{vals, 0, 10},
	}
	for _, tt := range tests {
		if got := percentile(tt.in, tt.p); got != tt.want {
			t.Errorf("percentile(%v, %v) = %v, want %v",
				tt.in, tt.p, got, tt.want)
		}
	}
}

func TestIntList(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"1,10,100", "[1 10 100]", true},
		{" 64 , 1024", "[64 1024]", true},
		{"1,,2", "", false},
		{"0", "", false},
		{"x", "", false},
	}
	for _, tt := range tests {
		got, err := intList(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("intList(%q) error = %v, want ok=%v",
				tt.in, err, tt.ok)
			continue
		}
		if tt.ok && fmt.Sprint(got) != tt.want {
			t.Errorf("intList(%q) = %v, want %s", tt.in, got, tt.want)
		}
	}
}

func TestLoopbackAddr(t *testing.T) {
	tests := []struct {
		ip, port string
		want     string // "" means refused
	}{
		{"127.0.0.1", "7", "127.0.0.1:7"},
		{"127.1.2.3", "65535", "127.1.2.3:65535"},
		{"::1", "80", "[::1]:80"},
		{"10.0.0.1", "7", ""},
		{"0.0.0.0", "7", ""},
		{"192.168.1.100", "7", ""},
		{"::", "7", ""},
		{"localhost", "7", ""},
		{"127.0.0.1", "0", ""},
		{"127.0.0.1", "65536", ""},
	}
	for _, tt := range tests {
		got, err := loopbackAddr(tt.ip, tt.port)
		if tt.want == "" {
			var ue usageError
			if !errors.As(err, &ue) {
				t.Errorf("loopbackAddr(%q, %q) = %q, %v; "+
					"want a usage error", tt.ip, tt.port, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("loopbackAddr(%q, %q) = %q, %v; want %q",
				tt.ip, tt.port, got, err, tt.want)
		}
	}
}

// TestMessage checks that messages differ between connections and
// between rounds, so a crossed or stale echo is caught.
func TestMessage(t *testing.T) {
	seen := map[string]string{}
	for id := 0; id < 4; id++ {
		for seq := 0; seq < 4; seq++ {
			m := string(message(id, seq, 16))
			key := fmt.Sprint(id, "/", seq)
			if prev, ok := seen[m]; ok {
				t.Fatalf("message %s equals message %s", key, prev)
			}
			seen[m] = key
		}
	}
	if len(message(3, 9, 1000)) != 1000 {
		t.Fatal("wrong length")
	}
}

func Example_loopbackAddr() {
	for _, ip := range []string{"127.0.0.1", "::1", "10.0.0.1"} {
		addr, err := loopbackAddr(ip, "9000")
		fmt.Println(addr, err)
	}
	// Output:
	// 127.0.0.1:9000 <nil>
	// [::1]:9000 <nil>
	//  10.0.0.1 is not a loopback address: echo-bench only loads 127.0.0.0/8 and ::1
}

func Example_percentile() {
	lat := []int64{100, 120, 130, 150, 900}
	fmt.Println(percentile(lat, 50), percentile(lat, 99))
	// Output: 130 900
}

// TestPublishedReport checks that the report section 16 publishes is
// what -compare -json prints, not a table typed back into JSON: every
// measurement has its own duration and count, the rate is their
// quotient, and the report says when and how it was made.
func TestPublishedReport(t *testing.T) {
	b, err := os.ReadFile("../16-measurements.json")
	if err != nil {
		t.Fatal(err)
	}
	var rep report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Date == "" || !strings.HasPrefix(rep.Command, "echo-bench -compare") ||
		rep.Seconds <= 0 {
		t.Errorf("date %q, command %q, run_seconds %v: want all three",
			rep.Date, rep.Command, rep.Seconds)
	}
	cells := append(append([]cell{}, rep.RR...), rep.Conn...)
	if len(cells) == 0 {
		t.Fatal("no measurements")
	}
	for _, ce := range cells {
		r := ce.Result
		name := fmt.Sprintf("%s %s c=%d s=%d", ce.Server, r.Mode, r.Conns, r.Size)
		if r.Seconds <= 0 || r.Ops <= 0 || ce.Wall < r.Seconds {
			t.Errorf("%s: seconds %v, ops %d, wall %v: not a measured run",
				name, r.Seconds, r.Ops, ce.Wall)
			continue
		}
		if q := float64(r.Ops) / r.Seconds; math.Abs(q-r.PerSec) > 1e-6*q {
			t.Errorf("%s: per_sec %v, but ops/seconds is %v", name, r.PerSec, q)
		}
		if ce.RoundMin > r.PerSec || r.PerSec > ce.RoundMax {
			t.Errorf("%s: median %v outside its rounds %v-%v", name,
				r.PerSec, ce.RoundMin, ce.RoundMax)
		}
	}
}
