// epoll-modes takes epoll(7) apart on socket pairs and loopback TCP:
// the interest list and the ready list, level- against edge-triggered
// with the same peer, edge-triggered on a blocking socket, EPOLLONESHOT,
// EPOLLRDHUP, and the errors of epoll_ctl, including a closed
// descriptor that stays in the set through a dup.
//
// Usage:
//
//	epoll-modes [part]
//
// The parts are lists, modes, blocking, oneshot, rdhup, errors, or all
// (the default). Nothing goes beyond the loopback interface.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// usageError marks a bad command line: main exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

const usage = "usage: epoll-modes [lists|modes|blocking|oneshot|rdhup|errors|all]"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "epoll-modes: error: %v\n", err)
		// A pointer type assertion: errors.As does not see
		// interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var order = []string{"lists", "modes", "blocking", "oneshot", "rdhup",
	"errors"}

func run(args []string) error {
	part := "all"
	if len(args) > 1 {
		return &usageError{"want at most 1 argument: the part"}
	}
	if len(args) == 1 {
		part = args[0]
	}
	if part == "-h" || part == "-help" || part == "--help" {
		fmt.Println(usage)
		return nil
	}
	if strings.HasPrefix(part, "-") {
		return &usageError{"flag provided but not defined: " + part}
	}
	parts := map[string]func() error{
		"lists": lists, "modes": modes, "blocking": blocking,
		"oneshot": oneshot, "rdhup": rdhup, "errors": ctlErrors,
	}
	if part == "all" {
		for i, p := range order {
			if i > 0 {
				fmt.Println()
			}
			if err := parts[p](); err != nil {
				return err
			}
		}
		return nil
	}
	f, ok := parts[part]
	if !ok {
		return &usageError{fmt.Sprintf("unknown part %q (want %s or all)",
			part, strings.Join(order, ", "))}
	}
	return f()
}

// pair is a connected pair of Unix stream sockets: the program watches
// r and plays the peer on w.
type pair struct{ r, w int }

func newPair() (pair, error) {
	// C: socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv)
	p, err := syscall.Socketpair(syscall.AF_UNIX,
		syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return pair{}, os.NewSyscallError("socketpair", err)
	}
	return pair{p[0], p[1]}, nil
}

func (p pair) close() {
	syscall.Close(p.r)
	syscall.Close(p.w)
}

// ctl is epoll_ctl(2) with the descriptor itself as the event's data,
// which is what epoll_wait hands back.
func ctl(epfd, op, fd int, events uint32) error {
	ev := syscall.EpollEvent{Events: events, Fd: int32(fd)}
	return syscall.EpollCtl(epfd, op, fd, &ev)
}

// wait is one epoll_wait(2) for at most ms milliseconds, tried again
// after a signal.
func wait(epfd, ms int) ([]syscall.EpollEvent, error) {
	evs := make([]syscall.EpollEvent, 8)
	for {
		n, err := syscall.EpollWait(epfd, evs, ms)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, os.NewSyscallError("epoll_wait", err)
		}
		return evs[:n], nil
	}
}

// unread is how many bytes wait in fd's receive buffer.
// C: ioctl(fd, FIONREAD, &n)
func unread(fd int) int {
	var n int32
	syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.TIOCINQ,
		uintptr(unsafe.Pointer(&n)))
	return int(n)
}

// eventNames spells out an epoll event mask.
func eventNames(ev uint32) string {
	names := []struct {
		bit  uint32
		name string
	}{
		{syscall.EPOLLIN, "EPOLLIN"}, {syscall.EPOLLOUT, "EPOLLOUT"},
		{syscall.EPOLLERR, "EPOLLERR"}, {syscall.EPOLLHUP, "EPOLLHUP"},
		{syscall.EPOLLRDHUP, "EPOLLRDHUP"},
		{syscall.EPOLLONESHOT, "EPOLLONESHOT"},
		{1 << 31, "EPOLLET"},
	}
	var out []string
	for _, n := range names {
		if ev&n.bit != 0 {
			out = append(out, n.name)
		}
	}
	if len(out) == 0 {
		return "0"
	}
	return strings.Join(out, "|")
}

// edge is EPOLLET: in syscall it is a negative int constant.
const edge = uint32(1) << 31

