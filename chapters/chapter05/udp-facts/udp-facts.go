// Udp-facts shows, on loopback, what UDP does and does not do: each
// part below is a small experiment with raw sockets whose result the
// program prints.
//
// Usage:
//
//	udp-facts [PART...]
//
// Parts, in the order they run when none is named:
//
//	boundaries  three datagrams stay three; three TCP writes merge
//	truncate    a buffer smaller than the datagram: MSG_TRUNC
//	size        the largest datagram over IPv4 and IPv6; EMSGSIZE
//	refused     ECONNREFUSED reaches a connected socket only
//	table       no handshake, and what /proc/net/udp shows
//	loss        a full receive buffer drops datagrams, counted
//
// An unknown part exits with status 2.
package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const usage = "usage: udp-facts [boundaries|truncate|size|refused|table|loss]..."

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "udp-facts: error: %v\n", err)
		// A pointer type assertion, not errors.As: only this form
		// works on interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// parts maps each name to its experiment, in the order of names.
var names = []string{"boundaries", "truncate", "size", "refused",
	"table", "loss"}

var parts = map[string]func() error{
	"boundaries": boundaries,
	"truncate":   truncate,
	"size":       size,
	"refused":    refused,
	"table":      table,
	"loss":       loss,
}

func run(args []string) error {
	fs := flag.NewFlagSet("udp-facts", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err == flag.ErrHelp {
		fmt.Println(usage)
		return nil
	} else if err != nil {
		return &usageError{err.Error()}
	}
	todo := fs.Args()
	for _, name := range todo {
		if parts[name] == nil {
			return &usageError{fmt.Sprintf("unknown part %q (want one of %s)",
				name, strings.Join(names, ", "))}
		}
	}
	if len(todo) == 0 {
		todo = names
	}
	for i, name := range todo {
		if i > 0 {
			fmt.Println()
		}
		if err := parts[name](); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

var loopback = [4]byte{127, 0, 0, 1}

// udpSocket opens a UDP socket bound to 127.0.0.1 and an ephemeral
// port: socket(AF_INET, SOCK_DGRAM, 0) and bind.
func udpSocket() (int, *syscall.SockaddrInet4, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
	if err != nil {
		return -1, nil, os.NewSyscallError("socket", err)
	}
	sa := &syscall.SockaddrInet4{Addr: loopback}
	if err := syscall.Bind(fd, sa); err != nil {
		syscall.Close(fd)
		return -1, nil, os.NewSyscallError("bind", err)
	}
	local, err := syscall.Getsockname(fd)
	if err != nil {
		syscall.Close(fd)
		return -1, nil, os.NewSyscallError("getsockname", err)
	}
	return fd, local.(*syscall.SockaddrInet4), nil
}

// setTimeout puts a limit on how long recvfrom may block (SO_RCVTIMEO):
// no experiment here waits for ever on a datagram that may not come.
func setTimeout(fd int, d time.Duration) error {
	tv := syscall.NsecToTimeval(d.Nanoseconds())
	err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET,
		syscall.SO_RCVTIMEO, &tv)
	return os.NewSyscallError("setsockopt", err)
}

// errName names an errno as C does (ECONNREFUSED), for the output.
func errName(err error) string {
	names := map[syscall.Errno]string{
		syscall.EAGAIN: "EAGAIN", syscall.EMSGSIZE: "EMSGSIZE",
		syscall.ECONNREFUSED: "ECONNREFUSED",
	}
	if e, ok := err.(syscall.Errno); ok && names[e] != "" {
		return e.Error() + " (" + names[e] + ")"
	}
	return err.Error()
}

// region boundaries
func boundaries() error {
	fmt.Println("UDP: three sendto calls, then recvfrom with a 64 KiB buffer")
	rx, to, err := udpSocket()
	if err != nil {
		return err
	}
	defer syscall.Close(rx)
	tx, _, err := udpSocket()
	if err != nil {
		return err
	}
	defer syscall.Close(tx)
	if err := setTimeout(rx, time.Second); err != nil {
		return err
	}
	words := []string{"one", "two", "three"}
	for _, w := range words {
		// C: sendto(tx, w, strlen(w), 0, (struct sockaddr *)&to, sizeof to)
		if err := syscall.Sendto(tx, []byte(w), 0, to); err != nil {
			return os.NewSyscallError("sendto", err)
		}
	}
	buf := make([]byte, 65536)
	for i := range words {
		// Each call returns one datagram, however large the buffer.
		n, _, err := syscall.Recvfrom(rx, buf, 0)
		if err != nil {
			return os.NewSyscallError("recvfrom", err)
		}
		fmt.Printf("  recvfrom %d: %d bytes %q\n", i+1, n, buf[:n])
	}

	fmt.Println("TCP: three write calls, then read with a 64 KiB buffer")
	a, b, err := tcpPair()
	if err != nil {
		return err
	}
	defer syscall.Close(a)
	defer syscall.Close(b)
	for _, w := range words {
		if _, err := syscall.Write(a, []byte(w)); err != nil {
			return os.NewSyscallError("write", err)
		}
	}
	// Wait until all 11 bytes have arrived: MSG_PEEK|MSG_WAITALL
	// blocks until the queue holds that many and takes none of them.
	if _, _, err := syscall.Recvfrom(b, buf[:11],
		syscall.MSG_PEEK|syscall.MSG_WAITALL); err != nil {
		return os.NewSyscallError("recvfrom", err)
	}
	n, err := syscall.Read(b, buf)
	if err != nil {
		return os.NewSyscallError("read", err)
	}
	fmt.Printf("  read 1: %d bytes %q\n", n, buf[:n])
	return nil
}

// endregion boundaries

// tcpPair returns the two ends of a TCP connection on loopback.
func tcpPair() (int, int, error) {
	ln, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, -1, os.NewSyscallError("socket", err)
	}
	defer syscall.Close(ln)
	if err := syscall.Bind(ln, &syscall.SockaddrInet4{Addr: loopback}); err != nil {
		return -1, -1, os.NewSyscallError("bind", err)
	}
	if err := syscall.Listen(ln, 1); err != nil {
		return -1, -1, os.NewSyscallError("listen", err)
	}
	addr, err := syscall.Getsockname(ln)
	if err != nil {
		return -1, -1, os.NewSyscallError("getsockname", err)
	}
	a, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, -1, os.NewSyscallError("socket", err)
	}
	if err := syscall.Connect(a, addr); err != nil {
		syscall.Close(a)
		return -1, -1, os.NewSyscallError("connect", err)
	}
	b, _, err := syscall.Accept(ln)
	if err != nil {
		syscall.Close(a)
		return -1, -1, os.NewSyscallError("accept", err)
	}
	return a, b, nil
}

