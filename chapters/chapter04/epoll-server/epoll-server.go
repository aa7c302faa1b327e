// epoll-server is an echo server that serves every client from one
// goroutine locked to one OS thread: non-blocking sockets and an epoll
// event loop, the model that comes after a process or a thread per
// connection.
//
// Usage:
//
//	epoll-server <ip> <port>
//
// It listens on ip:port (port 0 picks a free port), prints
// "listening on ip:port", and echoes every byte it reads back to the
// same client. It stops on SIGTERM or SIGINT.
package main

import (
	"github.com/tcpnotebook/tcpnotebook/internal/sockarg"

	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
)

const usage = "usage: epoll-server <ip> <port>"

// usageError marks a bad command line: main exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "epoll-server: error: %v\n", err)
		// A pointer type assertion: errors.As does not see
		// interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// client is what the loop remembers about one connection: its address
// for the log and the bytes read but not yet written back.
type client struct {
	peer    string
	pending []byte
	// blocked is true while we wait for EPOLLOUT instead of EPOLLIN.
	blocked bool
}

// server is the state of the event loop.
type server struct {
	epfd    int
	lfd     int
	clients map[int]*client
	// paused is true while accept is off because we ran out of
	// descriptors (EMFILE): with level-triggered epoll the listener
	// would otherwise wake us up in a busy loop.
	paused bool
	buf    []byte
}

func run(args []string) error {
	fs := flag.NewFlagSet("epoll-server", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err == flag.ErrHelp {
		fmt.Println(usage)
		return nil
	} else if err != nil {
		return &usageError{err.Error()}
	}
	if fs.NArg() != 2 {
		return &usageError{"want 2 arguments: <ip> <port>"}
	}
	ap, err := sockarg.ParseAddr(fs.Arg(0), fs.Arg(1))
	if err != nil {
		return &usageError{err.Error()}
	}
	ip, port := ap.Addr(), int(ap.Port())

	// The whole server runs on this goroutine, and the goroutine
	// stays on one OS thread: one thread, many clients.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	lfd, err := listenNonblock(ip, port)
	if err != nil {
		return err
	}
	defer syscall.Close(lfd)

	s, err := newServer(lfd)
	if err != nil {
		return err
	}
	defer s.close()

	// A signal cannot interrupt a Go program the way it interrupts
	// a C one, so the signal is turned into a readable pipe that
	// the loop watches like any other descriptor (the self-pipe
	// trick).
	stop, err := signalPipe()
	if err != nil {
		return err
	}
	defer syscall.Close(stop)
	if err := s.watch(syscall.EPOLL_CTL_ADD, stop,
		syscall.EPOLLIN); err != nil {
		return err
	}

	addr := sockName(lfd)
	fmt.Printf("listening on %s\n", addr)
	return s.loop(stop)
}

// newServer creates the epoll instance and puts the listening socket
// in it.
func newServer(lfd int) (*server, error) {
	// Step 4: epoll_create1(2). C: epfd = epoll_create1(EPOLL_CLOEXEC)
	// The epoll instance is itself a descriptor: the kernel's list
	// of the sockets we watch.
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	s := &server{
		epfd:    epfd,
		lfd:     lfd,
		clients: make(map[int]*client),
		buf:     make([]byte, 64*1024),
	}

	// Step 5: epoll_ctl(2). C: epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev)
	// EPOLLIN on a listening socket means "accept will not block".
	err = s.watch(syscall.EPOLL_CTL_ADD, lfd, syscall.EPOLLIN)
	if err != nil {
		syscall.Close(epfd)
		return nil, err
	}
	return s, nil
}

// listenNonblock does steps 1 to 3 of every server: socket, bind,
// listen, with a non-blocking listening socket.
func listenNonblock(ip netip.Addr, port int) (int, error) {
	family := syscall.AF_INET
	var sa syscall.Sockaddr
	if ip.Is4() {
		sa = &syscall.SockaddrInet4{Port: port, Addr: ip.As4()}
	} else {
		family = syscall.AF_INET6
		sa = &syscall.SockaddrInet6{Port: port, Addr: ip.As16()}
	}

	// Step 1: socket(2).
	// C: fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)
	// SOCK_NONBLOCK makes accept return EAGAIN instead of waiting:
	// only epoll_wait may wait in this program.
	fd, err := syscall.Socket(family,
		syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|
			syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}

	// Allow a restart while old connections sit in TIME_WAIT.
	// C: setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on)
	err = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET,
		syscall.SO_REUSEADDR, 1)
	if err != nil {
		syscall.Close(fd)
		return -1, os.NewSyscallError("setsockopt", err)
	}

	// Step 2: bind(2). C: bind(fd, (struct sockaddr *)&addr, sizeof addr)
	if err := syscall.Bind(fd, sa); err != nil {
		syscall.Close(fd)
		return -1, os.NewSyscallError("bind", err)
	}

	// Step 3: listen(2). C: listen(fd, SOMAXCONN)
	// A backlog of 5, as in the source notes, makes the kernel drop
	// SYNs when a thousand clients connect at once; 4096 is capped
	// by net.core.somaxconn anyway.
	if err := syscall.Listen(fd, 4096); err != nil {
		syscall.Close(fd)
		return -1, os.NewSyscallError("listen", err)
	}
	return fd, nil
}