// region lists
func lists() error {
	fmt.Println("== lists: the interest list and the ready list ==")
	// C: epfd = epoll_create1(EPOLL_CLOEXEC)
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return os.NewSyscallError("epoll_create1", err)
	}
	defer syscall.Close(epfd)
	var ps []pair
	defer func() {
		for _, p := range ps {
			p.close()
		}
	}()
	name := map[int32]string{}
	for i := 0; i < 3; i++ {
		p, err := newPair()
		if err != nil {
			return err
		}
		ps = append(ps, p)
		name[int32(p.r)] = string(rune('a' + i))
		// C: epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)
		if err := ctl(epfd, syscall.EPOLL_CTL_ADD, p.r,
			syscall.EPOLLIN); err != nil {
			return os.NewSyscallError("epoll_ctl", err)
		}
	}
	// The kernel shows the interest list in /proc/self/fdinfo.
	ts, err := interest(epfd)
	if err != nil {
		return err
	}
	// The kernel keeps it as a tree ordered by file address: sort
	// the names for a stable output.
	var in []string
	for _, fd := range ts {
		in = append(in, name[int32(fd)])
	}
	sort.Strings(in)
	fmt.Printf("interest list (fdinfo): %s\n", strings.Join(in, " "))

	evs, err := wait(epfd, 0)
	if err != nil {
		return err
	}
	fmt.Printf("nothing written: epoll_wait returns %d events\n", len(evs))
	syscall.Write(ps[1].w, []byte("x"))
	syscall.Write(ps[2].w, []byte("x"))
	evs, err = wait(epfd, 0)
	if err != nil {
		return err
	}
	fmt.Printf("b and c written: epoll_wait returns %d events:", len(evs))
	for _, ev := range evs {
		fmt.Printf(" %s (%s)", name[ev.Fd], eventNames(ev.Events))
	}
	fmt.Println()
	return nil
}

// endregion lists

// interest lists the target descriptors in an epoll descriptor's
// /proc/self/fdinfo file ("tfd: 5 events: 19 data: ..."), in order.
func interest(epfd int) ([]int, error) {
	b, err := os.ReadFile(filepath.Join("/proc/self/fdinfo",
		strconv.Itoa(epfd)))
	if err != nil {
		return nil, err
	}
	var fds []int
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "tfd:" {
			if fd, err := strconv.Atoi(f[1]); err == nil {
				fds = append(fds, fd)
			}
		}
	}
	return fds, nil
}

// region modes
// modes watches two sockets, one level-triggered and one
// edge-triggered, while the same peer does the same thing to both:
// it sends 10 bytes, and each wake-up reads only 4.
func modes() error {
	fmt.Println("== modes: level- and edge-triggered, same peer ==")
	for _, m := range []struct {
		name   string
		events uint32
	}{
		{"level-triggered", syscall.EPOLLIN},
		{"edge-triggered", syscall.EPOLLIN | edge},
	} {
		fmt.Printf("%s (events %s):\n", m.name, eventNames(m.events))
		if err := readInFours(m.events); err != nil {
			return err
		}
	}
	return nil
}

func readInFours(events uint32) error {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return os.NewSyscallError("epoll_create1", err)
	}
	defer syscall.Close(epfd)
	p, err := newPair()
	if err != nil {
		return err
	}
	defer p.close()
	if err := ctl(epfd, syscall.EPOLL_CTL_ADD, p.r, events); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	syscall.Write(p.w, []byte("0123456789"))
	fmt.Println("  peer sends 10 bytes")
	buf := make([]byte, 4)
	more := false
	for turn := 0; turn < 6; turn++ {
		// 100 ms is long enough to say "nothing came".
		evs, err := wait(epfd, 100)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			left := unread(p.r)
			fmt.Printf("  epoll_wait: nothing after 100 ms, %d bytes "+
				"unread\n", left)
			if more || left == 0 {
				return nil
			}
			// The peer sends one more byte: a new edge.
			syscall.Write(p.w, []byte("!"))
			fmt.Println("  peer sends 1 more byte")
			more = true
			continue
		}
		n, _ := syscall.Read(p.r, buf)
		fmt.Printf("  epoll_wait: ready; read %d bytes %q, %d left\n",
			n, buf[:n], unread(p.r))
	}
	return nil
}

// endregion modes

