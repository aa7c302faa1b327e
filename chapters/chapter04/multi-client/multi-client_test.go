package main

import (
	"fmt"
	"strings"
	"testing"
)

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
