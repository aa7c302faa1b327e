// Shared-close shows the difference between close(2) and shutdown(2)
// on a connected socket that two processes share, live on loopback.
//
// Usage:
//
//	shared-close
//
// The parent accepts a connection from its own client, then starts a
// child that inherits the connected socket as descriptor 3, as a
// forked child would. In the first case the child calls close(3): only
// its reference goes, and the connection keeps working for the parent.
// In the second case the child calls shutdown(3, SHUT_RDWR): the
// connection itself is shut, for the parent too, although the parent
// still holds a descriptor for it.
//
// Go has no fork(2): the child is this program started again with
// os/exec ("shared-close child close|shutdown").
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// sharedFD is the child's descriptor for the inherited socket.
const sharedFD = 3

// ioTimeout bounds every wait of the client.
const ioTimeout = 5 * time.Second

const usage = "usage: shared-close"

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "shared-close: error: %v\n", err)
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
		fmt.Println(usage)
		return nil
	}
	if len(args) == 2 && args[0] == "child" {
		return child(args[1])
	}
	if len(args) != 0 {
		return &usageError{"want no arguments"}
	}
	lfd, port, err := listen()
	if err != nil {
		return err
	}
	defer syscall.Close(lfd)
	for i, how := range []string{"close", "shutdown"} {
		if i > 0 {
			fmt.Println()
		}
		if err := demo(lfd, port, how); err != nil {
			return fmt.Errorf("%s: %w", how, err)
		}
	}
	return nil
}

// listen makes a listening socket on 127.0.0.1, any free port.
func listen() (int, int, error) {
	// C: lfd = socket(AF_INET, SOCK_STREAM, 0)
	lfd, err := syscall.Socket(syscall.AF_INET,
		syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, 0, os.NewSyscallError("socket", err)
	}
	sa := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	// C: bind(lfd, ...); listen(lfd, 8)
	if err := syscall.Bind(lfd, sa); err != nil {
		syscall.Close(lfd)
		return -1, 0, os.NewSyscallError("bind", err)
	}
	if err := syscall.Listen(lfd, 8); err != nil {
		syscall.Close(lfd)
		return -1, 0, os.NewSyscallError("listen", err)
	}
	local, err := syscall.Getsockname(lfd)
	if err != nil {
		syscall.Close(lfd)
		return -1, 0, os.NewSyscallError("getsockname", err)
	}
	return lfd, local.(*syscall.SockaddrInet4).Port, nil
}

// demo runs one case: a fresh connection, shared with a child that
// then calls close or shutdown on it.
func demo(lfd, port int, how string) error {
	if how == "close" {
		fmt.Println("close: the child calls close(3) on its copy")
	} else {
		fmt.Println("shutdown: the child calls " +
			"shutdown(3, SHUT_RDWR) on its copy")
	}
	client, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return err
	}
	defer client.Close()
	client.SetDeadline(time.Now().Add(ioTimeout))

	// C: cfd = accept(lfd, NULL, NULL)
	cfd, _, err := syscall.Accept4(lfd, syscall.SOCK_CLOEXEC)
	if err != nil {
		return os.NewSyscallError("accept", err)
	}
	conn := os.NewFile(uintptr(cfd), "connection")
	defer conn.Close()

	// The child inherits the socket (fork); the open socket now has
	// two references, the parent's cfd and the child's 3.
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, "child", how)
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	cmd.ExtraFiles = []*os.File{conn}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("child: %w", err)
	}

	// The child has exited: its copy is closed in any case.
	fmt.Printf("parent: socket state: %s\n", state(cfd))
	if how == "close" {
		return stillUp(cfd, conn, client)
	}
	return shutDown(cfd, client)
}

// stillUp: after the child's close the connection works both ways,
// and it ends only when the parent closes the last reference.
func stillUp(cfd int, conn *os.File, client net.Conn) error {
	msg := "parent still here\n"
	if _, err := syscall.Write(cfd, []byte(msg)); err != nil {
		return os.NewSyscallError("write", err)
	}
	fmt.Printf("parent: write %q: ok\n", msg)
	line, err := bufio.NewReader(client).ReadString('\n')
	if err != nil {
		return fmt.Errorf("client: read: %w", err)
	}
	fmt.Printf("client: read %q\n", line)

	reply := "client too\n"
	if _, err := io.WriteString(client, reply); err != nil {
		return fmt.Errorf("client: write: %w", err)
	}
	buf := make([]byte, len(reply))
	if _, err := readFull(cfd, buf); err != nil {
		return err
	}
	fmt.Printf("parent: read %q\n", buf)

	// C: close(cfd). The last reference: now the kernel sends FIN.
	if err := conn.Close(); err != nil {
		return err
	}
	fmt.Println("parent: close: the last reference is gone")
	return clientEOF(client, "")
}

