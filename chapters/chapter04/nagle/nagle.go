// Nagle times the echo of the previous section twice: once with the
// server's TCP_NODELAY set, as echo-server does, and once with Nagle's
// algorithm left on, as in the source's server (echo-server -nagle).
// The client sends pieces of 4 KiB, as echo-client does, and waits for
// each echo; the server reads and writes back 1 KiB at a time, as
// echo-server does.
//
// Usage:
//
//	nagle [-n PIECES]
//
// The times change from run to run; the notes mask them.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "nagle: error: %v\n", err)
		// A pointer type assertion, not errors.As: only this form
		// works on interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

const (
	piece   = 4096 // what echo-client sends before it waits
	bufSize = 1024 // what echo-server reads, then writes back
)

func run(args []string) error {
	fs := flag.NewFlagSet("nagle", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	n := fs.Int("n", 16, "echo `PIECES` pieces of 4 KiB")
	if err := fs.Parse(args); err == flag.ErrHelp {
		fmt.Println("usage: nagle [-n PIECES]")
		return nil
	} else if err != nil {
		return &usageError{err.Error()}
	}
	if fs.NArg() != 0 {
		return &usageError{"nagle takes no arguments, only -n"}
	}
	if *n < 1 || *n > 1000 {
		return &usageError{"-n must be from 1 to 1000"}
	}
	fmt.Printf("%d pieces of 4 KiB; the server writes each back in "+
		"four writes of 1 KiB\n", *n)
	for _, nodelay := range []bool{true, false} {
		total, slowest, err := echoPieces(*n, nodelay)
		if err != nil {
			return err
		}
		name := "server with TCP_NODELAY:"
		if !nodelay {
			name = "server with Nagle:"
		}
		fmt.Printf("%-25s %d pieces in %d ms, slowest %d ms\n", name, *n,
			total.Milliseconds(), slowest.Milliseconds())
	}
	return nil
}

// region echo
// echoPieces makes a loopback connection, serves it with echo-server's
// loop in a goroutine, and times n pieces through it.
func echoPieces(n int, nodelay bool) (time.Duration, time.Duration, error) {
	lfd, port, err := listen()
	if err != nil {
		return 0, 0, err
	}
	defer syscall.Close(lfd)
	done := make(chan error, 1)
	go func() { done <- serveOne(lfd, nodelay) }()

	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return 0, 0, os.NewSyscallError("socket", err)
	}
	sa := &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Connect(fd, sa); err != nil {
		syscall.Close(fd)
		return 0, 0, os.NewSyscallError("connect", err)
	}
	out := make([]byte, piece)
	for i := range out {
		out[i] = 'a' + byte(i%26)
	}
	in := make([]byte, piece)
	var total, slowest time.Duration
	for i := 0; i < n; i++ {
		start := time.Now()
		// The client's write(2) of 4 KiB leaves in one segment.
		if _, err := syscall.Write(fd, out); err != nil {
			syscall.Close(fd)
			return 0, 0, os.NewSyscallError("write", err)
		}
		// It reads until the whole piece is back.
		for got := 0; got < piece; {
			m, err := syscall.Read(fd, in[got:])
			if err != nil || m == 0 {
				syscall.Close(fd)
				return 0, 0, fmt.Errorf("read: %v (%d bytes)", err, m)
			}
			got += m
		}
		took := time.Since(start)
		total += took
		if took > slowest {
			slowest = took
		}
	}
	syscall.Close(fd) // the server reads 0 and ends
	err = <-done
	return total, slowest, err
}

// serveOne accepts one client and echoes as echo-server does: read up
// to 1 KiB, write back what was read. With Nagle's algorithm on, the
// second write of a piece finds the first one unacknowledged, and the
// kernel holds it, and the two after it, until the client's ACK comes:
// the client delays that ACK, waiting for data of its own to send.
func serveOne(lfd int, nodelay bool) error {
	cfd, _, err := syscall.Accept(lfd)
	if err != nil {
		return os.NewSyscallError("accept", err)
	}
	defer syscall.Close(cfd)
	if nodelay {
		// C: setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one)
		err := syscall.SetsockoptInt(cfd, syscall.IPPROTO_TCP,
			syscall.TCP_NODELAY, 1)
		if err != nil {
			return os.NewSyscallError("setsockopt", err)
		}
	}
	buf := make([]byte, bufSize)
	for {
		m, err := syscall.Read(cfd, buf)
		if err != nil {
			return os.NewSyscallError("read", err)
		}
		if m == 0 {
			return nil
		}
		if _, err := syscall.Write(cfd, buf[:m]); err != nil {
			return os.NewSyscallError("write", err)
		}
	}
}

// endregion echo

// listen makes a listening socket on 127.0.0.1 and a free port.
func listen() (int, int, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, 0, os.NewSyscallError("socket", err)
	}
	sa := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Bind(fd, sa); err != nil {
		syscall.Close(fd)
		return -1, 0, os.NewSyscallError("bind", err)
	}
	if err := syscall.Listen(fd, 1); err != nil {
		syscall.Close(fd)
		return -1, 0, os.NewSyscallError("listen", err)
	}
	got, err := syscall.Getsockname(fd)
	if err != nil {
		syscall.Close(fd)
		return -1, 0, os.NewSyscallError("getsockname", err)
	}
	return fd, got.(*syscall.SockaddrInet4).Port, nil
}