// region truncate
func truncate() error {
	rx, to, err := udpSocket()
	if err != nil {
		return err
	}
	defer syscall.Close(rx)
	tx, _, err := udpSocket()
	if err != nil {
		return err
	}
	defer syscall.Close(tx)
	if err := setTimeout(rx, time.Second); err != nil {
		return err
	}
	big := bytes.Repeat([]byte("0123456789"), 10) // 100 bytes
	send := func() error {
		return os.NewSyscallError("sendto", syscall.Sendto(tx, big, 0, to))
	}

	fmt.Println("a 100-byte datagram, read into a 10-byte buffer:")
	if err := send(); err != nil {
		return err
	}
	small := make([]byte, 10)
	// C: n = recvmsg(rx, &msg, 0); then msg.msg_flags & MSG_TRUNC
	n, _, flags, _, err := syscall.Recvmsg(rx, small, nil, 0)
	if err != nil {
		return os.NewSyscallError("recvmsg", err)
	}
	fmt.Printf("  recvmsg: %d bytes %q, MSG_TRUNC in msg_flags: %v\n",
		n, small[:n], flags&syscall.MSG_TRUNC != 0)
	// The other 90 bytes are gone: the next call finds nothing.
	_, _, err = syscall.Recvfrom(rx, small, syscall.MSG_DONTWAIT)
	fmt.Printf("  the next recvfrom: %s\n", errName(err))

	fmt.Println("the same, with the MSG_TRUNC flag passed to recv:")
	if err := send(); err != nil {
		return err
	}
	// C: n = recv(rx, buf, 10, MSG_TRUNC)
	// Linux returns the datagram's real length, not the bytes copied.
	n, _, err = syscall.Recvfrom(rx, small, syscall.MSG_TRUNC)
	if err != nil {
		return os.NewSyscallError("recvfrom", err)
	}
	fmt.Printf("  recv(MSG_TRUNC): returns %d, copied %q\n", n, small)

	fmt.Println("asking the size first, without taking the datagram:")
	if err := send(); err != nil {
		return err
	}
	// C: n = recv(rx, NULL, 0, MSG_PEEK | MSG_TRUNC)
	n, _, err = syscall.Recvfrom(rx, nil, syscall.MSG_PEEK|syscall.MSG_TRUNC)
	if err != nil {
		return os.NewSyscallError("recvfrom", err)
	}
	fmt.Printf("  recv(MSG_PEEK|MSG_TRUNC) with no buffer: %d\n", n)
	buf := make([]byte, n)
	n, _, err = syscall.Recvfrom(rx, buf, 0)
	if err != nil {
		return os.NewSyscallError("recvfrom", err)
	}
	fmt.Printf("  then recvfrom with a %d-byte buffer: %d bytes\n", len(buf), n)
	return nil
}