// shutDown: after the child's shutdown the connection is shut for the
// parent too, although the parent's descriptor is still open.
func shutDown(cfd int, client net.Conn) error {
	if err := clientEOF(client, ", the parent's copy is open"); err != nil {
		return err
	}
	// Writing to a socket shut for writing fails with EPIPE. The
	// kernel also sends SIGPIPE, which kills a C program unless it
	// ignores it; the Go runtime ignores it for sockets.
	_, err := syscall.Write(cfd, []byte("anyone?\n"))
	fmt.Printf("parent: write: %v\n", err)
	if err == nil {
		return errors.New("write after shutdown succeeded")
	}
	// Reading from a socket shut for reading returns 0: end of stream.
	n, err := syscall.Read(cfd, make([]byte, 64))
	if err != nil {
		return os.NewSyscallError("read", err)
	}
	fmt.Printf("parent: read: %d bytes, end of stream\n", n)
	return nil
}

// clientEOF reads from the client side and expects the end of stream.
func clientEOF(client net.Conn, note string) error {
	b, err := io.ReadAll(client)
	if err != nil {
		return fmt.Errorf("client: read: %w", err)
	}
	if len(b) > 0 {
		return fmt.Errorf("client: unexpected %q", b)
	}
	fmt.Printf("client: read: end of stream%s\n", note)
	return nil
}

// readFull reads len(b) bytes from fd, however many reads it takes.
func readFull(fd int, b []byte) (int, error) {
	got := 0
	for got < len(b) {
		n, err := syscall.Read(fd, b[got:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return got, os.NewSyscallError("read", err)
		}
		if n == 0 {
			return got, io.ErrUnexpectedEOF
		}
		got += n
	}
	return got, nil
}

// region child
// child closes or shuts down the socket it inherited, then exits.
func child(how string) error {
	switch how {
	case "close":
		// C: close(3). Drops this process's reference only.
		if err := syscall.Close(sharedFD); err != nil {
			return os.NewSyscallError("close", err)
		}
		fmt.Println("child:  close(3): ok")
	case "shutdown":
		// C: shutdown(3, SHUT_RDWR). Acts on the connection, not on
		// the descriptor: every reference sees it shut.
		err := syscall.Shutdown(sharedFD, syscall.SHUT_RDWR)
		if err != nil {
			return os.NewSyscallError("shutdown", err)
		}
		fmt.Println("child:  shutdown(3, SHUT_RDWR): ok")
	default:
		return &usageError{"child wants close or shutdown"}
	}
	return nil
}

// endregion child

// tcpStates names the states of /proc/net/tcp (include/net/tcp_states.h).
var tcpStates = map[string]string{
	"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV",
	"04": "FIN_WAIT1", "05": "FIN_WAIT2", "06": "TIME_WAIT",
	"07": "CLOSE", "08": "CLOSE_WAIT", "09": "LAST_ACK",
	"0A": "LISTEN", "0B": "CLOSING",
}

// state asks the kernel for the TCP state of the socket fd: its inode
// (fstat) looked up in /proc/net/tcp. A FIN that was just sent may
// still wait for its ACK (FIN_WAIT1); that lasts microseconds on
// loopback, so the lookup is repeated a bounded number of times.
func state(fd int) string {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return err.Error()
	}
	inode := strconv.FormatUint(st.Ino, 10)
	s := "?"
	for try := 0; try < 1000; try++ {
		s = lookup(inode)
		if s != "FIN_WAIT1" {
			break
		}
		time.Sleep(time.Millisecond)
	}
	return s
}

// lookup finds the state of the socket with this inode.
func lookup(inode string) string {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 10 && f[9] == inode {
			return tcpStates[f[3]]
		}
	}
	return "not found"
}
