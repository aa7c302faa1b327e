package sockarg

import (
	"fmt"
	"testing"
)

func TestParseAddr(t *testing.T) {
	tests := []struct {
		ip, port string
		want     string // "" for an error
	}{
		{"127.0.0.1", "0", "127.0.0.1:0"},
		{"::1", "65535", "[::1]:65535"},
		{"127.0.0.1", "8080", "127.0.0.1:8080"},
		{"::ffff:127.0.0.1", "80", "[::ffff:127.0.0.1]:80"},
		{"1.2.3", "80", ""},
		{"localhost", "80", ""},
		{"fe80::1%lo", "80", ""},
		{"127.0.0.1", "65536", ""},
		{"127.0.0.1", "-1", ""},
		{"127.0.0.1", "+80", ""},
		{"127.0.0.1", "80x", ""},
		{"127.0.0.1", "", ""},
		{"", "80", ""},
	}
	for _, tt := range tests {
		ap, err := ParseAddr(tt.ip, tt.port)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("ParseAddr(%q, %q) = %s, want an error", tt.ip, tt.port, ap)
		case tt.want != "" && err != nil:
			t.Errorf("ParseAddr(%q, %q): %v", tt.ip, tt.port, err)
		case tt.want != "" && ap.String() != tt.want:
			t.Errorf("ParseAddr(%q, %q) = %s, want %s", tt.ip, tt.port, ap, tt.want)
		}
	}
}

func ExampleParseAddr() {
	ap, err := ParseAddr("::1", "0")
	fmt.Println(ap, err)
	_, err = ParseAddr("127.0.0.1", "70000")
	fmt.Println(err)
	_, err = ParseAddr("fe80::1%eth0", "80")
	fmt.Println(err)
	// Output:
	// [::1]:0 <nil>
	// invalid port "70000" (want 0-65535)
	// invalid ip address "fe80::1%eth0"
}
