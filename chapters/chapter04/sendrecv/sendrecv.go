// sendrecv shows what the flags of recv(2) and send(2) change, one
// loopback TCP connection per scenario, with the raw syscall API.
//
// Usage:
//
//	sendrecv [peek | waitall | dontwait | nosignal | all]
//
// peek      MSG_PEEK: read the queued bytes and leave them queued
// waitall   MSG_WAITALL: wait until the whole buffer is filled
// dontwait  MSG_DONTWAIT: this one call does not block
// nosignal  MSG_NOSIGNAL: EPIPE instead of the SIGPIPE that kills
//
// all (the default) plays the four in turn.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "sendrecv: error: %v\n", err)
		// yaegi: a pointer type assertion, not errors.As, finds a
		// type declared in the interpreted program.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

const usage = "usage: sendrecv [peek | waitall | dontwait | nosignal | all]"

func run(args []string) error {
	if len(args) == 2 && args[0] == "child" {
		return child(args[1])
	}
	name := "all"
	if len(args) > 1 {
		return &usageError{usage}
	}
	if len(args) == 1 {
		name = args[0]
	}
	if name == "-h" || name == "-help" {
		fmt.Println(usage)
		return nil
	}
	plays := map[string]func() error{"peek": peek, "waitall": waitAll,
		"dontwait": dontWait, "nosignal": noSignal}
	order := []string{"peek", "waitall", "dontwait", "nosignal"}
	if name != "all" {
		if plays[name] == nil {
			return &usageError{fmt.Sprintf("unknown scenario %q "+
				"(want %s or all)", name, strings.Join(order, ", "))}
		}
		order = []string{name}
	}
	for i, n := range order {
		if i > 0 {
			fmt.Println()
		}
		if err := plays[n](); err != nil {
			return err
		}
	}
	return nil
}

// pair returns the two ends of a new loopback TCP connection, made
// with the calls of sections 5 and 6: socket, bind, listen, connect,
// accept.
func pair() (int, int, error) {
	lfd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, -1, os.NewSyscallError("socket", err)
	}
	defer syscall.Close(lfd)
	lo := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Bind(lfd, lo); err != nil {
		return -1, -1, os.NewSyscallError("bind", err)
	}
	if err := syscall.Listen(lfd, 1); err != nil {
		return -1, -1, os.NewSyscallError("listen", err)
	}
	sa, err := syscall.Getsockname(lfd)
	if err != nil {
		return -1, -1, os.NewSyscallError("getsockname", err)
	}
	cfd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, -1, os.NewSyscallError("socket", err)
	}
	if err := syscall.Connect(cfd, sa); err != nil {
		syscall.Close(cfd)
		return -1, -1, os.NewSyscallError("connect", err)
	}
	sfd, _, err := syscall.Accept(lfd)
	if err != nil {
		syscall.Close(cfd)
		return -1, -1, os.NewSyscallError("accept", err)
	}
	return cfd, sfd, nil
}

// recv is recv(2): Recvfrom without the address, EINTR retried.
func recv(fd int, buf []byte, flags int) (int, error) {
	for {
		n, _, err := syscall.Recvfrom(fd, buf, flags)
		if err != syscall.EINTR {
			return n, err
		}
	}
}

// send is send(2), which returns how much it took: SendmsgN with no
// address and no ancillary data.
func send(fd int, b []byte, flags int) (int, error) {
	return syscall.SendmsgN(fd, b, nil, nil, flags)
}

// result prints a call and what it returned.
func result(call string, buf []byte, n int, err error) {
	if err != nil {
		fmt.Printf("  %-40s -> %s\n", call, errnoName(err))
		return
	}
	fmt.Printf("  %-40s -> %d %q\n", call, n, buf[:n])
}

// errnoName is "EAGAIN (resource temporarily unavailable)".
func errnoName(err error) string {
	names := map[syscall.Errno]string{
		syscall.EAGAIN: "EAGAIN", syscall.EPIPE: "EPIPE",
		syscall.ECONNRESET: "ECONNRESET",
	}
	var e syscall.Errno
	if errors.As(err, &e) && names[e] != "" {
		return names[e] + " (" + e.Error() + ")"
	}
	return err.Error()
}