// signalPipe returns the read end of a pipe that becomes readable
// when SIGTERM or SIGINT arrives.
func signalPipe() (int, error) {
	var p [2]int
	// C: pipe2(p, O_NONBLOCK | O_CLOEXEC)
	err := syscall.Pipe2(p[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC)
	if err != nil {
		return -1, os.NewSyscallError("pipe2", err)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	w := p[1]
	go func() {
		<-sigs
		syscall.Write(w, []byte{1})
	}()
	return p[0], nil
}

// loop is the event loop: wait for ready descriptors, serve each one
// without blocking, repeat.
func (s *server) loop(stop int) error {
	events := make([]syscall.EpollEvent, 128)
	for {
		// Step 6: epoll_wait(2).
		// C: n = epoll_wait(epfd, events, 128, -1)
		// The only place where the program waits.
		n, err := syscall.EpollWait(s.epfd, events, -1)
		if err == syscall.EINTR {
			// epoll_wait is never restarted after a signal
			// handler, SA_RESTART or not.
			continue
		}
		if err != nil {
			return os.NewSyscallError("epoll_wait", err)
		}
		for i := 0; i < n; i++ {
			fd := int(events[i].Fd)
			ev := events[i].Events
			switch {
			case fd == stop:
				return nil
			case fd == s.lfd:
				if err := s.acceptAll(); err != nil {
					return err
				}
			default:
				s.ready(fd, ev)
			}
		}
	}
}

// acceptAll accepts every connection waiting in the backlog.
func (s *server) acceptAll() error {
	for {
		// Step 7: accept4(2).
		// C: cfd = accept4(lfd, &addr, &len, SOCK_NONBLOCK)
		// The new socket is non-blocking from the start.
		cfd, sa, err := syscall.Accept4(s.lfd,
			syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
		// (An if chain, not a switch on err: yaegi cannot switch an
		// error value against syscall.Errno constants.)
		if err == syscall.EAGAIN {
			return nil // backlog empty: back to epoll_wait
		}
		if err == syscall.EINTR || err == syscall.ECONNABORTED {
			continue
		}
		if err == syscall.EMFILE || err == syscall.ENFILE {
			// Out of descriptors: stop watching the listener
			// until a client leaves.
			fmt.Fprintln(os.Stderr,
				"epoll-server: out of descriptors,"+
					" pausing accept")
			s.paused = true
			return s.watch(syscall.EPOLL_CTL_MOD, s.lfd, 0)
		}
		if err != nil {
			return os.NewSyscallError("accept4", err)
		}
		err = s.watch(syscall.EPOLL_CTL_ADD, cfd, syscall.EPOLLIN)
		if err != nil {
			syscall.Close(cfd)
			return err
		}
		c := &client{peer: addrString(sa)}
		s.clients[cfd] = c
		fmt.Printf("client %s connected\n", c.peer)
	}
}

// ready serves a client socket that epoll reported.
func (s *server) ready(fd int, ev uint32) {
	c := s.clients[fd]
	if c == nil {
		return
	}
	// EPOLLHUP and EPOLLERR come whatever we asked for; the next
	// read or write reports what happened.
	if c.blocked || ev&syscall.EPOLLOUT != 0 {
		s.flush(fd)
	} else {
		s.echo(fd)
	}
}

// echo reads what a client sent and writes it straight back.
func (s *server) echo(fd int) {
	c := s.clients[fd]
	if c == nil {
		return
	}
	// Level-triggered: one read per wake-up is enough. If more data
	// is left in the socket, epoll_wait reports it again at once.
	// C: len = read(cfd, buf, sizeof buf)
	n, err := syscall.Read(fd, s.buf)
	if err == syscall.EAGAIN || err == syscall.EINTR {
		return
	}
	if err != nil {
		s.drop(fd, err.Error())
		return
	}
	if n == 0 {
		s.drop(fd, "closed")
		return
	}
	c.pending = append(c.pending[:0], s.buf[:n]...)
	s.flush(fd)
}

// flush writes a client's pending bytes. A short write leaves the
// rest buffered and swaps EPOLLIN for EPOLLOUT: we stop reading from
// a client that does not read its echo, which bounds the buffer.
func (s *server) flush(fd int) {
	c := s.clients[fd]
	if c == nil {
		return
	}
	for len(c.pending) > 0 {
		// C: n = write(cfd, buf, len)
		n, err := syscall.Write(fd, c.pending)
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.EAGAIN {
			// The socket's send buffer is full.
			if !c.blocked {
				c.blocked = true
				s.watch(syscall.EPOLL_CTL_MOD, fd,
					syscall.EPOLLOUT)
			}
			return
		}
		if err != nil {
			s.drop(fd, err.Error())
			return
		}
		c.pending = c.pending[n:]
	}
	c.pending = c.pending[:0]
	if c.blocked {
		c.blocked = false
		s.watch(syscall.EPOLL_CTL_MOD, fd, syscall.EPOLLIN)
	}
}

// drop forgets a client and closes its socket.
func (s *server) drop(fd int, why string) {
	c := s.clients[fd]
	delete(s.clients, fd)
	// C: epoll_ctl(epfd, EPOLL_CTL_DEL, cfd, NULL); close(cfd)
	// close alone would also remove it from the epoll set.
	syscall.EpollCtl(s.epfd, syscall.EPOLL_CTL_DEL, fd, nil)
	syscall.Close(fd)
	if c != nil {
		fmt.Printf("client %s %s\n", c.peer, why)
	}
	if s.paused {
		s.paused = false
		s.watch(syscall.EPOLL_CTL_MOD, s.lfd, syscall.EPOLLIN)
	}
}

// close closes the sockets of the clients still connected and the
// epoll instance.
func (s *server) close() {
	for fd := range s.clients {
		syscall.Close(fd)
	}
	syscall.Close(s.epfd)
}

// watch adds or changes the events epoll reports for fd.
func (s *server) watch(op, fd int, events uint32) error {
	ev := syscall.EpollEvent{Events: events, Fd: int32(fd)}
	if err := syscall.EpollCtl(s.epfd, op, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

// sockName is getsockname(2) as "ip:port".
func sockName(fd int) string {
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		return "?"
	}
	return addrString(sa)
}

// addrString formats a socket address as ip:port ([ip]:port for IPv6).
func addrString(sa syscall.Sockaddr) string {
	switch a := sa.(type) {
	case *syscall.SockaddrInet4:
		ip := netip.AddrFrom4(a.Addr)
		return net.JoinHostPort(ip.String(), strconv.Itoa(a.Port))
	case *syscall.SockaddrInet6:
		ip := netip.AddrFrom16(a.Addr)
		return net.JoinHostPort(ip.String(), strconv.Itoa(a.Port))
	}
	return "?"
}
