// Htonl shows htons, htonl and ntohl at work, on the port-like value
// 0x0102 and on the address bytes {192, 168, 1, 100}, and prints the
// same numbers as the C program of the notes on a little-endian machine.
// It then does the same job the Go way, with encoding/binary.
//
// Usage:
//
//	htonl
package main

import (
	"encoding/binary"
	"fmt"
	"os"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "htonl: error: %v\n", err)
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

// htons converts a 16-bit value from host to network byte order.
// The result is the number whose bytes in this machine's memory are the
// big-endian bytes of x: swapped on a little-endian machine, unchanged
// on a big-endian one. C: uint16_t htons(uint16_t hostshort)
func htons(x uint16) uint16 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], x)
	return binary.NativeEndian.Uint16(b[:])
}

// ntohs goes back from network to host order. Swapping twice is the
// identity, so it is the same function. C: ntohs(uint16_t netshort)
func ntohs(x uint16) uint16 { return htons(x) }

// htonl is htons for 32-bit values. C: uint32_t htonl(uint32_t hostlong)
func htonl(x uint32) uint32 {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], x)
	return binary.NativeEndian.Uint32(b[:])
}

// ntohl is htonl again. C: uint32_t ntohl(uint32_t netlong)
func ntohl(x uint32) uint32 { return htonl(x) }

// memory returns the bytes of x as this machine stores them, which is
// what the C program prints through an unsigned char pointer.
func memory(x uint32) []byte {
	b := make([]byte, 4)
	binary.NativeEndian.PutUint32(b, x)
	return b
}

func run(args []string) error {
	if len(args) != 0 {
		return &usageError{"htonl takes no arguments"}
	}

	// Part 1: htons on a port-sized value.
	a := uint16(0x0102)
	fmt.Printf("a : %x\n", a)
	b := htons(a)
	fmt.Printf("b : %x\n", b)
	fmt.Println("----------------------------------------------")

	// Part 2: four address bytes read as one host integer, then htonl.
	// C: int num = *(int *)buf; here NativeEndian does the same read
	// without a pointer cast.
	buf := []byte{192, 168, 1, 100}
	num := binary.NativeEndian.Uint32(buf)
	ans := htonl(num)
	fmt.Printf("%d %d %d %d\n", unpack(memory(ans))...)
	fmt.Println("----------------------------------------------")

	// Part 3: the other way, with ntohl on {1, 1, 168, 192}.
	buf1 := []byte{1, 1, 168, 192}
	ans1 := ntohl(binary.NativeEndian.Uint32(buf1))
	fmt.Printf("%d %d %d %d\n", unpack(memory(ans1))...)
	fmt.Println("----------------------------------------------")

	// The Go way: say which order the bytes are in, and read them.
	// There is no host-order integer in between, so nothing to swap.
	ip := binary.BigEndian.Uint32([]byte{192, 168, 1, 100})
	fmt.Printf("BigEndian.Uint32(192 168 1 100) = %#08x\n", ip)
	port := make([]byte, 2)
	binary.BigEndian.PutUint16(port, 8080)
	fmt.Printf("BigEndian.PutUint16(8080)       = % x\n", port)
	return nil
}

// unpack turns bytes into arguments for a Printf verb list.
func unpack(b []byte) []any {
	out := make([]any, len(b))
	for i, v := range b {
		out[i] = v
	}
	return out
}
