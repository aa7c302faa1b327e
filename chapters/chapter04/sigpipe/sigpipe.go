// Sigpipe shows what SIGPIPE does to a process that writes to a
// connection its peer has closed: the first write succeeds and the
// peer's kernel answers it with a reset (RST); the second write fails
// with EPIPE, and the kernel sends the writer SIGPIPE, whose default
// action kills it. Each case runs in a child process that inherits the
// connection as fd 3 and chooses how SIGPIPE is handled first.
//
// Usage:
//
//	sigpipe [case]
//
// The cases: default (SIG_DFL), ignore (SIG_IGN), nosignal (send(2)
// with MSG_NOSIGNAL), go (Go's own handler, a write on fd 3), stdout
// (Go's own handler, a write to standard output), and shut-wr (a write
// after the writer's own shutdown(SHUT_WR), at SIG_DFL). Without an
// argument it plays all of them but the last.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
	"unsafe"
)

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "sigpipe: error: %v\n", err)
		// yaegi: a pointer type assertion, not errors.As, finds a
		// type declared in the interpreted program.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// The cases, in the order they are shown, with what they print.
var cases = []struct{ mode, title string }{
	{"default", "SIGPIPE at its default action (SIG_DFL), write(2):"},
	{"ignore", "SIGPIPE ignored (SIG_IGN), write(2):"},
	{"nosignal", "SIGPIPE at SIG_DFL, send(2) with MSG_NOSIGNAL:"},
	{"go", "Go's own handler, syscall.Write on fd 3:"},
	{"stdout", "Go's own handler, os.Stdout.Write with the socket as fd 1:"},
	{"shut-wr", "SIG_DFL, write(2) after the child's own shutdown(SHUT_WR):"},
}

func run(args []string) error {
	if len(args) == 2 && args[0] == "child" {
		return child(args[1])
	}
	if len(args) > 1 {
		return &usageError{"usage: sigpipe [case]"}
	}
	todo := cases[:len(cases)-1]
	if len(args) == 1 {
		todo = nil
		for _, c := range cases {
			if c.mode == args[0] {
				todo = append(todo, c)
			}
		}
		if todo == nil {
			return &usageError{fmt.Sprintf("unknown case %q", args[0])}
		}
	}
	if len(args) == 0 {
		fmt.Println("== a child writes twice to a connection its peer has closed ==")
	}
	for _, c := range todo {
		fmt.Println(c.title)
		if err := parent(c.mode); err != nil {
			return err
		}
	}
	return nil
}

// region parent
// parent makes a connection, closes the server's end (a FIN reaches
// the client), and lets a child write on the client's end.
func parent(mode string) error {
	cfd, err := closedPeer()
	if err != nil {
		return err
	}
	conn := os.NewFile(uintptr(cfd), "connection")
	defer conn.Close()

	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, "child", mode)
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	cmd.ExtraFiles = []*os.File{conn} // the child's fd 3
	err = cmd.Run()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok {
		return fmt.Errorf("child: %v", err)
	}
	// C: waitpid(pid, &status, 0); WIFSIGNALED(status), WTERMSIG(status)
	if ws.Signaled() {
		fmt.Printf("  parent: child killed by signal %d (%v)\n",
			int(ws.Signal()), ws.Signal())
		return nil
	}
	fmt.Printf("  parent: child exited with status %d\n", ws.ExitStatus())
	return nil
}

// endregion parent

// region child
// child sets SIGPIPE's disposition as mode says and writes twice.
func child(mode string) error {
	const fd = 3
	switch mode {
	case "default", "nosignal":
		// C: signal(SIGPIPE, SIG_DFL). Go's runtime has its own
		// handler; this puts the kernel's default action back.
		if err := sigaction(syscall.SIGPIPE, sigDFL); err != nil {
			return err
		}
	case "ignore":
		// C: signal(SIGPIPE, SIG_IGN)
		if err := sigaction(syscall.SIGPIPE, sigIGN); err != nil {
			return err
		}
	case "go":
	case "shut-wr":
		if err := sigaction(syscall.SIGPIPE, sigDFL); err != nil {
			return err
		}
		// C: shutdown(3, SHUT_WR). The child's sending side ends.
		if err := syscall.Shutdown(fd, syscall.SHUT_WR); err != nil {
			return os.NewSyscallError("shutdown", err)
		}
		fmt.Println("  child: shutdown(SHUT_WR): ok")
		// C: write(3, "x", 1): EPIPE, and SIGPIPE kills the child.
		_, err := syscall.Write(fd, []byte("x"))
		fmt.Printf("  child: write: %v\n", err)
		return nil
	case "stdout":
		// The child's own lines go to a copy of its standard
		// output, made before the socket takes fd 1 over.
		ofd, err := syscall.Dup(1)
		if err != nil {
			return os.NewSyscallError("dup", err)
		}
		out := os.NewFile(uintptr(ofd), "stdout")
		defer out.Close()
		// C: dup2(3, 1). The socket becomes standard output.
		if err := syscall.Dup3(fd, 1, 0); err != nil {
			return os.NewSyscallError("dup3", err)
		}
		if _, err := os.Stdout.Write([]byte("x")); err != nil {
			return err
		}
		fmt.Fprintln(out, "  child: write 1: ok, the peer answers with RST")
		if err := waitReset(fd); err != nil {
			return err
		}
		// Go's runtime turns EPIPE on fd 1 or 2 into SIGPIPE at
		// its default action: the child dies here.
		_, err = os.Stdout.Write([]byte("y"))
		fmt.Fprintf(out, "  child: write 2: %v\n", err)
		return nil
	default:
		return &usageError{fmt.Sprintf("unknown child mode %q", mode)}
	}
	call := "write"
	if mode == "nosignal" {
		call = "send"
	}
	write := func(b []byte) error {
		if mode == "nosignal" {
			// C: send(fd, buf, len, MSG_NOSIGNAL)
			return syscall.Sendto(fd, b, syscall.MSG_NOSIGNAL, nil)
		}
		// C: write(fd, buf, len)
		_, err := syscall.Write(fd, b)
		return err
	}
	if err := write([]byte("x")); err != nil {
		return os.NewSyscallError("write", err)
	}
	fmt.Printf("  child: %s 1: ok, the peer answers with RST\n", call)
	if err := waitReset(fd); err != nil {
		return err
	}
	err := write([]byte("y"))
	if err == syscall.EPIPE {
		fmt.Printf("  child: %s 2: broken pipe (EPIPE), "+
			"and the child goes on\n", call)
		return nil
	}
	fmt.Printf("  child: %s 2: %v\n", call, err)
	return nil
}

