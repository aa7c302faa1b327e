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
