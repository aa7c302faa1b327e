// Time-wait shows the two jobs of TIME_WAIT on loopback, by sending
// the socket in TIME_WAIT the segments it exists for, from a raw
// socket, and printing the kernel's answers.
//
// Usage:
//
//	time-wait
//
// A client and a server exchange a line each; the client closes first
// and ends in TIME_WAIT, the server closes and is gone. A raw socket
// (it needs CAP_NET_RAW: run as root) sees every segment, and then:
//
//  1. sends the server's FIN again, as the server does when the
//     client's last ACK is lost: TIME_WAIT answers with that ACK again.
//  2. sends an old duplicate of the server's data: TIME_WAIT does not
//     take it, and answers with an ACK that names where the connection
//     ended.
//
// Each job uses a fresh connection: on loopback the server's end is
// gone, not waiting in LAST_ACK, so its kernel answers TIME_WAIT's ACK
// with a reset, and that reset ends TIME_WAIT (net.ipv4.tcp_rfc1337=0).
//
// Sequence numbers are printed relative to each side's first one.
package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/tcpnotebook/tcpnotebook/internal/procnet"
)

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "time-wait: error: %v\n", err)
		// A pointer type assertion, not errors.As: only this form
		// works on interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "-help") {
		fmt.Println("usage: time-wait")
		return nil
	}
	if len(args) != 0 {
		return &usageError{"time-wait takes no arguments"}
	}
	// C: raw = socket(AF_INET, SOCK_RAW, IPPROTO_TCP). It receives a
	// copy of every TCP segment the host receives, loopback included.
	raw, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_RAW,
		syscall.IPPROTO_TCP)
	if err == syscall.EPERM {
		fmt.Println("time-wait needs CAP_NET_RAW for its raw socket:" +
			" run it as root (the notes show a recorded run)")
		return nil
	}
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer syscall.Close(raw)
	// Every TCP segment of the machine comes in: a large buffer
	// keeps a busy machine from crowding ours out.
	err = syscall.SetsockoptInt(raw, syscall.SOL_SOCKET,
		syscall.SO_RCVBUF, 4<<20)
	if err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	tv := syscall.NsecToTimeval(int64(200 * time.Millisecond))
	err = syscall.SetsockoptTimeval(raw, syscall.SOL_SOCKET,
		syscall.SO_RCVTIMEO, &tv)
	if err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	return play(raw)
}

// seg is one TCP segment as the raw socket saw it.
type seg struct {
	sport, dport int
	seq, ack     uint32
	flags        byte
	data         []byte
}

const (
	fin = 0x01
	syn = 0x02
	rst = 0x04
	psh = 0x08
	ack = 0x10
)

func (s seg) flagNames() string {
	out := ""
	for _, f := range []struct {
		bit  byte
		name string
	}{{syn, "SYN"}, {fin, "FIN"}, {rst, "RST"}, {psh, "PSH"}, {ack, "ACK"}} {
		if s.flags&f.bit != 0 {
			if out != "" {
				out += ","
			}
			out += f.name
		}
	}
	return out
}

// conn is the connection and what the raw socket learned about it.
type conn struct {
	raw          int
	cport, sport int    // client's and server's ports
	cISN, sISN   uint32 // each side's first sequence number
	sFin         seg    // the server's FIN
	sData        seg    // the server's data segment
}

// region play
func play(raw int) error {
	fmt.Println("== job 1: the peer's FIN comes again ==")
	// The server, in LAST_ACK, sends its FIN again when the client's
	// last ACK is lost. Here the raw socket sends that copy.
	err := job(raw, "the server's FIN was", func(c *conn) seg {
		return c.sFin
	})
	if err != nil {
		return err
	}
	fmt.Println("== job 2: an old duplicate arrives ==")
	// A copy of the server's data, late, as a duplicate that spent
	// a long time in the network would be.
	return job(raw, "the server's data was", func(c *conn) seg {
		return c.sData
	})
}