// endregion child

const (
	sigDFL = 0 // SIG_DFL
	sigIGN = 1 // SIG_IGN
)

// sigaction sets a signal's disposition to SIG_DFL or SIG_IGN with
// the raw rt_sigaction(2); the syscall package has no wrapper for it.
// C: struct sigaction sa = { .sa_handler = SIG_DFL };
//
//	sigaction(SIGPIPE, &sa, NULL)
func sigaction(sig syscall.Signal, handler uintptr) error {
	// The kernel's struct sigaction: handler, flags, restorer, mask.
	act := [4]uint64{uint64(handler), 0, 0, 0}
	_, _, e := syscall.Syscall6(syscall.SYS_RT_SIGACTION, uintptr(sig),
		uintptr(unsafe.Pointer(&act[0])), 0, 8, 0, 0)
	if e != 0 {
		return os.NewSyscallError("rt_sigaction", e)
	}
	return nil
}

// waitReset waits (at most five seconds) until the peer's RST has
// closed the socket: its state, read from TCP_INFO, becomes CLOSE.
func waitReset(fd int) error {
	for i := 0; i < 5000; i++ {
		var ti syscall.TCPInfo
		n := uint32(unsafe.Sizeof(ti))
		_, _, e := syscall.Syscall6(syscall.SYS_GETSOCKOPT, uintptr(fd),
			syscall.IPPROTO_TCP, syscall.TCP_INFO,
			uintptr(unsafe.Pointer(&ti)), uintptr(unsafe.Pointer(&n)), 0)
		if e != 0 {
			return os.NewSyscallError("getsockopt", e)
		}
		if ti.State == 7 { // TCP_CLOSE
			return nil
		}
		time.Sleep(time.Millisecond)
	}
	return fmt.Errorf("no RST from the peer within 5s")
}

// closedPeer connects a client to a server on loopback, closes the
// server's end and the listener, and returns the client's descriptor
// once the server's FIN has arrived (the client is in CLOSE_WAIT).
func closedPeer() (int, error) {
	lfd, err := syscall.Socket(syscall.AF_INET,
		syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	defer syscall.Close(lfd)
	loop := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Bind(lfd, loop); err != nil {
		return -1, os.NewSyscallError("bind", err)
	}
	if err := syscall.Listen(lfd, 1); err != nil {
		return -1, os.NewSyscallError("listen", err)
	}
	sa, err := syscall.Getsockname(lfd)
	if err != nil {
		return -1, os.NewSyscallError("getsockname", err)
	}
	cfd, err := syscall.Socket(syscall.AF_INET,
		syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if err := syscall.Connect(cfd, sa); err != nil {
		syscall.Close(cfd)
		return -1, os.NewSyscallError("connect", err)
	}
	sfd, _, err := syscall.Accept4(lfd, syscall.SOCK_CLOEXEC)
	if err != nil {
		syscall.Close(cfd)
		return -1, os.NewSyscallError("accept", err)
	}
	// The server closes with nothing unread: a FIN, not a reset.
	syscall.Close(sfd)
	for i := 0; i < 5000; i++ {
		var ti syscall.TCPInfo
		n := uint32(unsafe.Sizeof(ti))
		syscall.Syscall6(syscall.SYS_GETSOCKOPT, uintptr(cfd),
			syscall.IPPROTO_TCP, syscall.TCP_INFO,
			uintptr(unsafe.Pointer(&ti)), uintptr(unsafe.Pointer(&n)), 0)
		if ti.State == 8 { // TCP_CLOSE_WAIT
			return cfd, nil
		}
		time.Sleep(time.Millisecond)
	}
	syscall.Close(cfd)
	return -1, fmt.Errorf("the server's FIN did not arrive within 5s")
}
