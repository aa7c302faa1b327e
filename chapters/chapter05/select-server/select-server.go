// select-server is an echo server that serves several clients at once
// from one thread: a select(2) loop over the listening socket and
// every connected one, as C examples write it, with their usual
// mistakes corrected.
//
// Usage:
//
//	select-server [-n N] <ip> <port>
//
// It listens on ip:port (port 0 picks a free port), prints
// "listening on ip:port", and echoes every byte back to the client
// that sent it. It exits after N clients have come and gone (default
// 3; 0 means forever). Clients are named 1, 2, 3 in the order they
// connected. Bad arguments exit with status 2.
package main

import (
	"github.com/tcpnotebook/tcpnotebook/internal/sockarg"

	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"syscall"
)

const usage = "usage: select-server [-n N] <ip> <port>"

// usageError marks a bad command line: main exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "select-server: error: %v\n", err)
		// A pointer type assertion: errors.As does not see
		// interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("select-server", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	n := fs.Int("n", 3, "exit after `N` clients (0: forever)")
	if err := fs.Parse(args); err == flag.ErrHelp {
		fmt.Println(usage)
		return nil
	} else if err != nil {
		return &usageError{err.Error()}
	}
	if fs.NArg() != 2 {
		return &usageError{"want 2 arguments: <ip> <port>"}
	}
	if *n < 0 {
		return &usageError{"-n must be 0 or more"}
	}
	ap, err := sockarg.ParseAddr(fs.Arg(0), fs.Arg(1))
	if err != nil {
		return &usageError{err.Error()}
	}
	// One OS thread does all the work: no goroutine per client.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return serve(ap.Addr(), int(ap.Port()), *n)
}

// setSize is FD_SETSIZE, the bits in an fd_set (1024).
const setSize = len(syscall.FdSet{}.Bits) * 64

// FD_SET, FD_ISSET and FD_ZERO on Go's syscall.FdSet.
func fdSet(s *syscall.FdSet, fd int) { s.Bits[fd/64] |= 1 << (uint(fd) % 64) }

func fdIsSet(s *syscall.FdSet, fd int) bool {
	return s.Bits[fd/64]&(1<<(uint(fd)%64)) != 0
}

func fdZero(s *syscall.FdSet) {
	for i := range s.Bits {
		s.Bits[i] = 0
	}
}

// client is one connection: its descriptor and its number.
type client struct {
	fd, id int
}

