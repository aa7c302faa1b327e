// linger closes one loopback connection two ways and shows what each
// puts on the wire and what the peer sees: an orderly close(2), which
// sends FIN, and an abortive one, SO_LINGER with a zero timeout, which
// sends RST.
//
// Usage:
//
//	linger [fin | rst | all]
//
// The segments that open and close the connection (SYN, FIN, RST) are
// captured on lo with a packet socket, which needs CAP_NET_RAW (root);
// without it linger says so and shows the rest.
package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
	"unsafe"

	"github.com/tcpnotebook/tcpnotebook/chapters/chapter04/tcphdr"
	"github.com/tcpnotebook/tcpnotebook/internal/procnet"
)

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "linger: error: %v\n", err)
		// yaegi: a pointer type assertion, not errors.As, finds a
		// type declared in the interpreted program.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

const usage = "usage: linger [fin | rst | all]"

func run(args []string) error {
	name := "all"
	if len(args) > 1 {
		return &usageError{usage}
	}
	if len(args) == 1 {
		name = args[0]
	}
	switch name {
	case "-h", "-help":
		fmt.Println(usage)
		return nil
	case "fin":
		return play(false)
	case "rst":
		return play(true)
	case "all":
		if err := play(false); err != nil {
			return err
		}
		fmt.Println()
		return play(true)
	}
	return &usageError{fmt.Sprintf("unknown scenario %q "+
		"(want fin, rst or all)", name)}
}

// region abort
// abortiveClose is close(2) after SO_LINGER {on, 0 s}: the kernel
// throws away whatever is not sent yet, sends RST, and frees the
// socket at once, with no FIN_WAIT and no TIME_WAIT.
func abortiveClose(fd int) error {
	// C: struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	//    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	lg := &syscall.Linger{Onoff: 1, Linger: 0}
	err := syscall.SetsockoptLinger(fd, syscall.SOL_SOCKET,
		syscall.SO_LINGER, lg)
	if err != nil {
		syscall.Close(fd)
		return os.NewSyscallError("setsockopt", err)
	}
	// C: close(fd)
	return syscall.Close(fd)
}

// endregion abort

// play makes a connection, sends "ping\n" and lets the server close,
// orderly or abortively; then the client looks.
func play(abort bool) error {
	if abort {
		fmt.Println("== SO_LINGER {1, 0}, then close(): RST ==")
	} else {
		fmt.Println("== close(): FIN ==")
	}
	lfd, port, err := listen()
	if err != nil {
		return err
	}
	defer syscall.Close(lfd)

	// The capture starts before the first SYN.
	capfd, err := tcphdr.OpenLoopback(uint16(port))
	captured := make(chan []string, 1)
	if err != nil {
		if !errors.Is(err, syscall.EPERM) {
			return err
		}
		capfd = -1
		captured <- nil
	} else {
		defer syscall.Close(capfd)
		go func() { captured <- capture(capfd, port, abort) }()
	}

	c, s, err := connect(lfd, port)
	if err != nil {
		return err
	}
	defer syscall.Close(c)
	if _, err := syscall.Write(c, []byte("ping\n")); err != nil {
		return os.NewSyscallError("write", err)
	}
	buf := make([]byte, 64)
	if _, err := syscall.Read(s, buf); err != nil {
		return os.NewSyscallError("read", err)
	}

	// region peer
	if abort {
		fmt.Println("server: setsockopt(SO_LINGER, {1, 0}); close()")
		if err := abortiveClose(s); err != nil {
			return err
		}
	} else {
		fmt.Println("server: close()")
		syscall.Close(s)
	}
	// Wait for the kernel to take in the FIN or the RST.
	want := tcpCloseWait
	if abort {
		want = tcpClose
	}
	if err := waitState(c, want); err != nil {
		return err
	}
	// What the client's calls return now, in order.
	n, err := syscall.Read(c, buf)
	fmt.Printf("client: read()  -> %s\n", outcome(n, err))
	n, err = syscall.Read(c, buf)
	fmt.Printf("client: read()  -> %s\n", outcome(n, err))
	if abort {
		// Go's runtime turns SIGPIPE into EPIPE (18-send-recv).
		n, err = syscall.Write(c, []byte("more\n"))
		fmt.Printf("client: write() -> %s\n", outcome(n, err))
	} else {
		// The client closes too; the server, which closed first,
		// is left in TIME_WAIT.
		fmt.Println("client: close()")
		syscall.Close(c)
		if err := waitTimeWait(port); err != nil {
			return err
		}
	}
	// endregion peer

	if lines := <-captured; lines == nil {
		fmt.Println("wire: not captured (a packet socket needs " +
			"CAP_NET_RAW)")
	} else {
		fmt.Println("wire (SYN, FIN and RST segments, captured on lo):")
		for _, l := range lines {
			fmt.Println("  " + l)
		}
	}
	return table(port)
}

// outcome is "5 bytes", "0 (end of file)" or "ECONNRESET (...)".
func outcome(n int, err error) string {
	if err != nil {
		var e syscall.Errno
		if errors.As(err, &e) {
			names := map[syscall.Errno]string{
				syscall.ECONNRESET: "ECONNRESET",
				syscall.EPIPE:      "EPIPE",
			}
			if names[e] != "" {
				return names[e] + " (" + e.Error() + ")"
			}
		}
		return err.Error()
	}
	if n == 0 {
		return "0 (end of file)"
	}
	return fmt.Sprintf("%d bytes", n)
}