// endregion truncate

// region size
func size() error {
	for _, c := range []struct {
		family int
		addr   string
		header int // IP header bytes the 16-bit length field covers
	}{
		{syscall.AF_INET, "127.0.0.1", 20},
		{syscall.AF_INET6, "::1", 0},
	} {
		// IPv4's total length (16 bits) counts its own 20-byte
		// header and UDP's 8; IPv6's payload length counts only the
		// 8 bytes of UDP. UDP's own length field (16 bits) holds
		// 65535 at most in both.
		max := 65535 - c.header - 8
		fmt.Printf("%s (%s):\n", c.addr, familyName(c.family))
		if err := trySizes(c.family, c.addr, []int{max, max + 1, 70000}); err != nil {
			return err
		}
	}
	return nil
}

func trySizes(family int, addr string, sizes []int) error {
	ip := netip.MustParseAddr(addr)
	var sa syscall.Sockaddr = &syscall.SockaddrInet6{Addr: ip.As16()}
	if family == syscall.AF_INET {
		sa = &syscall.SockaddrInet4{Addr: ip.As4()}
	}
	rx, err := syscall.Socket(family, syscall.SOCK_DGRAM, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer syscall.Close(rx)
	if err := syscall.Bind(rx, sa); err != nil {
		return os.NewSyscallError("bind", err)
	}
	to, err := syscall.Getsockname(rx)
	if err != nil {
		return os.NewSyscallError("getsockname", err)
	}
	if err := setTimeout(rx, time.Second); err != nil {
		return err
	}
	tx, err := syscall.Socket(family, syscall.SOCK_DGRAM, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer syscall.Close(tx)
	buf := make([]byte, 1<<17)
	for _, n := range sizes {
		err := syscall.Sendto(tx, make([]byte, n), 0, to)
		if err != nil {
			fmt.Printf("  sendto %6d bytes: %s\n", n, errName(err))
			continue
		}
		got, _, err := syscall.Recvfrom(rx, buf, 0)
		if err != nil {
			return os.NewSyscallError("recvfrom", err)
		}
		fmt.Printf("  sendto %6d bytes: ok, received %d bytes in one datagram\n",
			n, got)
	}
	return nil
}

// endregion size

func familyName(f int) string {
	if f == syscall.AF_INET6 {
		return "IPv6"
	}
	return "IPv4"
}

// freePort returns a UDP port on 127.0.0.1 that nothing is bound to:
// one the kernel just handed out and that was then closed again.
func freePort() (*syscall.SockaddrInet4, error) {
	fd, sa, err := udpSocket()
	if err != nil {
		return nil, err
	}
	syscall.Close(fd)
	return sa, nil
}

// region refused
func refused() error {
	closed, err := freePort()
	if err != nil {
		return err
	}
	fmt.Println("a datagram to a port nobody has bound:")
	tx, _, err := udpSocket()
	if err != nil {
		return err
	}
	defer syscall.Close(tx)
	if err := setTimeout(tx, 300*time.Millisecond); err != nil {
		return err
	}
	buf := make([]byte, 100)

	// The kernel answers with ICMP "port unreachable". An unconnected
	// socket may talk to anyone, so the error cannot be meant for a
	// particular sendto, and Linux does not report it (udp(7)).
	err = syscall.Sendto(tx, []byte("ping"), 0, closed)
	fmt.Printf("  unconnected: sendto: %v\n", okOr(err))
	_, _, err = syscall.Recvfrom(tx, buf, 0)
	fmt.Printf("  unconnected: recvfrom, 300 ms later: %s\n", errName(err))

	c, _, err := udpSocket()
	if err != nil {
		return err
	}
	defer syscall.Close(c)
	if err := setTimeout(c, time.Second); err != nil {
		return err
	}
	// C: connect(c, (struct sockaddr *)&closed, sizeof closed)
	// Nothing goes on the wire: connect only records the peer.
	err = syscall.Connect(c, closed)
	fmt.Printf("  connected:   connect: %v\n", okOr(err))
	// C: send(c, "ping", 4, 0)
	_, err = syscall.Write(c, []byte("ping"))
	fmt.Printf("  connected:   send: %v\n", okOr(err))
	// The ICMP error is now pending on the socket; the next call
	// returns it, and clears it.
	_, _, err = syscall.Recvfrom(c, buf, 0)
	fmt.Printf("  connected:   recv: %s\n", errName(err))
	_, err = syscall.Write(c, []byte("ping"))
	fmt.Printf("  connected:   send again: %v\n", okOr(err))
	_, err = syscall.Write(c, []byte("ping"))
	fmt.Printf("  connected:   and again: %s\n", okOr(err))
	return nil
}

// endregion refused

// okOr prints nil as "ok".
func okOr(err error) string {
	if err == nil {
		return "ok"
	}
	return errName(err)
}

// region table
func table() error {
	tcpRefused()
	a, aAddr, err := udpSocket()
	if err != nil {
		return err
	}
	defer syscall.Close(a)
	b, _, err := udpSocket()
	if err != nil {
		return err
	}
	defer syscall.Close(b)
	// UDP's connect succeeds at once, whoever is there: it sends
	// nothing. Here b connects to a.
	if err := syscall.Connect(b, aAddr); err != nil {
		return os.NewSyscallError("connect", err)
	}
	buf := make([]byte, 16)
	_, _, err = syscall.Recvfrom(a, buf, syscall.MSG_DONTWAIT)
	fmt.Printf("UDP: connect to a bound socket: ok; it received: %s\n",
		errName(err))
	fmt.Println("/proc/net/udp, the rows of the two sockets:")
	for _, s := range []struct {
		name string
		fd   int
	}{{"a (bound)", a}, {"b (connected to a)", b}} {
		row, err := udpRow(s.fd)
		if err != nil {
			return err
		}
		fmt.Printf("  %-19s local %s  remote %s  st %s\n",
			s.name, row.local, row.remote, row.st)
	}
	return nil
}

// endregion table

// tcpRefused shows the contrast: a TCP connect to a port nobody
// listens on fails at once, because connect is the handshake. The
// port is held by a TCP socket that is bound but not listening, so no
// other program can take it meanwhile.
func tcpRefused() {
	holder, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		fmt.Printf("TCP: %v\n", os.NewSyscallError("socket", err))
		return
	}
	defer syscall.Close(holder)
	if err := syscall.Bind(holder, &syscall.SockaddrInet4{Addr: loopback}); err != nil {
		fmt.Printf("TCP: %v\n", os.NewSyscallError("bind", err))
		return
	}
	closed, err := syscall.Getsockname(holder)
	if err != nil {
		fmt.Printf("TCP: %v\n", os.NewSyscallError("getsockname", err))
		return
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		fmt.Printf("TCP: %v\n", os.NewSyscallError("socket", err))
		return
	}
	defer syscall.Close(fd)
	err = syscall.Connect(fd, closed)
	fmt.Printf("TCP: connect to a port nobody listens on: %s\n", okOr(err))
}

// procRow is one socket's line in /proc/net/udp.
type procRow struct {
	local, remote, st string
	drops             int
}

// udpRow finds the socket fd in /proc/net/udp by its inode, the number
// fstat(2) reports for it.
func udpRow(fd int) (procRow, error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return procRow{}, os.NewSyscallError("fstat", err)
	}
	inode := strconv.FormatUint(st.Ino, 10)
	f, err := os.Open("/proc/net/udp")
	if err != nil {
		return procRow{}, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// sl local rem st tx:rx tr:when retrnsmt uid timeout inode
		// ref pointer drops
		fs := strings.Fields(sc.Text())
		if len(fs) < 13 || fs[9] != inode {
			continue
		}
		drops, _ := strconv.Atoi(fs[12])
		return procRow{local: hexAddr(fs[1]), remote: hexAddr(fs[2]),
			st: fs[3] + " (" + udpStates[fs[3]] + ")", drops: drops}, nil
	}
	return procRow{}, fmt.Errorf("socket inode %s not in /proc/net/udp", inode)
}

