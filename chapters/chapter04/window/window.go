// window makes TCP flow control visible on loopback. A receiver with a
// small receive buffer stops reading; a sender writes without blocking
// until the kernel says EAGAIN. The program prints how many bytes were
// accepted, what the sender's kernel knows about the peer's window
// (TCP_INFO) once it has dropped to zero, and then how the window opens
// again when the receiver reads.
//
// With -trace it replays the sliding-window example of the source
// notes instead (MSS 1460 and 1024, 1 KiB writes, a receiver that reads
// 2 KiB at a time) and prints every segment as captured on lo, with the
// window each side advertises. Capturing needs CAP_NET_RAW (root);
// without it, -trace says so in one line and prints the output of an
// earlier run, recorded with -record into testdata/trace.txt and marked
// as recorded. -recorded shows that recording even to root.
//
// Usage:
//
//	window [-rcvbuf BYTES] [-sndbuf BYTES] [-chunk BYTES]
//	window -trace [-record FILE]
//	window -trace -recorded
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/tcpnotebook/tcpnotebook/chapters/chapter04/tcphdr"
)

// usageError marks a bad command line: main exits 2 for it.
// yaegi: run returns it unwrapped, for a pointer type assertion in
// main; errors.As does not find a type declared in the interpreted
// program.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "window: error: %v\n", err)
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("window", flag.ContinueOnError)
	rcvbuf := fs.Int("rcvbuf", 4096, "receiver's SO_RCVBUF, in `bytes`")
	sndbuf := fs.Int("sndbuf", 4096, "sender's SO_SNDBUF, in `bytes`")
	chunk := fs.Int("chunk", 1024, "size of each write, in `bytes`")
	trace := fs.Bool("trace", false, "capture the source's example on lo")
	record := fs.String("record", "", "with -trace: also write it to `file`")
	recorded := fs.Bool("recorded", false, "with -trace: show the recording")
	// Errors are reported once, in one line, by main; -h prints the
	// usage on standard output and is not an error.
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err == flag.ErrHelp {
		fs.SetOutput(os.Stdout)
		fs.Usage()
		return nil
	} else if err != nil {
		return &usageError{err.Error()}
	}
	if fs.NArg() != 0 {
		return &usageError{"unexpected argument " + fs.Arg(0)}
	}
	if *rcvbuf < 1 || *sndbuf < 1 || *chunk < 1 || *chunk > 1<<20 {
		return &usageError{"-rcvbuf, -sndbuf and -chunk must be positive " +
			"(-chunk at most 1048576)"}
	}
	if (*record != "" || *recorded) && !*trace {
		return &usageError{"-record and -recorded go with -trace"}
	}
	if *trace && *recorded {
		return showRecorded(out)
	}
	if *trace {
		err := traceExample(out, *record)
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			// An ordinary user may not capture: say why in one line,
			// then show the recording.
			fmt.Fprintf(os.Stderr, "window: cannot capture without "+
				"CAP_NET_RAW (%v); showing a recorded trace\n", err)
			return showRecorded(out)
		}
		return err
	}
	return fill(out, *rcvbuf, *sndbuf, *chunk)
}

// tcpInfo holds the fields of Linux's struct tcp_info that the program
// prints. The syscall package stops at an old version of the struct, so
// getTCPInfo reads the bytes itself and picks fields by offset.
type tcpInfo struct {
	state     uint8
	probes    uint8  // zero-window probes sent, unanswered
	sndWscale uint8  // shift for the windows the peer advertises
	rcvWscale uint8  // shift for the windows we advertise
	sndMSS    uint32 // largest segment we send
	unacked   uint32 // segments sent and not yet acknowledged
	sndCwnd   uint32 // congestion window, in segments
	rcvSpace  uint32 // receive-buffer space the autotuning aims at
	sndWnd    uint32 // peer's advertised window, scaled (bytes)
	rcvWnd    uint32 // window we advertise, scaled (bytes)
	notSent   uint32 // bytes written but not yet sent
	bytesAck  uint64 // bytes the peer has acknowledged
	bytesRecv uint64 // bytes received in order
}

