package main

import "unsafe"

// pollFd is struct pollfd of poll(2).
type pollFd struct {
	fd      int32
	events  int16
	revents int16
}

const pollErr = 0x8 // POLLERR

func uintptrOf(fds []pollFd) uintptr { return uintptr(unsafe.Pointer(&fds[0])) }
