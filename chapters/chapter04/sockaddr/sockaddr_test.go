package main

import (
	"encoding/binary"
	"os"
	"syscall"
	"testing"
	"unsafe"
)

// TestSizes pins the Go sizes against the C sizes of the notes, and the
// one difference: RawSockaddrAny is not sockaddr_storage.
func TestSizes(t *testing.T) {
	tests := []struct {
		name     string
		got, cSz uintptr
	}{
		{"RawSockaddr", unsafe.Sizeof(syscall.RawSockaddr{}), 16},
		{"RawSockaddrInet4", unsafe.Sizeof(syscall.RawSockaddrInet4{}), 16},
		{"RawSockaddrInet6", unsafe.Sizeof(syscall.RawSockaddrInet6{}), 28},
		{"RawSockaddrUnix", unsafe.Sizeof(syscall.RawSockaddrUnix{}), 110},
	}
	for _, tt := range tests {
		if tt.got != tt.cSz {
			t.Errorf("sizeof %s = %d, C has %d", tt.name, tt.got, tt.cSz)
		}
	}
	// RawSockaddrAny is as large as the largest address the syscall
	// package decodes (sockaddr_un, 110 bytes), rounded up to the
	// 4-byte alignment of that union: 112, not 128.
	if got := unsafe.Sizeof(syscall.RawSockaddrAny{}); got != 112 {
		t.Errorf("sizeof RawSockaddrAny = %d, want 112", got)
	}
}

// TestKernelLayout asks the kernel for the raw address of a socket
// bound to 127.0.0.1 port 0 and checks the layout the notes describe:
// the family in host order at offset 0, the port in network order at
// offset 2, the address bytes at offset 4.
func TestKernelLayout(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(os.NewSyscallError("socket", err))
	}
	defer syscall.Close(fd)
	sa := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Bind(fd, sa); err != nil {
		t.Fatal(os.NewSyscallError("bind", err))
	}
	// C: getsockname(fd, (struct sockaddr *)&ss, &len)
	var raw syscall.RawSockaddrAny
	n := uint32(syscall.SizeofSockaddrAny)
	_, _, errno := syscall.RawSyscall(syscall.SYS_GETSOCKNAME,
		uintptr(fd), uintptr(unsafe.Pointer(&raw)),
		uintptr(unsafe.Pointer(&n)))
	if errno != 0 {
		t.Fatal(os.NewSyscallError("getsockname", errno))
	}
	if n != syscall.SizeofSockaddrInet4 {
		t.Errorf("address length = %d, want %d", n,
			syscall.SizeofSockaddrInet4)
	}
	b := (*[syscall.SizeofSockaddrInet4]byte)(unsafe.Pointer(&raw))
	if got := binary.NativeEndian.Uint16(b[0:2]); got != syscall.AF_INET {
		t.Errorf("family bytes % x, want AF_INET in host order", b[0:2])
	}
	port := binary.BigEndian.Uint16(b[2:4])
	if port == 0 {
		t.Errorf("port bytes % x: no port was assigned", b[2:4])
	}
	if [4]byte(b[4:8]) != sa.Addr {
		t.Errorf("address bytes % x, want 7f 00 00 01", b[4:8])
	}
	// The decoded form must agree: Getsockname applies ntohs itself.
	got, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(os.NewSyscallError("getsockname", err))
	}
	if p := got.(*syscall.SockaddrInet4).Port; p != int(port) {
		t.Errorf("Getsockname port %d, raw big-endian bytes say %d",
			p, port)
	}
}

func TestRunArgs(t *testing.T) {
	err := run([]string{"extra"})
	if _, ok := err.(*usageError); !ok {
		t.Errorf("run(extra) = %v, want a usage error", err)
	}
}
