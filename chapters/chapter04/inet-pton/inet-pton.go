// Inet-pton converts IP addresses between text and the 4 or 16 bytes in
// network order that the socket calls use, the way inet_pton(3) and
// inet_ntop(3) do. The parsers are written out by hand so that each rule
// can be read; the program sets them next to the legacy inet_aton(3) and
// inet_addr(3), and next to Go's net/netip.
//
// Usage:
//
//	inet-pton              show the examples of the notes
//	inet-pton ADDRESS...   convert each IPv4 or IPv6 ADDRESS and back
package main

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "inet-pton: error: %v\n", err)
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a mistake in the arguments: main exits 2 for it.
// yaegi: run returns it unwrapped, for a pointer type assertion in
// main; errors.As does not find a type declared in the interpreted
// program.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func run(args []string) error {
	if len(args) == 0 {
		demo()
		return nil
	}
	for _, arg := range args {
		if err := convert(arg); err != nil {
			return err
		}
	}
	return nil
}

// convert prints one address in network-order bytes and back as text.
func convert(s string) error {
	var buf [16]byte
	for _, af := range []int{syscall.AF_INET, syscall.AF_INET6} {
		if r, _ := inetPton(af, s, buf[:]); r != 1 {
			continue
		}
		n := 4
		if af == syscall.AF_INET6 {
			n = 16
		}
		text, err := inetNtop(af, buf[:n], inet6AddrStrLen)
		if err != nil {
			return err
		}
		fmt.Printf("%s: %s, % x -> %s\n", s, familyName(af), buf[:n], text)
		return nil
	}
	return &usageError{fmt.Sprintf(
		"%q is not an IPv4 or IPv6 address", s)}
}

// region calls
// Buffer sizes for inet_ntop from <netinet/in.h>: the longest text plus
// the NUL. "255.255.255.255" is 15 characters; the longest IPv6 text,
// "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", is 45.
const (
	inetAddrStrLen  = 16 // INET_ADDRSTRLEN
	inet6AddrStrLen = 46 // INET6_ADDRSTRLEN
)

// inetPton parses src as an address of family af into dst, in network
// byte order. Like the C call it returns 1 on success, 0 when src is not
// a valid address of that family (errno is not set), and -1 with
// EAFNOSUPPORT when af is neither AF_INET nor AF_INET6.
// C: int inet_pton(int af, const char *src, void *dst)
func inetPton(af int, src string, dst []byte) (int, error) {
	switch af {
	case syscall.AF_INET:
		ip, ok := parseIPv4(src)
		if !ok {
			return 0, nil
		}
		copy(dst, ip[:])
		return 1, nil
	case syscall.AF_INET6:
		ip, ok := parseIPv6(src)
		if !ok {
			return 0, nil
		}
		copy(dst, ip[:])
		return 1, nil
	}
	return -1, syscall.EAFNOSUPPORT
}

// inetNtop formats the address in src (network byte order) as text. size
// is the room the caller has, terminating NUL included, as in C: text
// that does not fit gives ENOSPC instead of being cut short.
// C: const char *inet_ntop(int af, const void *src, char *dst,
// socklen_t size)
func inetNtop(af int, src []byte, size int) (string, error) {
	var text string
	switch {
	case af == syscall.AF_INET && len(src) >= 4:
		text = formatIPv4([4]byte{src[0], src[1], src[2], src[3]})
	case af == syscall.AF_INET6 && len(src) >= 16:
		var ip [16]byte
		copy(ip[:], src)
		text = formatIPv6(ip)
	case af == syscall.AF_INET || af == syscall.AF_INET6:
		return "", syscall.EINVAL
	default:
		return "", syscall.EAFNOSUPPORT
	}
	if len(text)+1 > size {
		return "", syscall.ENOSPC
	}
	return text, nil
}

// endregion calls