// region tcpinfo
// getTCPInfo reads struct tcp_info with getsockopt(2).
// C: struct tcp_info ti; socklen_t len = sizeof ti;
//
//	getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len)
func getTCPInfo(fd int) (tcpInfo, error) {
	var ti tcpInfo
	var buf [512]byte
	n := uint32(len(buf))
	_, _, e := syscall.Syscall6(syscall.SYS_GETSOCKOPT, uintptr(fd),
		syscall.IPPROTO_TCP, syscall.TCP_INFO,
		uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&n)), 0)
	if e != 0 {
		return ti, os.NewSyscallError("getsockopt", e)
	}
	// tcpi_snd_wnd came with Linux 5.4, tcpi_rcv_wnd with 6.2.
	if n < 236 {
		return ti, fmt.Errorf("tcp_info: %d bytes, need Linux 6.2", n)
	}
	le := binary.NativeEndian
	ti.state = buf[0]
	ti.probes = buf[3]
	// One byte, two 4-bit fields: tcpi_snd_wscale (the peer's shift,
	// applied to the windows it sends us) in the low bits on a
	// little-endian machine, tcpi_rcv_wscale (our own shift) high.
	ti.sndWscale, ti.rcvWscale = buf[6]&0x0f, buf[6]>>4
	ti.sndMSS = le.Uint32(buf[16:])
	ti.unacked = le.Uint32(buf[24:])
	ti.sndCwnd = le.Uint32(buf[80:])
	ti.rcvSpace = le.Uint32(buf[96:])
	ti.bytesAck = le.Uint64(buf[120:])
	ti.bytesRecv = le.Uint64(buf[128:])
	ti.notSent = le.Uint32(buf[144:])
	ti.sndWnd = le.Uint32(buf[228:])
	ti.rcvWnd = le.Uint32(buf[232:])
	return ti, nil
}

// endregion tcpinfo

// pair is a connected sender and receiver, as raw descriptors.
type pair struct {
	ln, snd, rcv int
}

func (p pair) close() {
	for _, fd := range []int{p.snd, p.rcv, p.ln} {
		if fd >= 0 {
			syscall.Close(fd)
		}
	}
}

// config says which socket options each side gets; 0 leaves the
// kernel's default.
type config struct {
	rcvRcvbuf int // receiver's SO_RCVBUF
	rcvMSS    int // receiver's TCP_MAXSEG
	sndSndbuf int // sender's SO_SNDBUF
	sndRcvbuf int // sender's SO_RCVBUF (the window it advertises)
	sndMSS    int // sender's TCP_MAXSEG
}

// setOpts applies the non-zero options of a list to fd.
func setOpts(fd int, opts [][3]int) error {
	for _, o := range opts {
		if o[2] == 0 {
			continue
		}
		if err := syscall.SetsockoptInt(fd, o[0], o[1], o[2]); err != nil {
			return os.NewSyscallError("setsockopt", err)
		}
	}
	return nil
}

// connect builds the connection with raw syscalls, so that each socket
// option is set at the step where it matters.
// beforeDial, when not nil, is called with the listener's port before
// the client connects.
func connect(c config, beforeDial func(port int) error) (pair, error) {
	p := pair{-1, -1, -1}
	var err error
	// Step 1: the listening socket, with a small receive buffer. It
	// must be set before listen(2): the window scale is chosen from it
	// when the SYN,ACK is built, and accepted sockets inherit it.
	// C: setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &n, sizeof n)
	// TCP_MAXSEG, set here too, caps the MSS the SYN,ACK announces.
	p.ln, err = syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return p, os.NewSyscallError("socket", err)
	}
	err = setOpts(p.ln, [][3]int{
		{syscall.SOL_SOCKET, syscall.SO_RCVBUF, c.rcvRcvbuf},
		{syscall.IPPROTO_TCP, syscall.TCP_MAXSEG, c.rcvMSS},
	})
	if err != nil {
		p.close()
		return p, err
	}
	lo := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Bind(p.ln, lo); err != nil {
		p.close()
		return p, os.NewSyscallError("bind", err)
	}
	if err := syscall.Listen(p.ln, 1); err != nil {
		p.close()
		return p, os.NewSyscallError("listen", err)
	}
	sa, err := syscall.Getsockname(p.ln)
	if err != nil {
		p.close()
		return p, os.NewSyscallError("getsockname", err)
	}
	if beforeDial != nil {
		err := beforeDial(sa.(*syscall.SockaddrInet4).Port)
		if err != nil {
			p.close()
			return p, err
		}
	}

	// Step 2: the sender. TCP_NODELAY sends each write at once, as
	// its own segment, instead of waiting to fill one (Nagle). A small
	// send buffer keeps its kernel from taking megabytes before
	// EAGAIN, which would hide the receiver's window.
	p.snd, err = syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		p.close()
		return p, os.NewSyscallError("socket", err)
	}
	err = setOpts(p.snd, [][3]int{
		{syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1},
		{syscall.SOL_SOCKET, syscall.SO_SNDBUF, c.sndSndbuf},
		{syscall.SOL_SOCKET, syscall.SO_RCVBUF, c.sndRcvbuf},
		{syscall.IPPROTO_TCP, syscall.TCP_MAXSEG, c.sndMSS},
	})
	if err != nil {
		p.close()
		return p, err
	}
	// The handshake completes in the kernel, before accept(2).
	if err := syscall.Connect(p.snd, sa); err != nil {
		p.close()
		return p, os.NewSyscallError("connect", err)
	}
	p.rcv, _, err = syscall.Accept(p.ln)
	if err != nil {
		p.close()
		return p, os.NewSyscallError("accept", err)
	}
	return p, nil
}