// udpStates: UDP borrows two of TCP's state numbers.
var udpStates = map[string]string{"01": "TCP_ESTABLISHED", "07": "TCP_CLOSE"}

// hexAddr decodes "0100007F:1F90": the address as the kernel's u32 in
// host byte order (little-endian on x86), the port in plain hex.
func hexAddr(s string) string {
	ipHex, portHex, ok := strings.Cut(s, ":")
	if !ok || len(ipHex) != 8 {
		return s
	}
	v, err1 := strconv.ParseUint(ipHex, 16, 32)
	p, err2 := strconv.ParseUint(portHex, 16, 16)
	if err1 != nil || err2 != nil {
		return s
	}
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], uint32(v))
	return netip.AddrPortFrom(netip.AddrFrom4(b), uint16(p)).String()
}

// region loss
func loss() error {
	fmt.Println("1000 datagrams of 64 bytes, all sent before any is read:")
	if err := flood(0, 1000); err != nil {
		return err
	}
	return flood(4096, 1000)
}

// flood sends count numbered datagrams to a receiver that reads only
// once they are all sent, and counts what arrived. rcvbuf 0 keeps the
// default receive buffer.
func flood(rcvbuf, count int) error {
	rx, to, err := udpSocket()
	if err != nil {
		return err
	}
	defer syscall.Close(rx)
	tx, _, err := udpSocket()
	if err != nil {
		return err
	}
	defer syscall.Close(tx)
	if rcvbuf > 0 {
		// C: setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &n, sizeof n)
		// The kernel doubles the value, to leave room for its own
		// bookkeeping (socket(7)).
		if err := syscall.SetsockoptInt(rx, syscall.SOL_SOCKET,
			syscall.SO_RCVBUF, rcvbuf); err != nil {
			return os.NewSyscallError("setsockopt", err)
		}
	}
	got, err := syscall.GetsockoptInt(rx, syscall.SOL_SOCKET, syscall.SO_RCVBUF)
	if err != nil {
		return os.NewSyscallError("getsockopt", err)
	}
	if rcvbuf > 0 {
		fmt.Printf("SO_RCVBUF set to %d, reads %d:\n", rcvbuf, got)
	} else {
		fmt.Printf("SO_RCVBUF left alone, reads %d:\n", got)
	}
	// SO_RXQ_OVFL: each datagram comes with a control message, the
	// number of datagrams the socket had dropped when it was queued.
	if err := syscall.SetsockoptInt(rx, syscall.SOL_SOCKET,
		syscall.SO_RXQ_OVFL, 1); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	before, err := snmpUDP("RcvbufErrors")
	if err != nil {
		return err
	}

	failed := 0
	msg := make([]byte, 64)
	send := func(seq int) {
		binary.BigEndian.PutUint32(msg, uint32(seq))
		if err := syscall.Sendto(tx, msg, 0, to); err != nil {
			failed++
		}
	}
	for i := 1; i <= count; i++ {
		send(i)
	}
	fmt.Printf("  sendto failed: %d times\n", failed)

	row, err := udpRow(rx)
	if err != nil {
		return err
	}
	n, first, last, inOrder, _, err := drain(rx)
	if err != nil {
		return err
	}
	after, err := snmpUDP("RcvbufErrors")
	if err != nil {
		return err
	}
	fmt.Printf("  received %d: numbers %d to %d, in order: %v\n",
		n, first, last, inOrder)
	dropped := count - n
	fmt.Printf("  dropped %d: /proc/net/udp drops column %d\n",
		dropped, row.drops)
	fmt.Printf("  Udp RcvbufErrors (/proc/net/snmp) rose by %d or more: %v\n",
		dropped, after-before >= dropped)
	if dropped == 0 {
		return nil
	}
	// The queue is empty again: one more datagram gets in, and
	// carries the drop count.
	send(count + 1)
	_, _, _, _, ovfl, err := drain(rx)
	if err != nil {
		return err
	}
	fmt.Printf("  one more datagram: its SO_RXQ_OVFL message says %d\n", ovfl)
	fmt.Printf("  dropped %d, the same in /proc/net/udp and SO_RXQ_OVFL: %v\n",
		dropped, row.drops == dropped && int(ovfl) == dropped)
	return nil
}

