// Pass-fd hands TCP connections from one process to another over a
// Unix socket (SCM_RIGHTS). The parent starts one worker process,
// accepts N clients on loopback and passes each connection to the
// worker, which echoes on it. The parent closes its copy at once: the
// connection lives on in the worker.
//
// chapter04's mp-server gives each connection to a new child when it
// starts it (exec.Cmd.ExtraFiles). SCM_RIGHTS reaches a process that
// is already running: one worker, started once, serving connection
// after connection.
//
// Usage:
//
//	pass-fd [-n N]
//
// N is the number of clients (3 by default, at most 100). "pass-fd
// worker" is the worker; the program starts it itself, with its end
// of the Unix socket as descriptor 3. Bad arguments exit with
// status 2.
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

const usage = "usage: pass-fd [-n N]"

// workerFD is where the worker finds its end of the socket pair:
// ExtraFiles[0] becomes descriptor 3.
const workerFD = 3

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "pass-fd: error: %v\n", err)
		// A pointer type assertion, not errors.As: only this form
		// works on interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 1 && args[0] == "worker" {
		return worker()
	}
	fs := flag.NewFlagSet("pass-fd", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	n := fs.Int("n", 3, "pass `N` connections")
	if err := fs.Parse(args); err == flag.ErrHelp {
		fmt.Println(usage)
		return nil
	} else if err != nil {
		return &usageError{err.Error()}
	}
	if fs.NArg() != 0 {
		return &usageError{"unexpected argument " + fs.Arg(0)}
	}
	if *n < 1 || *n > 100 {
		return &usageError{"-n must be 1 to 100"}
	}
	return parent(*n)
}

// inode is the number that names a socket, the same in every process
// that has a descriptor for it (/proc/PID/fd shows "socket:[inode]").
func inode(fd int) (uint64, error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return 0, os.NewSyscallError("fstat", err)
	}
	return st.Ino, nil
}

func parent(clients int) error {
	// C: int sv[2]; socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
	// SOCK_CLOEXEC: neither end leaks into a child by accident.
	sv, err := syscall.Socketpair(syscall.AF_UNIX,
		syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return os.NewSyscallError("socketpair", err)
	}
	defer syscall.Close(sv[0])

	// The worker: this program again, with sv[1] as descriptor 3.
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	end := os.NewFile(uintptr(sv[1]), "worker end")
	cmd := exec.Command(exe, "worker")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{end}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		end.Close()
		return err
	}
	end.Close() // the worker has its copy
	defer cmd.Wait()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	fmt.Println("parent: worker started; listening on 127.0.0.1")

	for i := 1; i <= clients; i++ {
		if err := oneClient(ln, sv[0], i); err != nil {
			return err
		}
	}
	// End of stream on the pair tells the worker to stop.
	syscall.Close(sv[0])
	err = cmd.Wait()
	fmt.Printf("parent: worker exited: %v\n", okOr(err))
	return nil
}

// oneClient connects a client, accepts it, passes the connection to
// the worker and checks that the echo comes back.
func oneClient(ln net.Listener, sock, i int) error {
	done := make(chan error, 1)
	go client(ln.Addr().String(), i, done)
	conn, err := ln.Accept()
	if err != nil {
		return err
	}
	f, err := conn.(*net.TCPConn).File() // a descriptor of our own
	conn.Close()
	if err != nil {
		return err
	}
	cfd := int(f.Fd())
	ino, err := inode(cfd)
	if err != nil {
		f.Close()
		return err
	}
	fmt.Printf("parent: accepted client %d, passing it to the worker\n", i)
	if err := sendFD(sock, cfd, ino); err != nil {
		f.Close()
		return err
	}
	// The message in flight holds a reference: closing ours now
	// does not close the connection.
	f.Close()
	// Two statements: yaegi v0.16.1 panics on "return <-done" when
	// the value received is a nil error.
	err = <-done
	return err
}

// client connects, sends one line and checks that it comes back.
func client(addr string, i int, done chan<- error) {
	msg := fmt.Sprintf("hello %d\n", i)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		done <- err
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(msg)); err != nil {
		done <- err
		return
	}
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(c, buf); err != nil {
		done <- err
		return
	}
	fmt.Printf("client %d: got %q back\n", i, buf)
	done <- nil
}

