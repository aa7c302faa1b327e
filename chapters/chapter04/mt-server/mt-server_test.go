package main

import (
	"fmt"
	"testing"
)

func TestParseAddr(t *testing.T) {
	tests := []struct {
		ip, port string
		want     string
		ok       bool
	}{
		{"127.0.0.1", "0", "127.0.0.1:0", true},
		{"::1", "8080", "[::1]:8080", true},
		{"127.0.0.1", "65536", "", false},
		{"127.0.0.1", "", "", false},
		{"256.0.0.1", "80", "", false},
	}
	for _, tt := range tests {
		got, err := parseAddr(tt.ip, tt.port)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseAddr(%q, %q) = %q, %v; want %q, ok=%v",
				tt.ip, tt.port, got, err, tt.want, tt.ok)
		}
	}
}

// TestThreads checks the reading of /proc/self/status: a Go process
// always has more than one thread.
func TestThreads(t *testing.T) {
	if n := threads(); n < 2 {
		t.Errorf("threads() = %d, want 2 or more", n)
	}
}

func Example_parseAddr() {
	addr, err := parseAddr("::1", "0")
	fmt.Println(addr, err)
	_, err = parseAddr("127.0.0.1", "70000")
	fmt.Println(err)
	// Output:
	// [::1]:0 <nil>
	// invalid port "70000" (want 0-65535)
}
