// Echo-client is the source notes' echo client, mirrored step by step
// with the raw syscall API: socket, connect, write, read, close.
//
// Usage:
//
//	echo-client <ip> <port>
//
// It reads standard input a line at a time, sends each line to the
// server and writes what comes back to standard output, byte for
// byte. A line "quit" or the end of input (Ctrl-D) ends it cleanly.
// Status messages go to standard error. Bad arguments exit with
// status 2; a refused connection or a server that goes away exits 1.
package main

import (
	"github.com/tcpnotebook/tcpnotebook/internal/sockarg"

	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"syscall"
)

// chunkSize is the most the client sends before it waits for the
// echo. Sending a little and reading it all back keeps the socket
// buffers of both sides from filling up: without that, a large input
// deadlocks, each side blocked in write(2) waiting for the other to
// read.
const chunkSize = 4096

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// errServerClosed reports that the server ended the connection while
// the client still expected it to answer.
var errServerClosed = errors.New("server closed the connection")

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "echo-client: error: %v\n", err)
		// A pointer type assertion, not errors.As or a value type:
		// only this form works on interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 2 {
		return &usageError{"want 2 arguments: <ip> <port>"}
	}
	ap, err := sockarg.ParseAddr(args[0], args[1])
	if err != nil {
		return &usageError{err.Error()}
	}
	ip, port := ap.Addr(), int(ap.Port())
	return dialAndTalk(ip, port, os.Stdin, os.Stdout)
}

// dialAndTalk connects to ip:port and echoes in through the server
// to out. in must be a real file (a terminal, a pipe, a file): the
// client watches it and the socket together with select(2).
func dialAndTalk(ip netip.Addr, port int, in *os.File,
	out io.Writer) error {
	family := syscall.AF_INET6
	var sa syscall.Sockaddr = &syscall.SockaddrInet6{
		Port: port, Addr: ip.As16()}
	if ip.Is4() {
		family = syscall.AF_INET
		sa = &syscall.SockaddrInet4{Port: port, Addr: ip.As4()}
	}
	addr := net.JoinHostPort(ip.String(), strconv.Itoa(port))

	// Step 1: socket(2). C: fd = socket(AF_INET, SOCK_STREAM, 0)
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	// Step 4: close(2). C: close(fd)
	// The server's read then returns 0: end of stream.
	defer syscall.Close(fd)
	// select(2) below can only watch descriptors under FD_SETSIZE.
	if err := selectable(fd, int(in.Fd())); err != nil {
		return err
	}

	// Step 2: connect(2). C: connect(fd, (struct sockaddr *)&addr, len)
	// This runs the three-way handshake. Nobody listening on the
	// port gives ECONNREFUSED.
	if err := syscall.Connect(fd, sa); err != nil {
		return fmt.Errorf("%s: %w", addr,
			os.NewSyscallError("connect", err))
	}
	fmt.Fprintf(os.Stderr, "connected to %s\n", addr)

	// Step 3: talk. Read a line, send it, read back as many bytes.
	r := bufio.NewReader(in)
	buf := make([]byte, chunkSize)
	for {
		// Wait for input, but notice when the server goes away in
		// the meantime instead of sitting in fgets like the source.
		if r.Buffered() == 0 {
			if err := waitInput(int(in.Fd()), fd); err != nil {
				return err
			}
		}
		line, err := r.ReadString('\n')
		if line == "quit\n" || line == "quit" {
			return nil
		}
		if len(line) > 0 {
			sendErr := echoLine(fd, []byte(line), buf, out)
			if sendErr != nil {
				return sendErr
			}
		}
		if err == io.EOF {
			// End of input: a clean end. The source's client
			// ignores fgets' NULL here, sends nothing and waits
			// in read for an echo that never comes.
			return nil
		}
		if err != nil {
			return fmt.Errorf("read standard input: %w", err)
		}
	}
}

// waitInput blocks until standard input (fd in) has something to read.
// If the socket becomes readable first, the server sent something
// nobody asked for: in practice, its end of stream or a reset.
func waitInput(in, sock int) error {
	for {
		// select(2). C: select(maxfd + 1, &readfds, NULL, NULL, NULL)
		var set syscall.FdSet
		fdSet(&set, in)
		fdSet(&set, sock)
		maxfd := in
		if sock > maxfd {
			maxfd = sock
		}
		_, err := syscall.Select(maxfd+1, &set, nil, nil, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("select", err)
		}
		if fdIsSet(&set, sock) {
			one := make([]byte, 1)
			n, err := syscall.Read(sock, one)
			if err != nil {
				return os.NewSyscallError("read", err)
			}
			if n == 0 {
				return errServerClosed
			}
			return errors.New("server sent data nobody asked for")
		}
		return nil
	}
}

// fdSetSize is FD_SETSIZE: an fd_set is a fixed array of 1024 bits,
// one per descriptor, 0 to 1023 (syscall.FdSet holds 16 words of 64).
const fdSetSize = 1024

// selectable refuses descriptors that select(2) cannot watch. In C,
// FD_SET on descriptor 1024 or more writes past the end of the fd_set
// (glibc aborts with "buffer overflow detected" when built with
// _FORTIFY_SOURCE); in Go it would be an index out of range. A process
// with many files open gets such descriptors: poll(2) and epoll(7),
// which take a list of descriptors instead of a bitmap, have no limit.
func selectable(fds ...int) error {
	for _, fd := range fds {
		if fd >= fdSetSize {
			return fmt.Errorf("descriptor %d is too large for "+
				"select(2), which watches 0 to %d only "+
				"(FD_SETSIZE)", fd, fdSetSize-1)
		}
	}
	return nil
}

// fdSet and fdIsSet are the FD_SET and FD_ISSET macros of C.
func fdSet(s *syscall.FdSet, fd int) {
	s.Bits[fd/64] |= 1 << (uint(fd) % 64)
}

func fdIsSet(s *syscall.FdSet, fd int) bool {
	return s.Bits[fd/64]&(1<<(uint(fd)%64)) != 0
}

// echoLine sends msg in chunks and copies each chunk's echo to out.
func echoLine(fd int, msg, buf []byte, out io.Writer) error {
	for len(msg) > 0 {
		chunk := msg
		if len(chunk) > chunkSize {
			chunk = chunk[:chunkSize]
		}
		msg = msg[len(chunk):]
		if err := writeAll(fd, chunk); err != nil {
			return err
		}
		// The echo may come back in pieces: read until all of the
		// chunk is back.
		for want := len(chunk); want > 0; {
			n, err := syscall.Read(fd, buf[:want])
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				return os.NewSyscallError("read", err)
			}
			if n == 0 {
				return errServerClosed
			}
			if _, err := out.Write(buf[:n]); err != nil {
				return err
			}
			want -= n
		}
	}
	return nil
}

// writeAll writes all of b, completing partial writes. A server that
// is gone gives EPIPE (or ECONNRESET) here, not a SIGPIPE death: the
// Go runtime ignores SIGPIPE for sockets.
func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := syscall.Write(fd, b)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("write", err)
		}
		b = b[n:]
	}
	return nil
}