// region send
// sendFD sends the descriptor fd over the Unix socket sock, with the
// socket's inode number as the message's bytes.
func sendFD(sock, fd int, ino uint64) error {
	data := make([]byte, 8)
	binary.BigEndian.PutUint64(data, ino)
	// The descriptor travels in a control message of type
	// SCM_RIGHTS. C:
	//   char cbuf[CMSG_SPACE(sizeof(int))];
	//   struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1,
	//       .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	//   struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	//   c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS;
	//   c->cmsg_len = CMSG_LEN(sizeof(int));
	//   memcpy(CMSG_DATA(c), &fd, sizeof(int));
	//   sendmsg(sock, &msg, 0)
	// At least one byte of data must go with it.
	rights := syscall.UnixRights(fd)
	if err := syscall.Sendmsg(sock, data, rights, nil, 0); err != nil {
		return os.NewSyscallError("sendmsg", err)
	}
	return nil
}

// endregion send

// region worker
// worker receives connections on descriptor 3 and echoes on each.
// It uses the net package: a Unix socket's ReadMsgUnix returns the
// control messages, and net.FileConn turns a descriptor back into a
// net.Conn.
func worker() error {
	f := os.NewFile(workerFD, "from parent")
	fc, err := net.FileConn(f)
	f.Close() // FileConn made its own copy
	if err != nil {
		return err
	}
	uc := fc.(*net.UnixConn)
	defer uc.Close()
	if err := checkPeer(uc); err != nil {
		return err
	}
	data := make([]byte, 8)
	oob := make([]byte, syscall.CmsgSpace(4))
	for {
		// C: recvmsg(3, &msg, 0), then CMSG_FIRSTHDR and CMSG_DATA
		n, oobn, _, _, err := uc.ReadMsgUnix(data, oob)
		if errors.Is(err, io.EOF) || n == 0 && err == nil {
			return nil // the parent closed its end
		}
		if err != nil {
			return err
		}
		fd, err := takeFD(oob[:oobn])
		if err != nil {
			return err
		}
		ino, err := inode(fd)
		if err != nil {
			return err
		}
		fmt.Printf("worker: received a descriptor; the same socket as the "+
			"parent's: %v\n", ino == binary.BigEndian.Uint64(data[:n]))
		if err := echoOnce(fd); err != nil {
			return err
		}
	}
}

// takeFD finds the one descriptor in an SCM_RIGHTS message.
func takeFD(oob []byte) (int, error) {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return -1, err
	}
	if len(msgs) != 1 {
		return -1, fmt.Errorf("want 1 control message, got %d", len(msgs))
	}
	// The kernel installed a new descriptor in this process: its
	// number is in the message, usually not the sender's number.
	fds, err := syscall.ParseUnixRights(&msgs[0])
	if err != nil {
		return -1, err
	}
	if len(fds) != 1 {
		return -1, fmt.Errorf("want 1 descriptor, got %d", len(fds))
	}
	return fds[0], nil
}

// endregion worker

// echoOnce echoes one line on the connection fd, then closes it.
func echoOnce(fd int) error {
	f := os.NewFile(uintptr(fd), "client")
	c, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	if err != nil {
		return err
	}
	_, err = c.Write(buf[:n])
	return err
}

// checkPeer asks who is at the other end of descriptor 3.
func checkPeer(uc *net.UnixConn) error {
	rc, err := uc.SyscallConn()
	if err != nil {
		return err
	}
	var cred *syscall.Ucred
	var cerr error
	err = rc.Control(func(fd uintptr) {
		cred, cerr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET,
			syscall.SO_PEERCRED)
	})
	if err == nil {
		err = cerr
	}
	if err != nil {
		return os.NewSyscallError("getsockopt", err)
	}
	fmt.Printf("worker: SO_PEERCRED says the other end is my parent: %v\n",
		int(cred.Pid) == os.Getppid())
	return nil
}

// okOr prints nil as "ok".
func okOr(err error) string {
	if err == nil {
		return "status 0"
	}
	return strings.TrimPrefix(err.Error(), "exit ")
}