// region blocking
// blocking drains an edge-triggered socket until EAGAIN, as edge mode
// requires, once on a non-blocking socket and once on a blocking one.
// On the blocking socket the last read, which should say "empty",
// waits for data instead: SO_RCVTIMEO limits that wait to 300 ms here;
// without it the loop, and the whole server, would wait for ever.
func blocking() error {
	fmt.Println("== blocking: draining an edge-triggered socket ==")
	for _, nonblock := range []bool{true, false} {
		p, err := newPair()
		if err != nil {
			return err
		}
		if err := syscall.SetNonblock(p.r, nonblock); err != nil {
			p.close()
			return os.NewSyscallError("fcntl", err)
		}
		tv := syscall.Timeval{Usec: 300000}
		err = syscall.SetsockoptTimeval(p.r, syscall.SOL_SOCKET,
			syscall.SO_RCVTIMEO, &tv)
		if err != nil {
			p.close()
			return os.NewSyscallError("setsockopt", err)
		}
		fmt.Printf("non-blocking: %v\n", nonblock)
		syscall.Write(p.w, []byte("0123456789"))
		if err := awaitEdge(p.r); err != nil {
			p.close()
			return err
		}
		fmt.Println("  epoll_wait (EPOLLIN|EPOLLET): ready; drain it")
		buf := make([]byte, 4)
		for i := 1; i <= 5; i++ {
			start := time.Now()
			n, err := syscall.Read(p.r, buf)
			took := time.Since(start)
			if err != nil {
				fmt.Printf("  read %d: %v, %s\n", i,
					errName(err), roughly(took))
				break
			}
			fmt.Printf("  read %d: %d bytes\n", i, n)
		}
		p.close()
	}
	return nil
}

// awaitEdge registers fd edge-triggered and waits for it.
func awaitEdge(fd int) error {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return os.NewSyscallError("epoll_create1", err)
	}
	defer syscall.Close(epfd)
	if err := ctl(epfd, syscall.EPOLL_CTL_ADD, fd,
		syscall.EPOLLIN|edge); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	evs, err := wait(epfd, 2000)
	if err != nil {
		return err
	}
	if len(evs) == 0 {
		return fmt.Errorf("no event within 2 s")
	}
	return nil
}

// roughly says whether a read returned at once or waited out the
// 300 ms receive timeout; finer times depend on the machine's load.
func roughly(d time.Duration) string {
	if d < 150*time.Millisecond {
		return "at once"
	}
	return "300 ms: it blocked until SO_RCVTIMEO"
}

// endregion blocking

