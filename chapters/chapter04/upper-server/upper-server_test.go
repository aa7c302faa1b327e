package main

import (
	"fmt"
	"strings"
	"testing"
)

func TestPreview(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"hello\n", `"hello\n"`},
		{"a\x00b", `"a\x00b"`},
		{"", `""`},
		{strings.Repeat("x", 32), `"` + strings.Repeat("x", 32) + `"`},
		{strings.Repeat("x", 33), `"` + strings.Repeat("x", 32) + `"...`},
	}
	for _, tt := range tests {
		if got := preview([]byte(tt.in)); got != tt.want {
			t.Errorf("preview(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func Example_preview() {
	fmt.Println(preview([]byte("HELLO\x00\n")))
	fmt.Println(preview([]byte(strings.Repeat("ab", 20))))
	// Output:
	// "HELLO\x00\n"
	// "abababababababababababababababab"...
}