// waitInfo polls the sender's TCP_INFO until cond holds, for at most
// two seconds. Polling the kernel, not sleeping a guessed time, is what
// tells us the ACKs have arrived.
func waitInfo(fd int, cond func(tcpInfo) bool) (tcpInfo, error) {
	deadline := time.Now().Add(2 * time.Second)
	for {
		ti, err := getTCPInfo(fd)
		if err != nil || cond(ti) {
			return ti, err
		}
		if time.Now().After(deadline) {
			return ti, errors.New("tcp_info: condition not reached in 2 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// writeAll writes chunks to the non-blocking fd until EAGAIN, or until
// limit bytes, and returns how many bytes the kernel took.
func writeAll(fd int, chunk []byte, limit int) (int, error) {
	total := 0
	for total < limit {
		n, err := syscall.Write(fd, chunk)
		if err == syscall.EAGAIN {
			return total, nil
		}
		if err != nil {
			return total, os.NewSyscallError("write", err)
		}
		total += n
	}
	return total, errors.New("write: no EAGAIN after " +
		fmt.Sprint(limit) + " bytes")
}

// fill is the flow-control demonstration.
func fill(out io.Writer, rcvbuf, sndbuf, chunkSize int) error {
	p, err := connect(config{rcvRcvbuf: rcvbuf, sndSndbuf: sndbuf}, nil)
	if err != nil {
		return err
	}
	defer p.close()
	// Linux doubles the value it is given, to leave room for its own
	// bookkeeping, and getsockopt(2) reports the doubled value.
	rb, err := syscall.GetsockoptInt(p.rcv, syscall.SOL_SOCKET,
		syscall.SO_RCVBUF)
	if err != nil {
		return os.NewSyscallError("getsockopt", err)
	}
	sb, err := syscall.GetsockoptInt(p.snd, syscall.SOL_SOCKET,
		syscall.SO_SNDBUF)
	if err != nil {
		return os.NewSyscallError("getsockopt", err)
	}
	rti, err := getTCPInfo(p.rcv)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "receiver: SO_RCVBUF %d (kernel: %d), window "+
		"scale %d, rcv_wnd %d\n", rcvbuf, rb, rti.rcvWscale, rti.rcvWnd)
	fmt.Fprintf(out, "sender:   SO_SNDBUF %d (kernel: %d)\n", sndbuf, sb)

	// region fill
	// Step 3: fcntl(2). C: fcntl(fd, F_SETFL, flags | O_NONBLOCK)
	// A full buffer then makes write(2) fail with EAGAIN instead of
	// putting the sender to sleep.
	if err := syscall.SetNonblock(p.snd, true); err != nil {
		return os.NewSyscallError("fcntl", err)
	}
	chunk := make([]byte, chunkSize)
	total, err := writeAll(p.snd, chunk, 64<<20)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "sender:   %d-byte writes took %d bytes, "+
		"then EAGAIN\n", chunkSize, total)
	// endregion fill

	// The receiver has not read a byte. Once its ACKs have come back,
	// the sender can send nothing more: its view of the window is zero,
	// or too small for a segment (a sender does not split data to fill
	// a sliver of window: "silly window syndrome" avoidance).
	ti, err := waitInfo(p.snd, settled(uint32(chunkSize)))
	if err != nil {
		return err
	}
	rti, err = getTCPInfo(p.rcv)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "\n-- the receiver does not read --")
	printInfo(out, ti, rti, total)

	// Step 4: the receiver reads everything the sender wrote. read(2)
	// frees buffer space, the kernel sends a window update on its own,
	// and the sender's kernel sends what it still held.
	buf := make([]byte, 1<<16)
	read := 0
	for read < total {
		n, err := syscall.Read(p.rcv, buf)
		if err != nil {
			return os.NewSyscallError("read", err)
		}
		if n == 0 {
			return errors.New("read: early end of stream")
		}
		read += n
	}
	ti, err = waitInfo(p.snd, func(t tcpInfo) bool {
		return t.sndWnd > 0 && t.notSent == 0 && t.unacked == 0
	})
	if err != nil {
		return err
	}
	rti, err = getTCPInfo(p.rcv)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n-- the receiver reads %d bytes --\n", read)
	printInfo(out, ti, rti, total)
	more, err := writeAll(p.snd, chunk, 64<<20)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "sender:   the window is open: %d more bytes "+
		"taken before EAGAIN\n", more)
	return nil
}

