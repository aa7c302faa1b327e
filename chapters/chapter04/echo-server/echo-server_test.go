package main

import (
	"fmt"
	"strings"
	"testing"
)

func TestPreview(t *testing.T) {
	long := strings.Repeat("a", 40)
	tests := []struct {
		in   string
		want string
	}{
		{"", `""`},
		{"hello\n", `"hello\n"`},
		{"a\x00b", `"a\x00b"`},
		{long[:32], `"` + long[:32] + `"`},
		{long, `"` + long[:32] + `"...`},
	}
	for _, tt := range tests {
		if got := preview([]byte(tt.in)); got != tt.want {
			t.Errorf("preview(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func Example_preview() {
	fmt.Println(preview([]byte("hi\x00\n")))
	// Output: "hi\x00\n"
}

func TestParseAddr(t *testing.T) {
	tests := []struct {
		ip, port string
		want     string // "" when the input must be refused
	}{
		{"127.0.0.1", "0", "127.0.0.1:0"},
		{"::1", "65535", "[::1]:65535"},
		{"127.0.0.1", "8080", "127.0.0.1:8080"},
		{"1.2.3", "80", ""},
		{"localhost", "80", ""},
		{"fe80::1%lo", "80", ""},
		{"127.0.0.1", "65536", ""},
		{"127.0.0.1", "-1", ""},
		{"127.0.0.1", "80x", ""},
		{"127.0.0.1", "", ""},
	}
	for _, tt := range tests {
		ip, port, err := parseAddr(tt.ip, tt.port)
		if tt.want == "" {
			if err == nil {
				t.Errorf("parseAddr(%q, %q) accepted", tt.ip, tt.port)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseAddr(%q, %q): %v", tt.ip, tt.port, err)
			continue
		}
		_, sa := sockaddr(ip, port)
		if got := addrPort(sa); got != tt.want {
			t.Errorf("parseAddr(%q, %q) = %s, want %s",
				tt.ip, tt.port, got, tt.want)
		}
	}
}
