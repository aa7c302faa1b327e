// framing shows that TCP carries a stream of bytes, not messages: two
// writes can arrive as one read, one write as several. Then the three
// usual cures: readn/writen loops, lines ended by a newline, and a
// length before each message. Each scenario runs on its own loopback
// connection, with the raw syscall API.
//
// Usage:
//
//	framing [merge | split | lines | length | all]
//
// merge   two writes, one read
// split   one write, several reads (a small buffer; a small SO_RCVBUF)
// lines   read until a newline, keeping what comes after it
// length  a 4-byte length (network byte order) before each message
//
// all (the default) plays the four in turn.
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "framing: error: %v\n", err)
		// yaegi: a pointer type assertion, not errors.As, finds a
		// type declared in the interpreted program.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

const usage = "usage: framing [merge | split | lines | length | all]"

func run(args []string) error {
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
	plays := map[string]func() error{"merge": merge, "split": split,
		"lines": lines, "length": length}
	order := []string{"merge", "split", "lines", "length"}
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

// pair returns the two ends of a new loopback TCP connection.
func pair(rcvbuf int) (int, int, error) {
	lfd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, -1, os.NewSyscallError("socket", err)
	}
	defer syscall.Close(lfd)
	if rcvbuf > 0 {
		// Before listen: an accepted socket inherits the size, and
		// the window it offers in the handshake depends on it.
		err := syscall.SetsockoptInt(lfd, syscall.SOL_SOCKET,
			syscall.SO_RCVBUF, rcvbuf)
		if err != nil {
			return -1, -1, os.NewSyscallError("setsockopt", err)
		}
	}
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

// waitQueued waits (at most 5 s) until n bytes are queued on fd, by
// peeking at the queue: the kernel's view, not a guess of time.
func waitQueued(fd, n int) error {
	buf := make([]byte, n)
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, _, err := syscall.Recvfrom(fd, buf,
			syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		if err != nil && err != syscall.EAGAIN {
			return os.NewSyscallError("recv", err)
		}
		if got >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d bytes queued after 5 s", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitEmpty waits (at most 5 s) until nothing is queued on fd.
func waitEmpty(fd int) error {
	buf := make([]byte, 1)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		_, _, err := syscall.Recvfrom(fd, buf,
			syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		if err == syscall.EAGAIN {
			return nil
		}
		time.Sleep(time.Millisecond)
	}
	return errors.New("queue not empty after 5 s")
}

// region merge
func merge() error {
	fmt.Println("== merge: two writes, one read ==")
	c, s, err := pair(0)
	if err != nil {
		return err
	}
	defer syscall.Close(c)
	defer syscall.Close(s)
	writen(c, []byte("one\n"))
	writen(c, []byte("two\n"))
	fmt.Println("write(fd, \"one\\n\", 4)  write(fd, \"two\\n\", 4)")
	// Both writes have arrived before the reader looks: the
	// common case of a busy server, made certain here.
	if err := waitQueued(s, 8); err != nil {
		return err
	}
	buf := make([]byte, 1024)
	n, err := syscall.Read(s, buf)
	if err != nil {
		return os.NewSyscallError("read", err)
	}
	fmt.Printf("read(fd, buf, 1024) -> %d %q: both messages, and "+
		"nothing says where the first one ends\n", n, buf[:n])
	return nil
}

// endregion merge

// region split
func split() error {
	fmt.Println("== split: one write, several reads ==")
	c, s, err := pair(0)
	if err != nil {
		return err
	}
	msg := bytes.Repeat([]byte("0123456789"), 25)
	writen(c, msg)
	fmt.Printf("write(fd, msg, %d)\n", len(msg))
	if err := waitQueued(s, len(msg)); err != nil {
		return err
	}
	buf := make([]byte, 100)
	for got := 0; got < len(msg); {
		n, err := syscall.Read(s, buf)
		if err != nil {
			return os.NewSyscallError("read", err)
		}
		fmt.Printf("read(fd, buf, 100) -> %d\n", n)
		got += n
	}
	syscall.Close(c)
	syscall.Close(s)

	// A small receive buffer: the sender's one write of 64 KiB
	// crosses in pieces, each no larger than what the receiver
	// has room for, whatever the size of the reader's buffer.
	const size = 64 << 10
	c, s, err = pair(4096)
	if err != nil {
		return err
	}
	defer syscall.Close(s)
	rcv, _ := syscall.GetsockoptInt(s, syscall.SOL_SOCKET,
		syscall.SO_RCVBUF)
	werr := make(chan error, 1)
	go func() {
		// The write blocks until the reader has made room.
		werr <- writen(c, make([]byte, size))
		syscall.Close(c)
	}()
	buf = make([]byte, size)
	reads, largest, got := 0, 0, 0
	for got < size {
		n, err := syscall.Read(s, buf)
		if err != nil {
			return os.NewSyscallError("read", err)
		}
		if n == 0 {
			break
		}
		reads++
		got += n
		if n > largest {
			largest = n
		}
	}
	if err := <-werr; err != nil {
		return err
	}
	fmt.Printf("SO_RCVBUF %d (the kernel doubles what it is asked): "+
		"write(fd, msg, %d)\n", rcv, size)
	fmt.Printf("read(fd, buf, %d) until all is in: more than one "+
		"read: %v; none larger than SO_RCVBUF: %v\n",
		size, reads > 1, largest <= rcv)
	return nil
}

// endregion split

// region readn
// writen writes all of b: write(2) may take less than asked.
func writen(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := syscall.Write(fd, b)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("write", err)
		}
		b = b[n:]
	}
	return nil
}

// errShort is the end of the stream in the middle of a message.
var errShort = errors.New("end of stream inside a message")

// readn reads exactly len(b) bytes: read(2) may return fewer. It
// returns 0 at a clean end of stream, before the first byte.
func readn(fd int, b []byte) (int, error) {
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
			if got == 0 {
				return 0, nil
			}
			return got, errShort
		}
		got += n
	}
	return got, nil
}

