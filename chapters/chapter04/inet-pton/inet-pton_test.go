package main

import (
	"fmt"
	"net/netip"
	"syscall"
	"testing"
)

func TestParseIPv4(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" when the parse must fail
	}{
		{"192.168.1.4", "192.168.1.4"},
		{"0.0.0.0", "0.0.0.0"},
		{"255.255.255.255", "255.255.255.255"},
		{"10.0.0.10", "10.0.0.10"},
		{"256.1.1.1", ""},
		{"1.2.3", ""},
		{"1.2.3.4.5", ""},
		{"1..2.3", ""},
		{"1.2.3.", ""},
		{".1.2.3", ""},
		{"01.2.3.4", ""}, // leading zero: not octal, just refused
		{"1.2.3.00", ""},
		{"1.2.3.4 ", ""},
		{"0x7f.0.0.1", ""},
		{"1", ""},
		{"", ""},
		{"::1", ""},
		{"１.2.3.4", ""}, // a full-width digit
	}
	for _, tt := range tests {
		ip, ok := parseIPv4(tt.in)
		got := ""
		if ok {
			got = formatIPv4(ip)
		}
		if got != tt.want {
			t.Errorf("parseIPv4(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseIPv6(t *testing.T) {
	tests := []struct {
		in   string
		want string // canonical text, "" when the parse must fail
	}{
		{"::", "::"},
		{"::1", "::1"},
		{"1::", "1::"},
		{"2001:DB8::0:1", "2001:db8::1"},
		{"2001:db8:0:0:0:0:0:1", "2001:db8::1"},
		{"1:0:0:1:0:0:0:1", "1:0:0:1::1"},
		{"0:0:1:0:0:1:0:0", "::1:0:0:1:0:0"},
		{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
		{"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
		{"::ffff:1.2.3.4", "::ffff:1.2.3.4"},
		{"::1.2.3.4", "::102:304"},
		{"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"},
		{"0001:0002::", "1:2::"},
		{"1:2:3:4:5:6:7:8:9", ""},
		{"1:2:3:4:5:6:7", ""},
		{"1:2:3:4:5:6:7::8", ""}, // "::" must stand for a group
		{"1::2::3", ""},
		{":1::", ""},
		{"1:", ""},
		{":::", ""},
		{"00000::", ""},
		{"::ffff:01.2.3.4", ""},
		{"::1.2.3", ""},
		{"1:2:3:4:5:6:7:1.2.3.4", ""},
		{"fe80::1%lo", ""},
		{"g::", ""},
		{"", ""},
		{"1.2.3.4", ""},
	}
	for _, tt := range tests {
		ip, ok := parseIPv6(tt.in)
		got := ""
		if ok {
			got = formatIPv6(ip)
		}
		if got != tt.want {
			t.Errorf("parseIPv6(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestInetPtonReturns checks the three results of inet_pton.
func TestInetPtonReturns(t *testing.T) {
	tests := []struct {
		af    int
		src   string
		want  int
		errno error
	}{
		{syscall.AF_INET, "192.168.1.4", 1, nil},
		{syscall.AF_INET, "192.168.1.256", 0, nil},
		{syscall.AF_INET, "::1", 0, nil},
		{syscall.AF_INET6, "::1", 1, nil},
		{syscall.AF_INET6, "127.0.0.1", 0, nil},
		{syscall.AF_UNIX, "192.168.1.4", -1, syscall.EAFNOSUPPORT},
		{12345, "::1", -1, syscall.EAFNOSUPPORT},
	}
	var dst [16]byte
	for _, tt := range tests {
		got, err := inetPton(tt.af, tt.src, dst[:])
		if got != tt.want || err != tt.errno {
			t.Errorf("inetPton(%d, %q) = %d, %v; want %d, %v",
				tt.af, tt.src, got, err, tt.want, tt.errno)
		}
	}
}

// TestInetNtop checks the size rule: the text and its NUL must fit.
func TestInetNtop(t *testing.T) {
	all := []byte{255, 255, 255, 255}
	tests := []struct {
		af   int
		src  []byte
		size int
		want string
		err  error
	}{
		{syscall.AF_INET, all, 16, "255.255.255.255", nil},
		{syscall.AF_INET, all, 15, "", syscall.ENOSPC},
		{syscall.AF_INET, []byte{1, 2, 3, 4}, 8, "1.2.3.4", nil},
		{syscall.AF_INET, []byte{1, 2, 3, 4}, 7, "", syscall.ENOSPC},
		{syscall.AF_INET, []byte{1, 2, 3}, 16, "", syscall.EINVAL},
		{syscall.AF_INET6, make([]byte, 16), 3, "::", nil},
		{syscall.AF_UNIX, all, 16, "", syscall.EAFNOSUPPORT},
	}
	for _, tt := range tests {
		got, err := inetNtop(tt.af, tt.src, tt.size)
		if got != tt.want || err != tt.err {
			t.Errorf("inetNtop(%d, % x, %d) = %q, %v; want %q, %v",
				tt.af, tt.src, tt.size, got, err, tt.want, tt.err)
		}
	}
}

// TestInetAton pins the answers of glibc's inet_aton and inet_addr,
// recorded with a C program (Debian glibc 2.36, linux/amd64).
func TestInetAton(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" for 0 (invalid)
	}{
		{"1", "0.0.0.1"},
		{"0x7f.1", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"010.0.0.1", "8.0.0.1"},
		{"255.255.255.255", "255.255.255.255"},
		{"256.1.1.1", ""},
		{"1.2.3.4 junk", "1.2.3.4"},
		{"1.2.3.4\t", "1.2.3.4"},
		{"1.2.3.4x", ""},
		{"0x100.1", ""},
		{"1.2.3.04", "1.2.3.4"},
		{"1.2.3", "1.2.0.3"},
		{"4294967295", "255.255.255.255"},
		{"4294967296", ""},
		{"0xffffffff", "255.255.255.255"},
		{"1.0xffffff", "1.255.255.255"},
		{"1.16777216", ""},
		{"", ""},
		{" 1.2.3.4", ""},
		{"08.1.1.1", ""},
		{"1..2.3", ""},
		{"1.2.3.", ""},
		{"0x", ""},
		{"0x.1", ""},
		{"1e2", ""},
		{"1.2.3.4.5", ""},
	}
	for _, tt := range tests {
		ip, ok := inetAton(tt.in)
		got := ""
		if ok {
			got = formatIPv4(ip)
		}
		if got != tt.want {
			t.Errorf("inetAton(%q) = %q, want %q", tt.in, got, tt.want)
		}
		// inet_addr answers INADDR_NONE for every failure, and for
		// the valid 255.255.255.255 too.
		addr := inetAddr(tt.in)
		if (got == "" || got == "255.255.255.255") != (addr == inaddrNone) {
			t.Errorf("inetAddr(%q) = %#x", tt.in, addr)
		}
	}
}

func TestConvertRejects(t *testing.T) {
	err := run([]string{"::1", "192.168.1.400"})
	if _, ok := err.(*usageError); !ok {
		t.Errorf("run(bad address) = %v, want a usage error", err)
	}
}

func Example_inetPton() {
	var dst [4]byte
	r, _ := inetPton(syscall.AF_INET, "192.168.1.4", dst[:])
	text, _ := inetNtop(syscall.AF_INET, dst[:], 16)
	fmt.Println(r, dst, text)

	var dst6 [16]byte
	r, _ = inetPton(syscall.AF_INET6, "2001:DB8:0:0:0:0:0:1", dst6[:])
	text, _ = inetNtop(syscall.AF_INET6, dst6[:], 46)
	fmt.Println(r, text)
	// Output:
	// 1 [192 168 1 4] 192.168.1.4
	// 1 2001:db8::1
}

// FuzzParseAddr checks that the hand-written parsers accept exactly what
// net/netip accepts (zones aside, which inet_pton has no notion of),
// produce the same bytes, and print the same canonical text.
func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{
		"192.168.1.4", "0.0.0.0", "255.255.255.255", "256.1.1.1",
		"01.2.3.4", "1.2.3", "1", "0x7f.1", "",
		"::", "::1", "1::", "2001:DB8::0:1", "1:0:0:1:0:0:0:1",
		"::ffff:1.2.3.4", "::1.2.3.4", "1:2:3:4:5:6:1.2.3.4",
		"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7::8", "1::2::3", ":1::",
		"fe80::1%lo", "fe80::1%", "00000::", "::ffff:01.2.3.4",
		"1:2:3:4:5:6:7:8:9", "::1.2.3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := netip.ParseAddr(s)
		ok := err == nil && want.Zone() == ""

		ip4, ok4 := parseIPv4(s)
		if ok4 != (ok && want.Is4()) {
			t.Fatalf("parseIPv4(%q) ok=%v, netip says %v, %v",
				s, ok4, want, err)
		}
		if ok4 {
			if ip4 != want.As4() {
				t.Fatalf("parseIPv4(%q) = %v, netip %v", s, ip4, want)
			}
			if got := formatIPv4(ip4); got != want.String() {
				t.Fatalf("formatIPv4(%q) = %q, netip %q",
					s, got, want.String())
			}
		}

		ip6, ok6 := parseIPv6(s)
		if ok6 != (ok && want.Is6()) {
			t.Fatalf("parseIPv6(%q) ok=%v, netip says %v, %v",
				s, ok6, want, err)
		}
		if ok6 {
			if ip6 != want.As16() {
				t.Fatalf("parseIPv6(%q) = % x, netip %v", s, ip6, want)
			}
			if got := formatIPv6(ip6); got != want.String() {
				t.Fatalf("formatIPv6(%q) = %q, netip %q",
					s, got, want.String())
			}
		}
	})
}