// region peek
func peek() error {
	fmt.Println("== MSG_PEEK: look at the queue without taking ==")
	c, s, err := pair()
	if err != nil {
		return err
	}
	defer syscall.Close(c)
	defer syscall.Close(s)
	if _, err := send(c, []byte("hello\n"), 0); err != nil {
		return os.NewSyscallError("send", err)
	}
	fmt.Println("the client sends \"hello\\n\"")
	buf := make([]byte, 64)
	// C: recv(fd, buf, sizeof buf, MSG_PEEK): blocks until data is
	// there, copies it, and leaves it in the queue.
	n, err := recv(s, buf, syscall.MSG_PEEK)
	result("recv(fd, buf, 64, MSG_PEEK)", buf, n, err)
	n, err = recv(s, buf, syscall.MSG_PEEK)
	result("recv(fd, buf, 64, MSG_PEEK)", buf, n, err)
	n, err = recv(s, buf, 0)
	result("recv(fd, buf, 64, 0)", buf, n, err)
	n, err = recv(s, buf, syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	result("recv(fd, buf, 64, MSG_PEEK|MSG_DONTWAIT)", buf, n, err)
	return nil
}

// endregion peek

// region waitall
func waitAll() error {
	fmt.Println("== MSG_WAITALL: wait until the buffer is full ==")
	c, s, err := pair()
	if err != nil {
		return err
	}
	defer syscall.Close(c)
	defer syscall.Close(s)
	buf := make([]byte, 8)
	fmt.Println("the client sends \"abc\"; then, once recv has " +
		"returned, \"defgh\"")
	send(c, []byte("abc"), 0)
	n, err := recv(s, buf, 0)
	result("recv(fd, buf, 8, 0)", buf, n, err)
	send(c, []byte("defgh"), 0)
	n, err = recv(s, buf, 0)
	result("recv(fd, buf, 8, 0)", buf, n, err)

	fmt.Println("the client sends \"abc\", and \"defgh\" 50 ms later")
	send(c, []byte("abc"), 0)
	done := make(chan struct{})
	go func() {
		defer close(done)
		// A pause to make the point, not to synchronise: the
		// result below is the same however long it is.
		time.Sleep(50 * time.Millisecond)
		send(c, []byte("defgh"), 0)
	}()
	// C: recv(fd, buf, 8, MSG_WAITALL): returns when 8 bytes are
	// in, or at end of stream, an error or a signal.
	n, err = recv(s, buf, syscall.MSG_WAITALL)
	<-done
	result("recv(fd, buf, 8, MSG_WAITALL)", buf, n, err)

	fmt.Println("the client sends \"xyz\" and closes")
	send(c, []byte("xyz"), 0)
	syscall.Close(c)
	n, err = recv(s, buf, syscall.MSG_WAITALL)
	result("recv(fd, buf, 8, MSG_WAITALL)", buf, n, err)
	n, err = recv(s, buf, syscall.MSG_WAITALL)
	result("recv(fd, buf, 8, MSG_WAITALL)", buf, n, err)
	return nil
}

// endregion waitall

// region dontwait
func dontWait() error {
	fmt.Println("== MSG_DONTWAIT: this call only, do not block ==")
	c, s, err := pair()
	if err != nil {
		return err
	}
	defer syscall.Close(c)
	defer syscall.Close(s)
	fl, err := fcntlFlags(s)
	if err != nil {
		return err
	}
	fmt.Printf("the socket is blocking: O_NONBLOCK is %v\n",
		fl&syscall.O_NONBLOCK != 0)
	buf := make([]byte, 64)
	n, err := recv(s, buf, syscall.MSG_DONTWAIT)
	result("recv(fd, buf, 64, MSG_DONTWAIT)", buf, n, err)

	// The peer never reads: send until both buffers are full. Small
	// buffers make it quick; the loop is bounded anyway.
	syscall.SetsockoptInt(c, syscall.SOL_SOCKET, syscall.SO_SNDBUF, 4096)
	syscall.SetsockoptInt(s, syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
	chunk := make([]byte, 1024)
	total, calls := 0, 0
	for ; calls < 10000; calls++ {
		n, err = send(c, chunk, syscall.MSG_DONTWAIT)
		if err != nil {
			break
		}
		total += n
	}
	if err != syscall.EAGAIN {
		return fmt.Errorf("send: want EAGAIN, got %v after %d calls",
			err, calls)
	}
	fmt.Printf("  send(fd, 1 KiB, MSG_DONTWAIT), over and over, "+
		"the peer reading nothing\n  %-40s -> %s\n", "",
		errnoName(err))
	fl, _ = fcntlFlags(c)
	fmt.Printf("the sockets are still blocking: O_NONBLOCK is %v\n",
		fl&syscall.O_NONBLOCK != 0)
	return nil
}

// fcntlFlags is fcntl(fd, F_GETFL).
func fcntlFlags(fd int) (int, error) {
	r, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd),
		syscall.F_GETFL, 0)
	if e != 0 {
		return 0, os.NewSyscallError("fcntl", e)
	}
	return int(r), nil
}

