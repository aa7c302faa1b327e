// Upper-client is the source notes' last client, mirrored step by step
// with the raw syscall API: it sends each line of standard input to an
// upper-server and prints what comes back.
//
// Usage:
//
//	upper-client <ip> <port>
//
// A line "quit" or the end of input ends it. Standard output holds
// what the server sent back, standard error the "connected to" line
// and errors. Bad arguments exit with status 2.
package main

import (
	"github.com/tcpnotebook/tcpnotebook/internal/sockarg"

	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"
)

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "upper-client: error: %v\n", err)
		// yaegi: a pointer type assertion, not errors.As, finds a
		// type declared in the interpreted program.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "-help") {
		fmt.Println("usage: upper-client <ip> <port>")
		return nil
	}
	if len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' {
		return &usageError{"unknown flag " + args[0]}
	}
	if len(args) != 2 {
		return &usageError{"want 2 arguments: <ip> <port>"}
	}
	ap, err := sockarg.ParseAddr(args[0], args[1])
	if err != nil {
		return &usageError{err.Error()}
	}
	ip, port := ap.Addr(), int(ap.Port())
	family := syscall.AF_INET6
	var sa syscall.Sockaddr = &syscall.SockaddrInet6{Port: port,
		Addr: ip.As16()}
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
	defer syscall.Close(fd)

	// Step 2: connect(2). C: connect(fd, (struct sockaddr *)&addr, len)
	if err := syscall.Connect(fd, sa); err != nil {
		return fmt.Errorf("%s: %w", addr, os.NewSyscallError("connect", err))
	}
	fmt.Fprintf(os.Stderr, "connected to %s\n", addr)

	// Step 3: a line out, its capitals back.
	in := bufio.NewReader(os.Stdin)
	for {
		// C: fgets(buf, sizeof buf, stdin), its NULL checked: the
		// source sends an empty line for ever at the end of input.
		line, err := in.ReadString('\n')
		if line == "quit\n" || line == "quit" {
			return nil
		}
		if len(line) > 0 {
			if err := talk(fd, []byte(line)); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read standard input: %w", err)
		}
	}
}

// region talk
// talk sends msg and reads back as many bytes. The source makes one
// read(2) and prints what it got: a reply that arrives in two pieces
// (19-framing) is then printed half now, half after the next line.
func talk(fd int, msg []byte) error {
	// C: write(fd, buf, len), in a loop: it may take less.
	for rest := msg; len(rest) > 0; {
		n, err := syscall.Write(fd, rest)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("write", err)
		}
		rest = rest[n:]
	}
	buf := make([]byte, len(msg))
	for got := 0; got < len(buf); {
		// C: len = read(fd, buf + got, sizeof buf - got)
		n, err := syscall.Read(fd, buf[got:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("read", err)
		}
		if n == 0 {
			return errors.New("server closed the connection")
		}
		got += n
	}
	_, err := os.Stdout.Write(buf)
	return err
}

// endregion talk