// job makes a fresh connection, closes it (the client first), sends
// the client's TIME_WAIT the segment pick chooses, and prints the
// answer, the answer to that answer, and the client's state.
func job(raw int, what string, pick func(*conn) seg) error {
	c, err := closeAndCapture(raw)
	if err != nil {
		return err
	}
	s := pick(c)
	fmt.Printf("%-27s %s\n", what, c.describe(s))
	reply, err := c.inject(s, c.cport)
	if err != nil {
		return err
	}
	fmt.Printf("%-27s %s\n", "sent again, the client says", c.describe(reply))
	// The server's end is gone, not in LAST_ACK: its kernel answers
	// the client's ACK with a reset, which reaches TIME_WAIT.
	r, err := c.await(c.sport)
	if err != nil {
		return err
	}
	fmt.Printf("%-27s %s\n", "the server's kernel says", c.describe(r))
	e, err := c.clientEnd()
	if err != nil {
		return err
	}
	fmt.Printf("%-27s %s\n", "the client's end is now", e.State)
	return nil
}

// endregion play

// describe prints a segment with sequence numbers relative to the
// sender's (seq) and the receiver's (ack) first one.
func (c *conn) describe(s seg) string {
	who, seq0, ack0 := "client", c.cISN, c.sISN
	if s.sport == c.sport {
		who, seq0, ack0 = "server", c.sISN, c.cISN
	}
	out := fmt.Sprintf("%s %s seq=%d", who, s.flagNames(), s.seq-seq0)
	if s.flags&ack != 0 {
		out += fmt.Sprintf(" ack=%d", s.ack-ack0)
	}
	if len(s.data) > 0 {
		out += fmt.Sprintf(" %q", s.data)
	}
	return out
}

// closeAndCapture makes the connection, exchanges a line each way,
// closes the client first and then the server, and reads from the raw
// socket the segments it needs: both SYNs, the server's data and FIN.
func closeAndCapture(raw int) (*conn, error) {
	lfd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	defer syscall.Close(lfd)
	loop := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Bind(lfd, loop); err != nil {
		return nil, os.NewSyscallError("bind", err)
	}
	if err := syscall.Listen(lfd, 1); err != nil {
		return nil, os.NewSyscallError("listen", err)
	}
	la, _ := syscall.Getsockname(lfd)
	c := &conn{raw: raw, sport: la.(*syscall.SockaddrInet4).Port}
	cfd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	closed := false // both ends are closed below, on the good path
	defer func() {
		if !closed {
			syscall.Close(cfd)
		}
	}()
	srv := &syscall.SockaddrInet4{Port: c.sport, Addr: loop.Addr}
	if err := syscall.Connect(cfd, srv); err != nil {
		return nil, os.NewSyscallError("connect", err)
	}
	ca, _ := syscall.Getsockname(cfd)
	c.cport = ca.(*syscall.SockaddrInet4).Port
	sfd, _, err := syscall.Accept(lfd)
	if err != nil {
		return nil, os.NewSyscallError("accept", err)
	}
	defer func() {
		if !closed {
			syscall.Close(sfd)
		}
	}()
	buf := make([]byte, 64)
	steps := []struct {
		fd   int
		text string
	}{{cfd, "hello\n"}, {sfd, "hi\n"}}
	for _, st := range steps {
		if _, err := syscall.Write(st.fd, []byte(st.text)); err != nil {
			return nil, os.NewSyscallError("write", err)
		}
		other := sfd
		if st.fd == sfd {
			other = cfd
		}
		if _, err := syscall.Read(other, buf); err != nil {
			return nil, os.NewSyscallError("read", err)
		}
	}
	// The active close, then the passive one once the FIN has come.
	closed = true
	syscall.Close(cfd)
	if n, err := syscall.Read(sfd, buf); err != nil || n != 0 {
		syscall.Close(sfd)
		return nil, fmt.Errorf("server read: %d, %v", n, err)
	}
	syscall.Close(sfd)

	// Read what the raw socket saw of this connection, up to the
	// client's last ACK, the answer to the server's FIN.
	lastACK := false
	deadline := time.Now().Add(5 * time.Second)
	for !lastACK && time.Now().Before(deadline) {
		s, ok, err := c.next()
		if err != nil {
			return nil, err
		}
		switch {
		case !ok:
		case s.flags&syn != 0 && s.sport == c.cport:
			c.cISN = s.seq
		case s.flags&syn != 0 && s.sport == c.sport:
			c.sISN = s.seq
		case s.sport == c.sport && len(s.data) > 0:
			c.sData = s
		case s.sport == c.sport && s.flags&fin != 0:
			c.sFin = s
		case s.sport == c.cport && c.sFin.flags != 0 &&
			s.ack == c.sFin.seq+1:
			lastACK = true
		}
	}
	if c.sFin.flags == 0 || c.sData.flags == 0 {
		return nil, errors.New("the raw socket missed the server's segments")
	}
	e, err := c.clientEnd()
	if err != nil {
		return nil, err
	}
	if e.State != "TIME_WAIT" {
		return nil, fmt.Errorf("client in %s, not TIME_WAIT", e.State)
	}
	fmt.Println("client closed first: TIME_WAIT; the server closed: gone")
	return c, nil
}