func listen(ip netip.Addr, port int) (int, error) {
	family := syscall.AF_INET6
	var sa syscall.Sockaddr = &syscall.SockaddrInet6{Port: port,
		Addr: ip.As16()}
	if ip.Is4() {
		family = syscall.AF_INET
		sa = &syscall.SockaddrInet4{Port: port, Addr: ip.As4()}
	}
	// Step 1: socket(2). C: lfd = socket(AF_INET, SOCK_STREAM, 0)
	// Non-blocking, unlike the course's: see accept below.
	lfd, err := syscall.Socket(family,
		syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	// Step 2: bind(2), step 3: listen(2).
	if err := syscall.Bind(lfd, sa); err != nil {
		syscall.Close(lfd)
		return -1, os.NewSyscallError("bind", err)
	}
	if err := syscall.Listen(lfd, 8); err != nil {
		syscall.Close(lfd)
		return -1, os.NewSyscallError("listen", err)
	}
	return lfd, nil
}

// region loop
func serve(ip netip.Addr, port, limit int) error {
	lfd, err := listen(ip, port)
	if err != nil {
		return err
	}
	defer syscall.Close(lfd)
	local, err := syscall.Getsockname(lfd)
	if err != nil {
		return os.NewSyscallError("getsockname", err)
	}
	fmt.Printf("listening on %s\n", addrString(local))

	// The descriptors to watch live in this list, not in an fd_set:
	// select overwrites the set it is given.
	var clients []client
	defer func() {
		for _, c := range clients {
			syscall.Close(c.fd)
		}
	}()
	accepted, gone := 0, 0
	buf := make([]byte, 1024)
	for limit == 0 || gone < limit {
		// Step 4: build the set afresh on every turn. C:
		// FD_ZERO(&rset); FD_SET(lfd, &rset); FD_SET(each client)
		var rset syscall.FdSet
		fdZero(&rset)
		fdSet(&rset, lfd)
		maxfd := lfd
		for _, c := range clients {
			fdSet(&rset, c.fd)
			if c.fd > maxfd {
				maxfd = c.fd
			}
		}

		// Step 5: wait for any of them, no timeout.
		// C: n = select(maxfd + 1, &rset, NULL, NULL, NULL)
		n, err := syscall.Select(maxfd+1, &rset, nil, nil, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("select", err)
		}

		// Step 6: new connections.
		if fdIsSet(&rset, lfd) {
			n--
			if err := acceptAll(lfd, &clients, &accepted); err != nil {
				return err
			}
		}

		// Step 7: every client whose bit is still set can be read
		// without blocking. Stop early once n are handled.
		kept := clients[:0]
		for _, c := range clients {
			if n == 0 || !fdIsSet(&rset, c.fd) {
				kept = append(kept, c)
				continue
			}
			n--
			if echo(c, buf) {
				kept = append(kept, c)
				continue
			}
			syscall.Close(c.fd)
			gone++
		}
		clients = kept
	}
	fmt.Printf("served %d clients from one thread\n", gone)
	return nil
}

// endregion loop

// acceptAll is step 6: accept(2) until EAGAIN, every connection
// waiting in the queue. C: cfd = accept(lfd, NULL, NULL)
// The listener is non-blocking: a client that connects and resets
// before accept runs is removed from the queue, and a blocking accept
// would then wait for the next client with every other one unserved.
func acceptAll(lfd int, clients *[]client, accepted *int) error {
	for {
		cfd, _, err := syscall.Accept4(lfd, syscall.SOCK_CLOEXEC)
		switch {
		case err == syscall.EAGAIN:
			return nil
		case err == syscall.ECONNABORTED || err == syscall.EINTR:
		case err != nil:
			return os.NewSyscallError("accept", err)
		case cfd >= setSize:
			// FD_SET(cfd) would write past the end of rset.
			fmt.Printf("refused a client: descriptor %d does "+
				"not fit in an fd_set\n", cfd)
			syscall.Close(cfd)
		default:
			*accepted++
			*clients = append(*clients, client{cfd, *accepted})
			fmt.Printf("client %d connected (%d open)\n",
				*accepted, len(*clients))
		}
	}
}

// echo reads once from c and writes it back. It returns false when the
// client is gone: end of stream, or an error such as ECONNRESET.
func echo(c client, buf []byte) bool {
	// C: len = read(cfd, buf, sizeof buf)
	n, err := syscall.Read(c.fd, buf)
	if err == syscall.EINTR {
		return true
	}
	if err != nil {
		fmt.Printf("client %d: %v\n", c.id, os.NewSyscallError("read", err))
		return false
	}
	if n == 0 {
		fmt.Printf("client %d closed\n", c.id)
		return false
	}
	fmt.Printf("client %d: %s\n", c.id, strconv.Quote(string(buf[:n])))
	// A blocking write: a client that does not read its echo holds
	// up every other client once its socket buffer is full.
	// chapter04's epoll-server keeps such bytes instead.
	for b := buf[:n]; len(b) > 0; {
		m, err := syscall.Write(c.fd, b)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			fmt.Printf("client %d: %v\n", c.id,
				os.NewSyscallError("write", err))
			return false
		}
		b = b[m:]
	}
	return true
}

func addrString(sa syscall.Sockaddr) string {
	switch sa := sa.(type) {
	case *syscall.SockaddrInet4:
		return net.JoinHostPort(netip.AddrFrom4(sa.Addr).String(),
			strconv.Itoa(sa.Port))
	case *syscall.SockaddrInet6:
		return net.JoinHostPort(netip.AddrFrom16(sa.Addr).String(),
			strconv.Itoa(sa.Port))
	}
	return "?"
}
