package main

import (
	"encoding/binary"
	"fmt"
	"testing"
)

// kernelHex writes an IPv4 address and port as /proc/net/udp does:
// the address's four bytes read as a u32 in host byte order, in hex.
func kernelHex(ip [4]byte, port uint16) string {
	return fmt.Sprintf("%08X:%04X", binary.NativeEndian.Uint32(ip[:]), port)
}

func TestHexAddr(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{kernelHex([4]byte{127, 0, 0, 1}, 8080), "127.0.0.1:8080"},
		{kernelHex([4]byte{0, 0, 0, 0}, 0), "0.0.0.0:0"},
		{kernelHex([4]byte{127, 255, 255, 255}, 53), "127.255.255.255:53"},
		{kernelHex([4]byte{10, 1, 2, 3}, 65535), "10.1.2.3:65535"},
		// Not an IPv4 row: returned unchanged.
		{"0100007F", "0100007F"},
		{"00000000000000000000000001000000:0035",
			"00000000000000000000000001000000:0035"},
		{"ZZ00007F:1F90", "ZZ00007F:1F90"},
		{"0100007F:NOPE", "0100007F:NOPE"},
	} {
		if got := hexAddr(c.in); got != c.want {
			t.Errorf("hexAddr(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// On x86 (little-endian) the kernel prints 127.0.0.1 as 0100007F.
func Example_hexAddr() {
	fmt.Println(hexAddr(kernelHex([4]byte{127, 0, 0, 1}, 0x1F90)))
	// Output: 127.0.0.1:8080
}

func Example_rxqOvfl() {
	// A control message as the kernel writes it: a cmsghdr (length
	// 20, SOL_SOCKET, SO_RXQ_OVFL), a uint32 of 744, padding.
	oob := make([]byte, 24)
	binary.NativeEndian.PutUint64(oob[0:8], 20)
	binary.NativeEndian.PutUint32(oob[8:12], 1)   // SOL_SOCKET
	binary.NativeEndian.PutUint32(oob[12:16], 40) // SO_RXQ_OVFL
	binary.NativeEndian.PutUint32(oob[16:20], 744)
	fmt.Println(rxqOvfl(oob))
	fmt.Println(rxqOvfl(nil))
	// Output:
	// 744 true
	// 0 false
}