// printInfo prints the sender's and the receiver's view. The kernel's
// byte counters count the SYN as one byte acknowledged; it is taken off.
func printInfo(out io.Writer, s, r tcpInfo, written int) {
	acked := s.bytesAck - 1
	fmt.Fprintf(out, "sender:   snd_wnd %d, snd_cwnd %d segments, "+
		"in flight %d\n", s.sndWnd, s.sndCwnd, s.unacked)
	fmt.Fprintf(out, "sender:   acked %d, still in the send buffer %d\n",
		acked, uint64(written)-acked)
	fmt.Fprintf(out, "receiver: rcv_wnd %d, received %d\n",
		r.rcvWnd, r.bytesRecv)
}

// settled returns a condition that holds once the sender will send
// nothing more until the receiver says something: everything sent is
// acknowledged, and what is left either is nothing or does not fit in
// the window. seg is the size of the segments the sender has queued:
// it sends a whole one or waits, rather than fill a sliver of window
// ("silly window syndrome" avoidance).
func settled(seg uint32) func(tcpInfo) bool {
	return func(t tcpInfo) bool {
		return t.unacked == 0 && (t.notSent == 0 || t.sndWnd < seg)
	}
}

// traceExample replays the source's worked example: the client's SYN
// says MSS 1460 and window 4096, the server's says MSS 1024 (the source
// has 6144 for its window; Linux picks its own); the client writes six
// 1 KiB blocks, the server reads 2 KiB, then 2 KiB more; the client
// writes 1 KiB, then 1 KiB and closes; the server reads the rest and
// closes. Each step waits until the connection is quiet, then the
// frames captured so far are printed after the step's name.
func traceExample(out io.Writer, record string) error {
	// With -record, everything after the first line also goes to a
	// buffer, written to the file at the end.
	var rec bytes.Buffer
	w := out
	if record != "" {
		w = io.MultiWriter(out, &rec)
	}
	// The capture starts once the listener has its port, before the
	// client's SYN.
	t := &tracer{out: w, sock: -1}
	defer func() {
		if t.sock >= 0 {
			syscall.Close(t.sock)
		}
	}()
	open := func(port int) error {
		sock, err := tcphdr.OpenLoopback(uint16(port))
		t.sock, t.port = sock, uint16(port)
		return err
	}
	p, err := connect(config{rcvRcvbuf: 6144, rcvMSS: 1036,
		sndRcvbuf: 4096, sndMSS: 1460}, open)
	if err != nil {
		return err
	}
	defer p.close()

	block := make([]byte, 1024)
	buf := make([]byte, 4096)
	steps := []struct {
		name string
		do   func() error
	}{
		{"connect(2): the three-way handshake", func() error {
			return nil
		}},
		{"client writes 6 x 1024 bytes", func() error {
			for i := 0; i < 6; i++ {
				if _, err := syscall.Write(p.snd, block); err != nil {
					return os.NewSyscallError("write", err)
				}
			}
			return nil
		}},
		{"server reads 2048 bytes", func() error {
			return readFull(p.rcv, buf[:2048])
		}},
		{"server reads 2048 bytes", func() error {
			return readFull(p.rcv, buf[:2048])
		}},
		{"client writes 1024 bytes", func() error {
			_, err := syscall.Write(p.snd, block)
			return os.NewSyscallError("write", err)
		}},
		{"client writes 1024 bytes and closes", func() error {
			if _, err := syscall.Write(p.snd, block); err != nil {
				return os.NewSyscallError("write", err)
			}
			err := syscall.Close(p.snd)
			p.snd = -1
			return os.NewSyscallError("close", err)
		}},
	}
	fmt.Fprintln(out, "trace: live, captured on lo")
	fmt.Fprintf(w, "%-3s %-3s  %-11s %5s %5s %5s %4s %4s  %s\n",
		"#", "dir", "flags", "seq", "ack", "win", "len", "mss", "note")
	for _, st := range steps {
		if err := st.do(); err != nil {
			return err
		}
		if p.snd >= 0 {
			_, err := waitInfo(p.snd, settled(1024))
			if err != nil {
				return fmt.Errorf("%s: %w", st.name, err)
			}
		}
		fmt.Fprintf(w, "-- %s\n", st.name)
		if err := t.drain(false); err != nil {
			return err
		}
	}
	// The server reads the last 2048 bytes and the end of the stream,
	// then closes: the last FIN, and the client's ACK of it from
	// TIME_WAIT.
	rest := 0
	for {
		n, err := syscall.Read(p.rcv, buf)
		if err != nil {
			return os.NewSyscallError("read", err)
		}
		if n == 0 {
			break
		}
		rest += n
	}
	err = syscall.Close(p.rcv)
	p.rcv = -1
	if err != nil {
		return os.NewSyscallError("close", err)
	}
	fmt.Fprintf(w, "-- server reads %d bytes and EOF, closes\n", rest)
	if err := t.drain(true); err != nil {
		return err
	}
	if record != "" {
		return os.WriteFile(record, rec.Bytes(), 0o644)
	}
	return nil
}

