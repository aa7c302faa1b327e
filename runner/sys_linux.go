package main

import (
	"os"
	"syscall"
	"unsafe"
)

// pollFd is struct pollfd of poll(2).
type pollFd struct {
	fd      int32
	events  int16
	revents int16
}

const pollErr = 0x8 // POLLERR

func uintptrOf(fds []pollFd) uintptr { return uintptr(unsafe.Pointer(&fds[0])) }

// terminalWidth is the width of the terminal f is, or 0.
func terminalWidth(f *os.File) int {
	var ws struct{ row, col, x, y uint16 }
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TIOCGWINSZ,
		uintptr(unsafe.Pointer(&ws)))
	if e != 0 {
		return 0
	}
	return int(ws.col)
}