// endregion readn

// region lines
// lineReader reads lines from a socket: it keeps what a read returned
// after the newline for the next line, and reads again while no
// newline has come. (bufio.Reader.ReadString('\n') does the same.)
type lineReader struct {
	fd   int
	buf  []byte // read but not yet returned
	read []byte // scratch for read(2)
}

func (r *lineReader) readLine() (string, error) {
	for {
		if i := bytes.IndexByte(r.buf, '\n'); i >= 0 {
			line := string(r.buf[:i+1])
			r.buf = r.buf[i+1:]
			return line, nil
		}
		n, err := syscall.Read(r.fd, r.read)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return "", os.NewSyscallError("read", err)
		}
		if n == 0 {
			if len(r.buf) > 0 {
				return "", errShort
			}
			return "", nil
		}
		fmt.Printf("  read -> %q\n", r.read[:n])
		r.buf = append(r.buf, r.read[:n]...)
	}
}

func lines() error {
	fmt.Println("== lines: read until a newline ==")
	c, s, err := pair(0)
	if err != nil {
		return err
	}
	defer syscall.Close(s)
	// Two lines and a half in one write, the rest in another, and
	// a reader whose reads take at most 8 bytes.
	writen(c, []byte("one\ntwo\nthr"))
	if err := waitQueued(s, 11); err != nil {
		return err
	}
	go func() {
		// The rest of the third line, once the reader has taken
		// its first half: when nothing is left in the queue.
		if waitEmpty(s) == nil {
			writen(c, []byte("ee\n"))
		}
		syscall.Close(c)
	}()
	r := &lineReader{fd: s, read: make([]byte, 8)}
	for i := 1; ; i++ {
		line, err := r.readLine()
		if err != nil {
			return err
		}
		if line == "" {
			fmt.Println("end of stream")
			return nil
		}
		fmt.Printf("line %d: %q\n", i, line)
	}
}

// endregion lines

// region length
func length() error {
	fmt.Println("== length: a 4-byte length before each message ==")
	c, s, err := pair(0)
	if err != nil {
		return err
	}
	defer syscall.Close(s)
	// Two messages, the second longer than a read buffer, and the
	// first one empty: a length says what a delimiter cannot.
	msgs := [][]byte{[]byte("hello\n"), {},
		bytes.Repeat([]byte("x"), 3000)}
	var out []byte
	for _, m := range msgs {
		// htonl(len), then the bytes: the length in network byte
		// order, so that any reader decodes it the same way.
		out = binary.BigEndian.AppendUint32(out, uint32(len(m)))
		out = append(out, m...)
	}
	go func() {
		writen(c, out)
		syscall.Close(c)
	}()
	fmt.Printf("one write of %d bytes: 3 messages of %d, %d and %d "+
		"bytes, each after its length\n", len(out), len(msgs[0]),
		len(msgs[1]), len(msgs[2]))
	var hdr [4]byte
	for {
		n, err := readn(s, hdr[:])
		if err != nil {
			return err
		}
		if n == 0 {
			fmt.Println("end of stream between messages: done")
			return nil
		}
		size := binary.BigEndian.Uint32(hdr[:])
		body := make([]byte, size)
		if _, err := readn(s, body); err != nil {
			return err
		}
		fmt.Printf("message of %d bytes: %s\n", size, preview(body))
	}
}

// endregion length

// preview quotes b, cut after 16 bytes.
func preview(b []byte) string {
	if len(b) <= 16 {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%q...", b[:16])
}