// clientEnd reads the client's row of /proc/net/tcp.
func (c *conn) clientEnd() (procnet.Entry, error) {
	t, err := procnet.ReadPort(procnet.TCP4, c.sport)
	if err != nil {
		return procnet.Entry{}, err
	}
	for _, e := range t {
		if e.Local == fmt.Sprintf("127.0.0.1:%d", c.cport) {
			return e, nil
		}
	}
	return procnet.Entry{State: "-"}, nil
}

// next reads one segment of this connection from the raw socket; ok
// is false when none came within the socket's timeout or the segment
// belongs to another connection.
func (c *conn) next() (seg, bool, error) {
	buf := make([]byte, 2048)
	n, _, err := syscall.Recvfrom(c.raw, buf, 0)
	if err == syscall.EAGAIN || err == syscall.EINTR {
		return seg{}, false, nil
	}
	if err != nil {
		return seg{}, false, os.NewSyscallError("recvfrom", err)
	}
	// The raw socket hands over the IP header too: skip it.
	ihl := int(buf[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(buf[2:4]))
	if n < ihl+20 || total > n {
		return seg{}, false, nil
	}
	t := buf[ihl:total]
	s := seg{
		sport: int(binary.BigEndian.Uint16(t[0:2])),
		dport: int(binary.BigEndian.Uint16(t[2:4])),
		seq:   binary.BigEndian.Uint32(t[4:8]),
		ack:   binary.BigEndian.Uint32(t[8:12]),
		flags: t[13],
	}
	s.data = append([]byte(nil), t[int(t[12]>>4)*4:]...)
	mine := (s.sport == c.cport && s.dport == c.sport) ||
		(s.sport == c.sport && s.dport == c.cport)
	return s, mine, nil
}

// region inject
// inject sends s from the raw socket and returns the first segment
// that comes back from port from, the end it was sent to.
func (c *conn) inject(s seg, from int) (seg, error) {
	// Throw away what the raw socket saw before: only answers to
	// this segment count.
	buf := make([]byte, 2048)
	for {
		_, _, err := syscall.Recvfrom(c.raw, buf, syscall.MSG_DONTWAIT)
		if err != nil {
			break
		}
	}
	t := make([]byte, 20+len(s.data))
	binary.BigEndian.PutUint16(t[0:], uint16(s.sport))
	binary.BigEndian.PutUint16(t[2:], uint16(s.dport))
	binary.BigEndian.PutUint32(t[4:], s.seq)
	binary.BigEndian.PutUint32(t[8:], s.ack)
	t[12] = 5 << 4 // 20 bytes of header, no options: no timestamp
	t[13] = s.flags
	binary.BigEndian.PutUint16(t[14:], 65535) // window
	copy(t[20:], s.data)
	binary.BigEndian.PutUint16(t[16:], checksum(t))
	// C: sendto(raw, t, len, 0, &to, sizeof to); the kernel adds
	// the IP header.
	to := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Sendto(c.raw, t, 0, to); err != nil {
		return seg{}, os.NewSyscallError("sendto", err)
	}
	return c.await(from)
}

// await returns the next segment of the connection sent from port
// from, waiting at most five seconds.
func (c *conn) await(from int) (seg, error) {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		r, ok, err := c.next()
		if err != nil {
			return seg{}, err
		}
		if ok && r.sport == from {
			return r, nil
		}
	}
	return seg{}, errors.New("no answer within 5s")
}

// endregion inject

// checksum is TCP's: the one's complement sum of a pseudo-header
// (source and destination address, protocol, length) and the segment.
func checksum(t []byte) uint16 {
	sum := uint32(127<<8+0) + uint32(0<<8+1) // 127.0.0.1, twice
	sum += uint32(127<<8+0) + uint32(0<<8+1)
	sum += uint32(syscall.IPPROTO_TCP) + uint32(len(t))
	for i := 0; i+1 < len(t); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(t[i:]))
	}
	if len(t)%2 == 1 {
		sum += uint32(t[len(t)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
