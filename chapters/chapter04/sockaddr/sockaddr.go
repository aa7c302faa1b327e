// Sockaddr prints the sizes and field offsets of the socket address
// structures of Go's syscall package next to the C structures they
// mirror (sizes measured with gcc on linux/amd64), then shows the bytes
// of one filled-in IPv4 address.
//
// Usage:
//
//	sockaddr [c-table]
//
// With c-table it prints only the C figures it holds, in the format of
// c/sizes.c, so that a test can compare them with a C compiler's.
package main

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "sockaddr: error: %v\n", err)
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a mistake in the arguments: main exits 2 for it. (run
// returns it unwrapped: errors.As does not work under yaegi.)
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func run(args []string) error {
	if len(args) == 1 && args[0] == "c-table" {
		for _, r := range cStructs {
			fmt.Printf("%s %d %d\n", r.name, r.size, r.align)
		}
		return nil
	}
	if len(args) != 0 {
		return &usageError{"sockaddr takes no arguments, or c-table"}
	}
	sizes()
	fmt.Println()
	offsets()
	fmt.Println()
	inet4Bytes()
	return nil
}

// region sizes
// cStructs are the C sizes and alignments: sizeof and _Alignof printed
// by c/sizes.c, built with gcc on linux/amd64. Go cannot measure a C
// struct without cgo; testdata/chapter04/sockaddr_c.txtar compiles
// c/sizes.c wherever a C compiler is installed and checks these.
var cStructs = []struct {
	name        string
	size, align uintptr
}{
	{"sockaddr", 16, 2},
	{"sockaddr_in", 16, 4},
	{"sockaddr_in6", 28, 4},
	{"sockaddr_un", 110, 2},
	{"sockaddr_storage", 128, 8},
}

func sizes() {
	rows := []struct {
		goT   string
		size  uintptr
		align uintptr
	}{
		{"RawSockaddr",
			unsafe.Sizeof(syscall.RawSockaddr{}),
			unsafe.Alignof(syscall.RawSockaddr{})},
		{"RawSockaddrInet4",
			unsafe.Sizeof(syscall.RawSockaddrInet4{}),
			unsafe.Alignof(syscall.RawSockaddrInet4{})},
		{"RawSockaddrInet6",
			unsafe.Sizeof(syscall.RawSockaddrInet6{}),
			unsafe.Alignof(syscall.RawSockaddrInet6{})},
		{"RawSockaddrUnix",
			unsafe.Sizeof(syscall.RawSockaddrUnix{}),
			unsafe.Alignof(syscall.RawSockaddrUnix{})},
		{"RawSockaddrAny",
			unsafe.Sizeof(syscall.RawSockaddrAny{}),
			unsafe.Alignof(syscall.RawSockaddrAny{})},
	}
	fmt.Printf("%-17s %4s %5s   %-17s %4s %5s\n",
		"C struct", "size", "align", "Go syscall.", "size", "align")
	for i, r := range rows {
		c := cStructs[i]
		fmt.Printf("%-17s %4d %5d   %-17s %4d %5d\n",
			c.name, c.size, c.align, r.goT, r.size, r.align)
	}
}

// endregion sizes

// region offsets
func offsets() {
	var in4 syscall.RawSockaddrInet4
	var in6 syscall.RawSockaddrInet6
	var un syscall.RawSockaddrUnix
	var anyAddr syscall.RawSockaddrAny
	fields := []struct {
		name   string
		offset uintptr
		size   uintptr
	}{
		{"RawSockaddrInet4.Family", unsafe.Offsetof(in4.Family),
			unsafe.Sizeof(in4.Family)},
		{"RawSockaddrInet4.Port", unsafe.Offsetof(in4.Port),
			unsafe.Sizeof(in4.Port)},
		{"RawSockaddrInet4.Addr", unsafe.Offsetof(in4.Addr),
			unsafe.Sizeof(in4.Addr)},
		{"RawSockaddrInet4.Zero", unsafe.Offsetof(in4.Zero),
			unsafe.Sizeof(in4.Zero)},
		{"RawSockaddrInet6.Family", unsafe.Offsetof(in6.Family),
			unsafe.Sizeof(in6.Family)},
		{"RawSockaddrInet6.Port", unsafe.Offsetof(in6.Port),
			unsafe.Sizeof(in6.Port)},
		{"RawSockaddrInet6.Flowinfo", unsafe.Offsetof(in6.Flowinfo),
			unsafe.Sizeof(in6.Flowinfo)},
		{"RawSockaddrInet6.Addr", unsafe.Offsetof(in6.Addr),
			unsafe.Sizeof(in6.Addr)},
		{"RawSockaddrInet6.Scope_id", unsafe.Offsetof(in6.Scope_id),
			unsafe.Sizeof(in6.Scope_id)},
		{"RawSockaddrUnix.Family", unsafe.Offsetof(un.Family),
			unsafe.Sizeof(un.Family)},
		{"RawSockaddrUnix.Path", unsafe.Offsetof(un.Path),
			unsafe.Sizeof(un.Path)},
		{"RawSockaddrAny.Addr", unsafe.Offsetof(anyAddr.Addr),
			unsafe.Sizeof(anyAddr.Addr)},
		{"RawSockaddrAny.Pad", unsafe.Offsetof(anyAddr.Pad),
			unsafe.Sizeof(anyAddr.Pad)},
	}
	fmt.Printf("%-26s %6s %4s\n", "field", "offset", "size")
	for _, f := range fields {
		fmt.Printf("%-26s %6d %4d\n", f.name, f.offset, f.size)
	}
}

// endregion offsets

// region bytes
func inet4Bytes() {
	// Fill in 192.168.1.4 port 8080 the way the syscall package does
	// before bind(2) or connect(2). C: struct sockaddr_in addr;
	// addr.sin_family = AF_INET; addr.sin_port = htons(8080);
	var sa syscall.RawSockaddrInet4
	sa.Family = syscall.AF_INET
	// Port is a uint16 field, but its two bytes must be in network
	// order, so write them one by one instead of assigning 8080.
	port := (*[2]byte)(unsafe.Pointer(&sa.Port))
	port[0], port[1] = 8080>>8, 8080&0xff
	sa.Addr = [4]byte{192, 168, 1, 4}

	raw := (*[syscall.SizeofSockaddrInet4]byte)(unsafe.Pointer(&sa))
	fmt.Println("192.168.1.4:8080 as a sockaddr_in, byte by byte:")
	fmt.Printf("  family % x | port % x | addr % x | zero % x\n",
		raw[0:2], raw[2:4], raw[4:8], raw[8:16])
	fmt.Printf("  sa.Port read as a host uint16: %d, not 8080\n", sa.Port)
}

// endregion bytes