// region parse
// parseIPv4 accepts exactly the dotted-decimal form inet_pton(AF_INET)
// accepts: four fields of decimal digits, each at most 255, separated by
// single dots. A field may not start with 0 unless it is "0": "010" is
// refused rather than read as octal, which the old inet_aton would do.
func parseIPv4(s string) ([4]byte, bool) {
	var ip [4]byte
	field, digits, val := 0, 0, 0
	for k := 0; k < len(s); k++ {
		c := s[k]
		switch {
		case '0' <= c && c <= '9':
			if digits > 0 && val == 0 {
				return ip, false // a leading zero
			}
			val = val*10 + int(c-'0')
			if val > 255 {
				return ip, false
			}
			digits++
		case c == '.':
			if digits == 0 || field == 3 {
				return ip, false // an empty or a fifth field
			}
			ip[field] = byte(val)
			field, digits, val = field+1, 0, 0
		default:
			return ip, false
		}
	}
	if field != 3 || digits == 0 {
		return ip, false
	}
	ip[3] = byte(val)
	return ip, true
}

// parseIPv6 accepts the text forms of RFC 4291 that inet_pton(AF_INET6)
// accepts: eight groups of one to four hex digits separated by colons;
// one "::" standing for one or more groups of zeros; and an IPv4
// address in dotted decimal in place of the last two groups.
func parseIPv6(s string) ([16]byte, bool) {
	var ip [16]byte
	ellipsis := -1 // where "::" was seen, as an index into ip
	i := 0         // how many bytes of ip are filled
	if strings.HasPrefix(s, "::") {
		ellipsis = 0
		s = s[2:]
		if s == "" {
			return ip, true // "::" alone: all zeros
		}
	}
	for i < 16 {
		// Read one group: up to four hex digits.
		n, val := 0, 0
		for n < len(s) && n < 5 && hexDigit(s[n]) >= 0 {
			val = val<<4 | hexDigit(s[n])
			n++
		}
		if n == 0 || n > 4 {
			return ip, false
		}
		// A dot means the rest is an IPv4 address: it fills 4 bytes.
		if n < len(s) && s[n] == '.' {
			v4, ok := parseIPv4(s)
			if i > 12 || !ok {
				return ip, false
			}
			copy(ip[i:], v4[:])
			i += 4
			s = ""
			break
		}
		ip[i], ip[i+1] = byte(val>>8), byte(val)
		i += 2
		s = s[n:]
		if s == "" {
			break
		}
		// A group is followed by ":" and another group, or by "::".
		if s[0] != ':' || len(s) == 1 {
			return ip, false
		}
		s = s[1:]
		if s[0] == ':' {
			if ellipsis >= 0 {
				return ip, false // a second "::"
			}
			ellipsis = i
			s = s[1:]
			if s == "" {
				break
			}
		}
	}
	if s != "" {
		return ip, false // text left after 16 bytes
	}
	if i < 16 {
		if ellipsis < 0 {
			return ip, false // too short, and no "::" to stretch
		}
		// Move the groups after "::" to the end, zeros in between.
		n := 16 - i
		copy(ip[ellipsis+n:], ip[ellipsis:i])
		for k := ellipsis; k < ellipsis+n; k++ {
			ip[k] = 0
		}
	} else if ellipsis >= 0 {
		return ip, false // "::" must stand for at least one group
	}
	return ip, true
}

