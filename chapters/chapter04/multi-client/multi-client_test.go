package main

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseAddr(t *testing.T) {
	tests := []struct {
		ip, port string
		want     string
		ok       bool
	}{
		{"127.0.0.1", "7", "127.0.0.1:7", true},
		{"::1", "65535", "[::1]:65535", true},
		{"127.0.0.1", "0", "127.0.0.1:0", true},
		{"127.0.0.1", "65536", "", false},
		{"127.0.0.1", "-1", "", false},
		{"127.0.0.1", "http", "", false},
		{"localhost", "80", "", false},
		{"fe80::1%lo", "80", "", false},
	}
	for _, tt := range tests {
		got, err := parseAddr(tt.ip, tt.port)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseAddr(%q, %q) = %q, %v; want %q, ok=%v",
				tt.ip, tt.port, got, err, tt.want, tt.ok)
		}
	}
}

func TestMessage(t *testing.T) {
	tests := []struct {
		id   int
		line string
		want string
	}{
		{1, "hello", "1: hello\n"},
		{200, "", "200: \n"},
		{3, "a b", "3: a b\n"},
	}
	for _, tt := range tests {
		if got := message(tt.id, tt.line); got != tt.want {
			t.Errorf("message(%d, %q) = %q, want %q",
				tt.id, tt.line, got, tt.want)
		}
	}
}

func TestReadLines(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{"hello"}},
		{"a\nb\n", []string{"a", "b"}},
		{"no newline", []string{"no newline"}},
	}
	for _, tt := range tests {
		got, err := readLines(strings.NewReader(tt.in))
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("readLines(%q) = %q, %v; want %q",
				tt.in, got, err, tt.want)
		}
	}
}

func Example_message() {
	fmt.Printf("%q\n", message(2, "hello"))
	// Output: "2: hello\n"
}
