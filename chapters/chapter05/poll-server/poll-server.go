// poll-server is an echo server that serves several clients at once
// from one thread with a poll(2) loop: the poll-server of the
// previous section, with an array of struct pollfd instead of fd_sets
// and no limit at descriptor 1024.
//
// Usage:
//
//	poll-server [-n N] <ip> <port>
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
	"unsafe"
)

const usage = "usage: poll-server [-n N] <ip> <port>"

// usageError marks a bad command line: main exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "poll-server: error: %v\n", err)
		// A pointer type assertion: errors.As does not see
		// interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("poll-server", flag.ContinueOnError)
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

// pollFd is struct pollfd; the syscall package has neither the type
// nor a wrapper for poll(2).
type pollFd struct {
	fd      int32
	events  int16
	revents int16
}

const (
	pollIn   = 0x1
	pollErr  = 0x8
	pollHup  = 0x10
	pollNval = 0x20
)

// poll is poll(2). C: n = poll(fds, nfds, timeout_ms)
func poll(fds []pollFd, timeoutMs int) (int, error) {
	n, _, errno := syscall.Syscall(syscall.SYS_POLL,
		uintptr(unsafe.Pointer(&fds[0])), uintptr(len(fds)),
		uintptr(timeoutMs))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
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

	// Entry 0 is the listener; entry i > 0 is clients[i-1]. Unlike
	// an fd_set, the array is not rewritten by poll: only revents
	// is, so it is built once and changes when clients come and go.
	fds := []pollFd{{fd: int32(lfd), events: pollIn}}
	var clients []client
	defer func() {
		for _, c := range clients {
			syscall.Close(c.fd)
		}
	}()
	accepted, gone := 0, 0
	buf := make([]byte, 1024)
	for limit == 0 || gone < limit {
		// Step 4: wait, no timeout (-1).
		// C: n = poll(fds, nfds, -1)
		n, err := poll(fds, -1)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("poll", err)
		}

		// Step 5: new connections (a non-blocking listener, as in
		// select-server).
		if fds[0].revents&pollIn != 0 {
			n--
			if err := acceptAll(lfd, &clients, &fds, &accepted); err != nil {
				return err
			}
		}

		// Step 6: every client with revents set. POLLHUP and
		// POLLERR come without being asked for; read then returns
		// 0 or the error, so they need no case of their own.
		keptFds, kept := fds[:1], clients[:0]
		for i, c := range clients {
			re := fds[i+1].revents
			if n == 0 || re&(pollIn|pollHup|pollErr|pollNval) == 0 {
				kept = append(kept, c)
				keptFds = append(keptFds, fds[i+1])
				continue
			}
			n--
			if echo(c, buf) {
				kept = append(kept, c)
				keptFds = append(keptFds, fds[i+1])
				continue
			}
			syscall.Close(c.fd)
			gone++
		}
		clients, fds = kept, keptFds
	}
	fmt.Printf("served %d clients from one thread\n", gone)
	return nil
}

// endregion loop

// acceptAll is step 5: accept(2) until EAGAIN, each new client
// getting an entry in fds. C: cfd = accept(lfd, NULL, NULL)
func acceptAll(lfd int, clients *[]client, fds *[]pollFd,
	accepted *int) error {
	for {
		cfd, _, err := syscall.Accept4(lfd, syscall.SOCK_CLOEXEC)
		switch {
		case err == syscall.EAGAIN:
			return nil
		case err == syscall.ECONNABORTED || err == syscall.EINTR:
		case err != nil:
			return os.NewSyscallError("accept", err)
		default:
			*accepted++
			*clients = append(*clients, client{cfd, *accepted})
			*fds = append(*fds, pollFd{fd: int32(cfd), events: pollIn})
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