// recordedName is the output of a real -trace run, made with -record.
const recordedName = "testdata/trace.txt"

// showRecorded prints the recorded trace. It is looked for in the
// program's directory when the notebook runner plays it (the runner
// names it in NOTEBOOK_PROGRAM), else from the current directory up.
func showRecorded(out io.Writer) error {
	var dirs []string
	if dir := os.Getenv("NOTEBOOK_PROGRAM"); dir != "" {
		dirs = append(dirs, dir)
	}
	dir, err := os.Getwd()
	if err != nil {
		return err
	}
	for {
		dirs = append(dirs, dir, filepath.Join(dir, "window"),
			filepath.Join(dir, "chapters", "chapter04", "window"))
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	for _, d := range dirs {
		data, err := os.ReadFile(filepath.Join(d, recordedName))
		if err == nil {
			fmt.Fprintf(out, "trace: recorded (%s), not captured now\n",
				recordedName)
			_, err = out.Write(data)
			return err
		}
	}
	return errors.New("recorded trace " + recordedName +
		" not found; run from the repository")
}

// readFull reads exactly len(b) bytes from fd.
func readFull(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := syscall.Read(fd, b)
		if err != nil {
			return os.NewSyscallError("read", err)
		}
		if n == 0 {
			return errors.New("read: early end of stream")
		}
		b = b[n:]
	}
	return nil
}

// tracer prints the segments of one connection as they are drained
// from the packet socket, numbers made relative.
type tracer struct {
	out     io.Writer
	sock    int
	port    uint16    // the server's port
	n       int       // segments printed
	isn     [2]uint32 // client's and server's ISN
	shift   [2]int    // window scale each side announced
	finSeq  [2]uint32
	fin     [2]bool
	done    [2]bool   // the other side acknowledged that FIN
	next    [2]uint32 // next new sequence number, relative
	lastAck [2]uint32
	lastWin [2]int
}