// drain reads every datagram queued on rx and returns how many came,
// the first and last sequence numbers, whether they rose, and the last
// SO_RXQ_OVFL count.
func drain(rx int) (int, int, int, bool, uint32, error) {
	got, first, last, inOrder, ovfl := 0, 0, 0, true, uint32(0)
	buf := make([]byte, 64)
	oob := make([]byte, syscall.CmsgSpace(4))
	for {
		// C: recvmsg(rx, &msg, MSG_DONTWAIT)
		n, oobn, _, _, err := syscall.Recvmsg(rx, buf, oob, syscall.MSG_DONTWAIT)
		if err == syscall.EAGAIN {
			return got, first, last, inOrder, ovfl, nil
		}
		if err != nil {
			return 0, 0, 0, false, 0, os.NewSyscallError("recvmsg", err)
		}
		seq := int(binary.BigEndian.Uint32(buf[:n]))
		if got == 0 {
			first = seq
		} else if seq <= last {
			inOrder = false
		}
		last = seq
		got++
		if v, ok := rxqOvfl(oob[:oobn]); ok {
			ovfl = v
		}
	}
}

// endregion loss

// rxqOvfl finds the SO_RXQ_OVFL control message: a uint32 in host
// byte order.
func rxqOvfl(oob []byte) (uint32, bool) {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return 0, false
	}
	for _, m := range msgs {
		if m.Header.Level == syscall.SOL_SOCKET &&
			m.Header.Type == syscall.SO_RXQ_OVFL && len(m.Data) >= 4 {
			return binary.NativeEndian.Uint32(m.Data), true
		}
	}
	return 0, false
}

// snmpUDP reads one counter of the "Udp:" lines of /proc/net/snmp: a
// line of names, then a line of values.
func snmpUDP(name string) (int, error) {
	b, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return 0, err
	}
	var head []string
	for _, line := range strings.Split(string(b), "\n") {
		fs := strings.Fields(line)
		if len(fs) == 0 || fs[0] != "Udp:" {
			continue
		}
		if head == nil {
			head = fs
			continue
		}
		for i, h := range head {
			if h == name && i < len(fs) {
				return strconv.Atoi(fs[i])
			}
		}
	}
	return 0, fmt.Errorf("/proc/net/snmp: no Udp counter %s", name)
}