// endregion dontwait

// region nosignal
// noSignal runs each case in a child process: a SIGPIPE kills the
// whole process, and this one must go on to tell what happened.
func noSignal() error {
	fmt.Println("== MSG_NOSIGNAL: EPIPE instead of death by SIGPIPE ==")
	fmt.Println("in a child with SIGPIPE at its default action " +
		"(terminate), the peer resets, then:")
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	for _, mode := range []string{"plain", "nosignal", "go"} {
		cmd := exec.Command(exe, "child", mode)
		out, err := cmd.Output()
		fmt.Print(string(out))
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			ws := ee.Sys().(syscall.WaitStatus)
			if ws.Signaled() {
				// The child's line ends here: the call never
				// returned.
				fmt.Printf("killed by signal %d (%v)\n",
					int(ws.Signal()), ws.Signal())
				continue
			}
		}
		if err != nil {
			return fmt.Errorf("child %s: %w", mode, err)
		}
		fmt.Println("  the child went on and exited normally")
	}
	return nil
}

// child makes a connection, has the peer reset it, and sends.
func child(mode string) error {
	if mode != "go" {
		// The Go runtime catches SIGPIPE and, for a socket, drops
		// it. Put back the default action (terminate) with the raw
		// rt_sigaction(2), as a C program has it: an all-zero
		// struct sigaction is SIG_DFL, no flags, empty mask.
		// C: signal(SIGPIPE, SIG_DFL)
		var act [4]uint64
		_, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION,
			uintptr(syscall.SIGPIPE),
			uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0)
		if e != 0 {
			return os.NewSyscallError("rt_sigaction", e)
		}
	} else {
		fmt.Println("in a child that leaves SIGPIPE to the Go " +
			"runtime:")
	}
	c, s, err := pair()
	if err != nil {
		return err
	}
	defer syscall.Close(c)
	// The peer resets: SO_LINGER {1, 0} and close (20-abortive-close).
	err = syscall.SetsockoptLinger(s, syscall.SOL_SOCKET,
		syscall.SO_LINGER, &syscall.Linger{Onoff: 1, Linger: 0})
	if err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	syscall.Close(s)
	// Wait (at most 5 s) for the RST: SO_ERROR reports it, once.
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, err := syscall.GetsockoptInt(c, syscall.SOL_SOCKET,
			syscall.SO_ERROR)
		if err != nil {
			return os.NewSyscallError("getsockopt", err)
		}
		if v != 0 {
			break
		}
		if time.Now().After(deadline) {
			return errors.New("no reset within 5 s")
		}
		time.Sleep(time.Millisecond)
	}
	flags, call := 0, "send(fd, \"x\", 1, 0)"
	if mode == "nosignal" {
		flags, call = syscall.MSG_NOSIGNAL,
			"send(fd, \"x\", 1, MSG_NOSIGNAL)"
	}
	// Standard output is a pipe: write the line before the call
	// that may end the process.
	fmt.Printf("  %-40s -> ", call)
	_, err = send(c, []byte("x"), flags)
	fmt.Println(errnoName(err))
	return nil
}

// endregion nosignal