// drain prints the frames queued on the packet socket. A frame is
// queued when it reaches lo, before TCP handles it, so once the sender
// has seen an ACK, that ACK is already in the queue. With untilClosed,
// drain waits (at most 2 s) until both FINs are acknowledged.
func (t *tracer) drain(untilClosed bool) error {
	buf := make([]byte, 1<<17)
	deadline := time.Now().Add(2 * time.Second)
	for {
		if untilClosed && t.done[0] && t.done[1] {
			return nil
		}
		flags := syscall.MSG_DONTWAIT
		if untilClosed {
			// Block, up to the socket's 100 ms timeout.
			flags = 0
			if time.Now().After(deadline) {
				return errors.New("trace: connection not closed in 2 s")
			}
		}
		n, from, err := syscall.Recvfrom(t.sock, buf, flags)
		if err == syscall.EAGAIN && !untilClosed {
			return nil
		}
		if err == syscall.EAGAIN || err == syscall.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("recvfrom", err)
		}
		// Keep the incoming copy of each loopback frame.
		if ll, ok := from.(*syscall.SockaddrLinklayer); ok &&
			ll.Pkttype == tcphdr.PacketOutgoing {
			continue
		}
		// The socket's filter let only this connection's frames in.
		seg, err := tcphdr.ParseFrame(buf[:n])
		if err != nil {
			return err
		}
		t.print(seg)
	}
}

// print prints one segment: direction, flags, relative seq and ack,
// the window in bytes (scaled after the SYNs), payload length, options.
func (t *tracer) print(s tcphdr.Segment) {
	h := s.TCP
	d := 0 // 0: client to server, 1: server to client
	if h.SrcPort == t.port {
		d = 1
	}
	if h.Flags&tcphdr.SYN != 0 {
		t.isn[d], t.shift[d] = h.Seq, h.WScale
		if t.shift[d] < 0 {
			t.shift[d] = 0
		}
	}
	win := int(h.Window)
	if h.Flags&tcphdr.SYN == 0 {
		win <<= uint(t.shift[d])
	}
	ack := "-"
	if h.Flags&tcphdr.ACK != 0 {
		ack = fmt.Sprint(h.Ack - t.isn[1-d])
	}
	if h.Flags&tcphdr.FIN != 0 {
		t.fin[d] = true
		t.finSeq[d] = h.Seq + uint32(len(s.Payload))
	}
	if h.Flags&tcphdr.ACK != 0 && t.fin[1-d] && h.Ack == t.finSeq[1-d]+1 {
		t.done[1-d] = true
	}
	// A note for what the numbers alone do not say.
	seq := h.Seq - t.isn[d]
	note := ""
	switch {
	case h.Flags&tcphdr.SYN != 0:
	case len(s.Payload) > 0 && seq < t.next[d]:
		note = "retransmission"
	case h.Flags&tcphdr.ACK != 0 && len(s.Payload) == 0 && win == 0:
		note = "zero window"
	case h.Flags&tcphdr.ACK != 0 && len(s.Payload) == 0 &&
		h.Flags&tcphdr.FIN == 0 && h.Ack == t.lastAck[d] &&
		win > t.lastWin[d]:
		note = "window update"
	}
	if h.SACKLen > 0 {
		note = strings.TrimSpace(note + " D-SACK")
	}
	end := seq + uint32(len(s.Payload))
	if h.Flags&(tcphdr.SYN|tcphdr.FIN) != 0 {
		end++
	}
	if end > t.next[d] || h.Flags&tcphdr.SYN != 0 {
		t.next[d] = end
	}
	t.lastAck[d], t.lastWin[d] = h.Ack, win

	dir := "C>S"
	if d == 1 {
		dir = "S>C"
	}
	t.n++
	mss := ""
	if h.MSS != 0 {
		mss = fmt.Sprint(h.MSS)
	}
	line := fmt.Sprintf("%-3d %-3s  %-11s %5d %5s %5d %4d %4s  %s", t.n,
		dir, h.Flags, seq, ack, win, len(s.Payload), mss, note)
	fmt.Fprintln(t.out, strings.TrimRight(line, " "))
}