// hexDigit returns the value of a hex digit, or -1.
func hexDigit(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// endregion parse

// region format
// formatIPv4 writes the four bytes in dotted decimal.
func formatIPv4(ip [4]byte) string {
	return fmt.Sprintf("%d.%d.%d.%d", ip[0], ip[1], ip[2], ip[3])
}

// formatIPv6 writes the canonical text of RFC 5952, as net/netip does:
// lower-case hex without leading zeros, the longest run of two or more
// zero groups (the first one on a tie) written "::", and an IPv4-mapped
// address as ::ffff: followed by dotted decimal.
func formatIPv6(ip [16]byte) string {
	mapped := [12]byte{10: 0xff, 11: 0xff}
	if [12]byte(ip[:12]) == mapped {
		return "::ffff:" + formatIPv4([4]byte(ip[12:]))
	}
	var groups [8]int
	for g := 0; g < 8; g++ {
		groups[g] = int(ip[2*g])<<8 | int(ip[2*g+1])
	}
	// Find the longest run of zero groups.
	best, bestLen := -1, 1
	for g := 0; g < 8; g++ {
		n := 0
		for g+n < 8 && groups[g+n] == 0 {
			n++
		}
		if n > bestLen {
			best, bestLen = g, n
		}
	}
	var b strings.Builder
	for g := 0; g < 8; g++ {
		if g == best {
			b.WriteString("::")
			g += bestLen - 1
			continue
		}
		if g > 0 && g != best+bestLen {
			b.WriteByte(':')
		}
		b.WriteString(strconv.FormatInt(int64(groups[g]), 16))
	}
	return b.String()
}

// endregion format

// region legacy
// inetAton mirrors glibc's inet_aton(3), the old IPv4-only parser that
// inet_pton replaced. It takes one to four numbers separated by dots;
// each may be decimal, octal (a leading 0) or hex (a leading 0x); the
// last number fills all the bytes that are left; and anything after a
// space is ignored. It returns the address in network order and whether
// it parsed. C: int inet_aton(const char *cp, struct in_addr *inp)
func inetAton(s string) ([4]byte, bool) {
	var ip [4]byte
	var parts []uint64
	for {
		val, rest, ok := cNumber(s)
		if !ok {
			return ip, false
		}
		s = rest
		if s == "" || s[0] != '.' {
			parts = append(parts, val)
			break
		}
		if len(parts) == 3 || val > 0xff {
			return ip, false
		}
		parts = append(parts, val)
		s = s[1:]
	}
	if s != "" && !strings.ContainsRune(" \t\n\v\f\r", rune(s[0])) {
		return ip, false
	}
	// The last part may use every byte the others left free.
	n := len(parts)
	last := parts[n-1]
	// yaegi: a typed limit; the interpreter gets an untyped constant
	// shifted by a variable wrong.
	limit := uint64(0xffffffff) >> uint(8*(n-1))
	if last > limit {
		return ip, false
	}
	addr := uint32(last)
	for k := 0; k < n-1; k++ {
		addr |= uint32(parts[k]) << uint(24-8*k)
	}
	ip[0], ip[1], ip[2], ip[3] = byte(addr>>24), byte(addr>>16),
		byte(addr>>8), byte(addr)
	return ip, true
}

// cNumber reads one number at the start of s the way strtoul(s, &end, 0)
// does, after the digit check inet_aton makes first: 0x means hex, a
// leading 0 octal, anything else decimal. Values above 32 bits fail.
func cNumber(s string) (uint64, string, bool) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, s, false
	}
	// yaegi: no named results here; the interpreter does not reset
	// them between calls.
	val, base, k := uint64(0), uint64(10), 0
	switch {
	case len(s) > 2 && (s[1] == 'x' || s[1] == 'X') &&
		s[0] == '0' && hexDigit(s[2]) >= 0:
		base, k = 16, 2
	case s[0] == '0':
		base = 8
	}
	for ; k < len(s); k++ {
		d := hexDigit(s[k])
		if d < 0 || uint64(d) >= base {
			break
		}
		val = val*base + uint64(d)
		if val > 0xffffffff {
			return 0, s, false
		}
	}
	return val, s[k:], true
}

// inaddrNone is what inet_addr returns for a bad string. It is also the
// valid address 255.255.255.255, which is why inet_addr is deprecated.
const inaddrNone = 0xffffffff

// inetAddr mirrors inet_addr(3). C returns the address in network byte
// order; here it is returned as a number, first byte highest, so that it
// prints the same on every machine (INADDR_NONE is all ones either way).
// C: in_addr_t inet_addr(const char *cp)
func inetAddr(s string) uint32 {
	ip, ok := inetAton(s)
	if !ok {
		return inaddrNone
	}
	return uint32(ip[0])<<24 | uint32(ip[1])<<16 | uint32(ip[2])<<8 |
		uint32(ip[3])
}

// endregion legacy

func familyName(af int) string {
	switch af {
	case syscall.AF_INET:
		return "AF_INET"
	case syscall.AF_INET6:
		return "AF_INET6"
	case syscall.AF_UNIX:
		return "AF_UNIX"
	}
	return "AF_" + strconv.Itoa(af)
}

