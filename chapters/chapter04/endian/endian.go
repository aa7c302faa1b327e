// Endian prints the byte order of the machine it runs on.
//
// It does the check twice: once the way the C union trick does it, by
// looking at the bytes of a uint16 in memory through an unsafe pointer,
// and once with encoding/binary, which needs no unsafe code at all.
//
// Usage:
//
//	endian
package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"unsafe"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "endian: error: %v\n", err)
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
	if len(args) != 0 {
		return &usageError{"endian takes no arguments"}
	}

	// The value 0x0102 has a high byte 0x01 and a low byte 0x02.
	// Which of the two sits at the lower address is the byte order.
	value := uint16(0x0102)

	// Way 1, the C union. C: union { short value; char bytes[2]; }
	// In Go an unsafe.Pointer lets us view the same two bytes as an
	// array, which is all the union did.
	bytes := (*[2]byte)(unsafe.Pointer(&value))
	fmt.Printf("0x%04x in memory: % x\n", value, bytes[:])
	fmt.Println("unsafe view:     ", order(bytes[0], bytes[1]))

	// Way 2, encoding/binary. NativeEndian writes the value the way
	// this machine stores it; no pointer tricks are needed.
	buf := make([]byte, 2)
	binary.NativeEndian.PutUint16(buf, value)
	fmt.Println("encoding/binary: ", order(buf[0], buf[1]))

	// The network always uses big-endian, whatever the machine.
	binary.BigEndian.PutUint16(buf, value)
	fmt.Printf("network order:    % x (big-endian)\n", buf)
	return nil
}

// order names the byte order from the first two bytes of 0x0102.
func order(first, second byte) string {
	switch {
	case first == 0x01 && second == 0x02:
		return "big-endian (high byte at the low address)"
	case first == 0x02 && second == 0x01:
		return "little-endian (low byte at the low address)"
	}
	return fmt.Sprintf("unknown (% x)", []byte{first, second})
}