// region oneshot
func oneshot() error {
	fmt.Println("== oneshot: one event, then nothing until re-armed ==")
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return os.NewSyscallError("epoll_create1", err)
	}
	defer syscall.Close(epfd)
	p, err := newPair()
	if err != nil {
		return err
	}
	defer p.close()
	ev := uint32(syscall.EPOLLIN | syscall.EPOLLONESHOT)
	if err := ctl(epfd, syscall.EPOLL_CTL_ADD, p.r, ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	count := func(what string) error {
		evs, err := wait(epfd, 0)
		if err != nil {
			return err
		}
		fmt.Printf("%-34s %d event(s)\n", what+":", len(evs))
		return nil
	}
	syscall.Write(p.w, []byte("x"))
	if err := count("data arrives"); err != nil {
		return err
	}
	if err := count("asked again, data still there"); err != nil {
		return err
	}
	syscall.Write(p.w, []byte("y"))
	if err := count("more data arrives"); err != nil {
		return err
	}
	// C: epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev): re-arm.
	if err := ctl(epfd, syscall.EPOLL_CTL_MOD, p.r, ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return count("after EPOLL_CTL_MOD")
}

// endregion oneshot

// region rdhup
func rdhup() error {
	fmt.Println("== rdhup: the peer's FIN without a read ==")
	c, s, err := tcpPair()
	if err != nil {
		return err
	}
	defer syscall.Close(c)
	defer syscall.Close(s)
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return os.NewSyscallError("epoll_create1", err)
	}
	defer syscall.Close(epfd)
	ev := uint32(syscall.EPOLLIN | syscall.EPOLLRDHUP)
	if err := ctl(epfd, syscall.EPOLL_CTL_ADD, s, ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	show := func(what string) error {
		evs, err := wait(epfd, 2000)
		if err != nil {
			return err
		}
		got := "nothing"
		if len(evs) > 0 {
			got = eventNames(evs[0].Events)
		}
		fmt.Printf("%-30s %s\n", what+":", got)
		return nil
	}
	syscall.Write(c, []byte("data"))
	if err := show("peer sends 4 bytes"); err != nil {
		return err
	}
	// Read them, so that only the FIN can wake the next wait.
	if _, err := syscall.Read(s, make([]byte, 4)); err != nil {
		return os.NewSyscallError("read", err)
	}
	// C: shutdown(c, SHUT_WR): the peer sends its FIN.
	if err := syscall.Shutdown(c, syscall.SHUT_WR); err != nil {
		return os.NewSyscallError("shutdown", err)
	}
	if err := show("peer shuts down writing"); err != nil {
		return err
	}
	if err := syscall.Shutdown(s, syscall.SHUT_WR); err != nil {
		return os.NewSyscallError("shutdown", err)
	}
	return show("we shut down writing too")
}

// endregion rdhup

// region errors
func ctlErrors() error {
	fmt.Println("== errors: what epoll_ctl refuses ==")
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return os.NewSyscallError("epoll_create1", err)
	}
	defer syscall.Close(epfd)
	p, err := newPair()
	if err != nil {
		return err
	}
	defer p.close()
	try := func(what string, err error) {
		fmt.Printf("%-40s %v\n", what+":", errName(err))
	}
	try("ADD a", ctl(epfd, syscall.EPOLL_CTL_ADD, p.r, syscall.EPOLLIN))
	try("ADD a again", ctl(epfd, syscall.EPOLL_CTL_ADD, p.r, syscall.EPOLLIN))
	try("MOD b, never added", ctl(epfd, syscall.EPOLL_CTL_MOD, p.w,
		syscall.EPOLLIN))
	try("DEL b, never added", ctl(epfd, syscall.EPOLL_CTL_DEL, p.w, 0))
	try("ADD the epoll descriptor to itself", ctl(epfd,
		syscall.EPOLL_CTL_ADD, epfd, syscall.EPOLLIN))
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return err
	}
	try("ADD a regular file", ctl(epfd, syscall.EPOLL_CTL_ADD,
		int(f.Fd()), syscall.EPOLLIN))
	f.Close()

	// An epoll registration belongs to the open file description
	// and the descriptor number together. Close a after dup'ing it,
	// and the description lives on in the copy: epoll keeps
	// reporting it under the number a, which is closed.
	fmt.Println("a dup'ed, then a closed:")
	// C: a2 = dup(a); close(a)
	a2, err := syscall.Dup(p.r)
	if err != nil {
		return os.NewSyscallError("dup", err)
	}
	a := p.r
	syscall.Close(a)
	p.r = a2 // p.close closes the copy
	syscall.Write(p.w, []byte("x"))
	evs, err := wait(epfd, 0)
	if err != nil {
		return err
	}
	for _, ev := range evs {
		fmt.Printf("  epoll_wait reports descriptor a (closed): %v\n",
			int(ev.Fd) == a)
	}
	try("  DEL a", ctl(epfd, syscall.EPOLL_CTL_DEL, a, 0))
	try("  DEL the copy", ctl(epfd, syscall.EPOLL_CTL_DEL, a2, 0))
	// Closing the last descriptor of the description removes it.
	syscall.Close(a2)
	p.r = -1
	evs, err = wait(epfd, 0)
	if err != nil {
		return err
	}
	fmt.Printf("  the copy closed too: %d events\n", len(evs))
	return nil
}

// endregion errors

// errName prints an errno by its C name, and what it means.
func errName(err error) string {
	if err == nil {
		return "ok"
	}
	names := map[syscall.Errno]string{
		syscall.EEXIST: "EEXIST", syscall.ENOENT: "ENOENT",
		syscall.EINVAL: "EINVAL", syscall.EPERM: "EPERM",
		syscall.EBADF: "EBADF", syscall.EAGAIN: "EAGAIN",
	}
	if e, ok := err.(syscall.Errno); ok {
		if n, ok := names[e]; ok {
			return n + " (" + e.Error() + ")"
		}
	}
	return err.Error()
}

// tcpPair makes a loopback TCP connection: a client and the server's
// accepted socket (the listener is closed again).
func tcpPair() (int, int, error) {
	l, err := syscall.Socket(syscall.AF_INET,
		syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, 0, os.NewSyscallError("socket", err)
	}
	defer syscall.Close(l)
	lo := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Bind(l, lo); err != nil {
		return 0, 0, os.NewSyscallError("bind", err)
	}
	if err := syscall.Listen(l, 1); err != nil {
		return 0, 0, os.NewSyscallError("listen", err)
	}
	sa, err := syscall.Getsockname(l)
	if err != nil {
		return 0, 0, os.NewSyscallError("getsockname", err)
	}
	c, err := syscall.Socket(syscall.AF_INET,
		syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, 0, os.NewSyscallError("socket", err)
	}
	if err := syscall.Connect(c, sa); err != nil {
		syscall.Close(c)
		return 0, 0, os.NewSyscallError("connect", err)
	}
	s, _, err := syscall.Accept4(l, syscall.SOCK_CLOEXEC)
	if err != nil {
		syscall.Close(c)
		return 0, 0, os.NewSyscallError("accept", err)
	}
	return c, s, nil
}