// region demo
func demo() {
	// The example of the notes: text to bytes, and back.
	fmt.Println("# 192.168.1.4 there and back")
	var num [4]byte
	r, _ := inetPton(syscall.AF_INET, "192.168.1.4", num[:])
	fmt.Printf("inet_pton(AF_INET, \"192.168.1.4\") = %d\n", r)
	fmt.Printf("  bytes, network order: %d %d %d %d\n",
		num[0], num[1], num[2], num[3])
	text, _ := inetNtop(syscall.AF_INET, num[:], inetAddrStrLen)
	fmt.Printf("inet_ntop(AF_INET, size 16) = %q\n", text)

	// 0 means "not an address of this family", -1 "no such family".
	fmt.Println()
	fmt.Println("# return values")
	var buf [16]byte
	for _, c := range []struct {
		af  int
		src string
	}{
		{syscall.AF_INET, "192.168.1.256"},
		{syscall.AF_INET, "::1"},
		{syscall.AF_INET6, "::1"},
		{syscall.AF_INET6, "fe80::1%lo"},
		{syscall.AF_UNIX, "192.168.1.4"},
	} {
		r, err := inetPton(c.af, c.src, buf[:])
		fmt.Printf("inet_pton(%s, %q) = %d", familyName(c.af), c.src, r)
		if err != nil {
			fmt.Printf(", errno %s", errnoName(err))
		}
		fmt.Println()
	}
	all := []byte{255, 255, 255, 255}
	for _, size := range []int{15, 16} {
		text, err := inetNtop(syscall.AF_INET, all, size)
		if err != nil {
			fmt.Printf("inet_ntop(AF_INET, 255.255.255.255, size %d)"+
				" = NULL, errno %s\n", size, errnoName(err))
			continue
		}
		fmt.Printf("inet_ntop(AF_INET, 255.255.255.255, size %d)"+
			" = %q\n", size, text)
	}

	// The old calls read many more strings as addresses than
	// inet_pton does; net/netip is as strict as inet_pton.
	fmt.Println()
	fmt.Println("# legacy parsers next to inet_pton and net/netip")
	fmt.Printf("%-17s %-15s %-10s %-9s %s\n", "input", "inet_aton",
		"inet_addr", "inet_pton", "netip.ParseAddr")
	for _, s := range []string{
		"1", "0x7f.1", "127.1", "010.0.0.1", "1.2.3.4 junk",
		"256.1.1.1", "255.255.255.255", "192.168.1.4",
	} {
		aton := "0 (invalid)"
		if ip, ok := inetAton(s); ok {
			aton = formatIPv4(ip)
		}
		addr := fmt.Sprintf("0x%08x", inetAddr(s))
		r, _ := inetPton(syscall.AF_INET, s, buf[:])
		np := "error"
		if a, err := netip.ParseAddr(s); err == nil {
			np = a.String()
		}
		fmt.Printf("%-17q %-15s %-10s %-9d %s\n", s, aton, addr, r, np)
	}

	// inet_ntop prints the canonical form; so does netip.
	fmt.Println()
	fmt.Println("# IPv6 text, parsed and printed back")
	for _, s := range []string{
		"2001:DB8:0:0:0:0:0:1", "1:0:0:1:0:0:0:1", "::ffff:1.2.3.4",
		"::1.2.3.4", "1:2:3:4:5:6:7::",
	} {
		var ip [16]byte
		inetPton(syscall.AF_INET6, s, ip[:])
		text, _ := inetNtop(syscall.AF_INET6, ip[:], inet6AddrStrLen)
		fmt.Printf("%-22s -> %-16s netip: %s\n", s, text,
			netip.MustParseAddr(s))
	}
}

// errnoName names the errno values the demo can meet.
func errnoName(err error) string {
	errno, _ := err.(syscall.Errno)
	switch errno {
	case syscall.EAFNOSUPPORT:
		return "EAFNOSUPPORT"
	case syscall.ENOSPC:
		return "ENOSPC"
	case syscall.EINVAL:
		return "EINVAL"
	}
	return err.Error()
}

// endregion demo