// table prints the rows of /proc/net/tcp on port, without ports.
func table(port int) error {
	// The connection's two ends; the listener is left out.
	rows, err := procnet.ReadPort(procnet.TCP4, port)
	if err != nil {
		return err
	}
	n := 0
	for _, r := range rows {
		if r.State == "LISTEN" {
			continue
		}
		end := "client"
		if procnet.PortOf(r.Local) == port {
			end = "server"
		}
		fmt.Printf("socket table: the %s's end is in %s\n", end, r.State)
		n++
	}
	if n == 0 {
		fmt.Println("socket table: both ends are gone, no TIME_WAIT")
	}
	return nil
}

// Linux TCP states, as tcp_info reports them (include/net/tcp_states.h).
const (
	tcpClose     = 7
	tcpCloseWait = 8
)

// tcpState is the first byte of struct tcp_info: the socket's state.
// C: getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len)
func tcpState(fd int) (int, error) {
	var info [104]byte
	size := uint32(len(info))
	_, _, e := syscall.Syscall6(syscall.SYS_GETSOCKOPT, uintptr(fd),
		syscall.IPPROTO_TCP, syscall.TCP_INFO,
		uintptr(unsafe.Pointer(&info[0])),
		uintptr(unsafe.Pointer(&size)), 0)
	if e != 0 {
		return 0, os.NewSyscallError("getsockopt", e)
	}
	return int(info[0]), nil
}

// waitState waits (at most 5 s) until fd is in state want.
func waitState(fd, want int) error {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		st, err := tcpState(fd)
		if err != nil {
			return err
		}
		if st == want {
			return nil
		}
		time.Sleep(time.Millisecond)
	}
	return fmt.Errorf("state %d not reached in 5 s", want)
}

// waitTimeWait waits (at most 5 s) until the kernel's socket table
// holds, besides the listener, only the server's end in TIME_WAIT: the
// client's end has had the last ACK and is gone.
func waitTimeWait(port int) error {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		rows, err := procnet.ReadPort(procnet.TCP4, port)
		if err != nil {
			return err
		}
		var rest []procnet.Entry
		for _, r := range rows {
			if r.State != "LISTEN" {
				rest = append(rest, r)
			}
		}
		if len(rest) == 1 && rest[0].State == "TIME_WAIT" &&
			procnet.PortOf(rest[0].Local) == port {
			return nil
		}
		time.Sleep(time.Millisecond)
	}
	return errors.New("no TIME_WAIT within 5 s")
}

// capture returns the SYN, FIN and RST segments of the connection on
// port, until the closing segments have gone by (or 5 s).
func capture(fd, port int, abort bool) []string {
	var lines []string
	fins := 0
	buf := make([]byte, 1<<16)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		n, from, err := syscall.Recvfrom(fd, buf, 0)
		if err != nil {
			continue // EAGAIN every 100 ms: check the deadline
		}
		// On lo every frame goes by twice: keep the incoming copy.
		if ll, ok := from.(*syscall.SockaddrLinklayer); ok &&
			ll.Pkttype == tcphdr.PacketOutgoing {
			continue
		}
		seg, err := tcphdr.ParseFrame(buf[:n])
		if err != nil {
			continue
		}
		f := seg.TCP.Flags
		if f&(tcphdr.SYN|tcphdr.FIN|tcphdr.RST) == 0 {
			continue // the ACKs and the data: not the point here
		}
		dir := "client > server"
		if int(seg.TCP.SrcPort) == port {
			dir = "server > client"
		}
		lines = append(lines, fmt.Sprintf("%s  %s", dir, f))
		if f&tcphdr.FIN != 0 {
			fins++
		}
		if f&tcphdr.RST != 0 || fins == 2 {
			return lines
		}
	}
	return append(lines, "(capture: 5 s time limit)")
}

// listen is socket, bind 127.0.0.1:0, listen.
func listen() (int, int, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, 0, os.NewSyscallError("socket", err)
	}
	lo := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Bind(fd, lo); err != nil {
		syscall.Close(fd)
		return -1, 0, os.NewSyscallError("bind", err)
	}
	if err := syscall.Listen(fd, 1); err != nil {
		syscall.Close(fd)
		return -1, 0, os.NewSyscallError("listen", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		syscall.Close(fd)
		return -1, 0, os.NewSyscallError("getsockname", err)
	}
	return fd, sa.(*syscall.SockaddrInet4).Port, nil
}

// connect opens a client connection to port and accepts it.
func connect(lfd, port int) (int, int, error) {
	c, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, -1, os.NewSyscallError("socket", err)
	}
	sa := &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Connect(c, sa); err != nil {
		syscall.Close(c)
		return -1, -1, os.NewSyscallError("connect", err)
	}
	s, _, err := syscall.Accept(lfd)
	if err != nil {
		syscall.Close(c)
		return -1, -1, os.NewSyscallError("accept", err)
	}
	return c, s, nil
}
