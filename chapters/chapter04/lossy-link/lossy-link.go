// Lossy-link is a network link made in user space, to watch TCP on a
// path that is slow and loses packets: something loopback never does.
// It puts two copies of itself in two private network namespaces, each
// with a TUN device (10.77.0.1 and 10.77.0.2), and carries every IP
// packet between them itself, after a delay, at a limited rate, or not
// at all, as the flags ask. Random choices repeat for a given -seed.
//
// Usage:
//
//	lossy-link [flags]
//	lossy-link [flags] -- SERVER-COMMAND... -- CLIENT-COMMAND...
//
// Without commands, a server in the first namespace (10.77.0.1:5001)
// receives what a client in the second sends (-bytes), and answers
// with the count and the SHA-256 of what it got; the client reports
// the MSS and the RTT it sees (TCP_INFO) and whether every byte
// arrived. With commands, the server command runs in the first
// namespace and the client command, once the server has printed a
// line, in the second, like "ip netns exec"; the link goes down when
// the client command exits, with its exit status.
//
// The first line is "link up: 10.77.0.1 <-> 10.77.0.2 (...)". -trace
// prints every TCP segment the link carried, decoded, at the end.
// The link needs CAP_NET_ADMIN and CAP_SYS_ADMIN (root); without them
// lossy-link says so in one line and exits.
//
// Flags:
//
//	-delay D     one-way delay, each direction (default 0)
//	-jitter D    plus or minus, per packet
//	-rate R      link rate: 10Mbit, 512kbit (default: no limit)
//	-queue N     packets waiting for the rate limit (default 100)
//	-loss P      random loss, each packet: 1%
//	-dup P       duplicated packets
//	-reorder P   packets held back behind the next ones
//	-drop RULE   lose chosen segments (repeatable): syn, synack,
//	             data=N, fin=N, lastack, each with *TIMES or *all
//	-seed N      seed of the random choices (default 1)
//	-mtu N       of both devices (default 1500)
//	-sysctl K=V  set a net. sysctl in both namespaces (repeatable)
//	-bytes N     what the built-in client sends (default 100000)
//	-cc NAME     the client's congestion control (TCP_CONGESTION)
//	-info D      sample the client's TCP_INFO every D, print it at the end
//	-rcvbuf N    the server's receive buffer (SO_RCVBUF)
//	-ackfirst    the client closes only when all its data is acknowledged
//	-v           print the client's throughput
//	-requests N  instead of a transfer: N requests of two writes each
//	             (10 + 90 bytes), each answered by one byte
//	-nagle       with -requests: leave Nagle's algorithm on
//	-trace       print the segments the link carried
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/tcpnotebook/tcpnotebook/chapters/chapter04/tcphdr"
	"github.com/tcpnotebook/tcpnotebook/chapters/chapter04/tunlink"
)

// port is where the built-in server listens. The namespace is
// private, so a fixed port cannot clash with anything.
const port = 5001

// usageError marks a bad command line: main exits 2 for it. run returns
// it unwrapped, so a pointer type assertion finds it (errors.As, or a
// value type, does not work on interpreted types under yaegi).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// exitError carries the client command's exit status.
type exitError struct{ code int }

func (e *exitError) Error() string { return "exit status " + strconv.Itoa(e.code) }

func main() {
	err := run(os.Args[1:])
	if e, ok := err.(*exitError); ok {
		os.Exit(e.code)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "lossy-link: error: %v\n", err)
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

// options is the parsed command line.
type options struct {
	cfg      tunlink.Config
	bytes    int
	cc       string
	trace    bool
	verbose  bool
	info     time.Duration
	rcvbuf   int
	ackFirst bool
	requests int
	nagle    bool
	server   []string // commands; empty for the built-in pair
	client   []string
	rawDrops multiFlag
}

func parse(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("lossy-link", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.DurationVar(&o.cfg.Delay, "delay", 0, "one-way `delay`")
	fs.DurationVar(&o.cfg.Jitter, "jitter", 0, "delay varies by +-`D`")
	rate := fs.String("rate", "0", "link `rate` (10Mbit)")
	fs.IntVar(&o.cfg.Queue, "queue", 100, "`packets` waiting for the rate")
	loss := fs.String("loss", "0", "random loss `P` (1%)")
	dup := fs.String("dup", "0", "duplicated packets `P`")
	reorder := fs.String("reorder", "0", "reordered packets `P`")
	fs.Var(&o.rawDrops, "drop", "lose chosen segments: `RULE`")
	fs.Int64Var(&o.cfg.Seed, "seed", 1, "`seed` of the random choices")
	fs.IntVar(&o.cfg.MTU, "mtu", 1500, "`bytes` per packet")
	var sysctls multiFlag
	fs.Var(&sysctls, "sysctl", "`net.K=V` in both namespaces")
	fs.IntVar(&o.bytes, "bytes", 100000, "what the client sends, in `bytes`")
	fs.StringVar(&o.cc, "cc", "", "congestion control `name`")
	fs.BoolVar(&o.trace, "trace", false, "print the segments carried")
	fs.BoolVar(&o.verbose, "v", false, "print the client's throughput")
	fs.DurationVar(&o.info, "info", 0, "sample TCP_INFO every `D`")
	fs.IntVar(&o.rcvbuf, "rcvbuf", 0, "the server's SO_RCVBUF, in `bytes`")
	fs.IntVar(&o.requests, "requests", 0,
		"instead of a transfer: `N` requests of two writes each")
	fs.BoolVar(&o.nagle, "nagle", false,
		"with -requests: leave Nagle's algorithm on")
	fs.BoolVar(&o.ackFirst, "ackfirst", false,
		"the client sends its FIN once all its data is acknowledged")
	if err := fs.Parse(args); err == flag.ErrHelp {
		fs.SetOutput(os.Stdout)
		fmt.Println("usage: lossy-link [flags] [-- SERVER... -- CLIENT...]")
		fs.PrintDefaults()
		return nil, err
	} else if err != nil {
		return nil, &usageError{err.Error()}
	}
	var err error
	if o.cfg.Rate, err = tunlink.ParseRate(*rate); err != nil {
		return nil, &usageError{err.Error()}
	}
	for _, p := range []struct {
		s   string
		dst *float64
	}{{*loss, &o.cfg.Loss}, {*dup, &o.cfg.Dup}, {*reorder, &o.cfg.Reorder}} {
		if *p.dst, err = tunlink.ParsePercent(p.s); err != nil {
			return nil, &usageError{err.Error()}
		}
	}
	for _, s := range o.rawDrops {
		d, err := tunlink.ParseDrop(s)
		if err != nil {
			return nil, &usageError{err.Error()}
		}
		o.cfg.Drops = append(o.cfg.Drops, d)
	}
	o.cfg.Sysctls = sysctls
	if err := o.cfg.Check(); err != nil {
		return nil, &usageError{err.Error()}
	}
	if o.bytes < 0 {
		return nil, &usageError{"-bytes must not be negative"}
	}
	if o.requests < 0 {
		return nil, &usageError{"-requests must not be negative"}
	}
	if o.rcvbuf < 0 {
		return nil, &usageError{"-rcvbuf must not be negative"}
	}
	// What is left: nothing, or "-- SERVER... -- CLIENT...". The flag
	// package has eaten the first "--".
	rest := fs.Args()
	if len(rest) > 0 {
		i := 0
		for i < len(rest) && rest[i] != "--" {
			i++
		}
		if i == 0 || i >= len(rest)-1 {
			return nil, &usageError{"want -- SERVER-COMMAND... -- " +
				"CLIENT-COMMAND..."}
		}
		o.server, o.client = rest[:i], rest[i+1:]
	}
	return o, nil
}

func run(args []string) error {
	o, err := parse(args)
	if err == flag.ErrHelp {
		return nil
	}
	if err != nil {
		return err
	}
	if side := tunlink.Side(); side != "" {
		return inside(side, o)
	}
	return outside(args, o)
}

// outside is the parent: it builds the link, releases the server, then
// the client, and takes everything down when the client is done.
func outside(args []string, o *options) error {
	var outA, outB lineBuffer
	a := tunlink.Proc{Args: args, Stdout: &outA, Stderr: &outA}
	b := tunlink.Proc{Args: args, Stdout: &outB, Stderr: &outB}
	commands := o.server != nil
	if commands {
		// Commands talk straight to the terminal, like ip netns exec;
		// the server's standard output still goes through outA, to see
		// its first line.
		outA.pass = os.Stdout
		a.Stderr = os.Stderr
		b.Stdin, b.Stdout, b.Stderr = os.Stdin, os.Stdout, os.Stderr
	}
	l, err := tunlink.Start(o.cfg, a, b)
	if errors.Is(err, tunlink.ErrNotPermitted) {
		fmt.Fprintf(os.Stderr, "lossy-link: cannot build the link: "+
			"%v\n", err)
		return nil
	}
	if err != nil {
		return err
	}
	defer l.Close()
	// Ctrl-C or a kill takes the link down on the way out.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)

	fmt.Printf("link up: %s <-> %s (%s)\n", tunlink.AddrA.Addr(),
		tunlink.AddrB.Addr(), o.cfg)

	// The server goes first; its first line means it is ready.
	if err := l.Go(0); err != nil {
		return err
	}
	select {
	case <-outA.firstLine():
	case <-l.Exited(0):
		l.Close()
		fmt.Print(outA.String())
		return errors.New("the server exited before it was ready")
	case <-time.After(10 * time.Second):
		return errors.New("the server printed nothing in 10 s")
	case s := <-sig:
		return fmt.Errorf("%v", s)
	}
	if err := l.Go(1); err != nil {
		return err
	}
	select {
	case <-l.Exited(1):
	case s := <-sig:
		return fmt.Errorf("%v", s)
	}
	// The client is done. The link stays up while a connection over
	// it is still closing (a FIN retransmitted, its ACK), at most 10 s,
	// and gives the built-in server 2 s more to finish by itself (it
	// has none to finish when no connection came).
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && !l.Settled() {
		time.Sleep(20 * time.Millisecond)
	}
	if !commands {
		select {
		case <-l.Exited(0):
		case <-time.After(2 * time.Second):
		}
	}
	l.Close()
	code := l.ExitCode(1)

	if !commands {
		fmt.Print(outA.String())
		fmt.Print(outB.String())
	}
	events := l.Events()
	if !commands {
		printSYNs(os.Stdout, events)
	}
	if o.trace {
		printTrace(os.Stdout, events)
	}
	fmt.Println("link down")
	if code != 0 {
		return &exitError{code}
	}
	return nil
}

// lineBuffer collects a side's output, or passes it on, and says when
// the first line has come.
type lineBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	pass  io.Writer
	first chan struct{}
	seen  bool
}

func (b *lineBuffer) firstLine() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.first == nil {
		b.first = make(chan struct{})
		if b.seen {
			close(b.first)
		}
	}
	return b.first
}

func (b *lineBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pass != nil {
		b.pass.Write(p)
	} else {
		b.buf.Write(p)
	}
	if !b.seen && bytes.IndexByte(p, '\n') >= 0 {
		b.seen = true
		if b.first != nil {
			close(b.first)
		}
	}
	return len(p), nil
}

func (b *lineBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// inside is a copy of the program in one of the namespaces.
func inside(side string, o *options) error {
	addr, err := tunlink.Join()
	if err != nil {
		return err
	}
	command := o.server
	if side == "b" {
		command = o.client
	}
	if command != nil {
		return execute(command)
	}
	if o.requests > 0 {
		if side == "a" {
			return rrServer(addr.Addr().String())
		}
		return rrClient(o)
	}
	if side == "a" {
		return server(addr.Addr().String(), o.rcvbuf)
	}
	return client(addr.Addr().String(), o)
}

// The request-response pair of -requests: each request is a 10-byte
// header and a 90-byte body, written separately, as a naive protocol
// implementation does; the answer is one byte.
const (
	headerLen = 10
	bodyLen   = 90
)

// rrServer answers every 100-byte request with one byte, until the
// client closes.
func rrServer(ip string) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return err
	}
	defer ln.Close()
	fmt.Printf("server: listening on %s\n", ln.Addr())
	c, err := ln.Accept()
	if err != nil {
		return err
	}
	defer c.Close()
	req := make([]byte, headerLen+bodyLen)
	n := 0
	for {
		if _, err := io.ReadFull(c, req); err == io.EOF {
			break
		} else if err != nil {
			return fmt.Errorf("server: read: %w", err)
		}
		if _, err := c.Write([]byte{'k'}); err != nil {
			return fmt.Errorf("server: write: %w", err)
		}
		n++
	}
	fmt.Printf("server: answered %d requests\n", n)
	return nil
}

// rrClient sends o.requests requests, each in two writes, waits for
// each answer, and says how long a request took on average.
func rrClient(o *options) error {
	dst := net.JoinHostPort("10.77.0.1", strconv.Itoa(port))
	c, err := net.Dial("tcp", dst)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	defer c.Close()
	tc := c.(*net.TCPConn)
	// region nodelay
	// Go's net package turns Nagle's algorithm off on every
	// connection (TCP_NODELAY). -nagle turns it back on, as C has it.
	// C: int off = 0;
	//    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &off, sizeof off)
	if err := tc.SetNoDelay(!o.nagle); err != nil {
		return err
	}
	// endregion nodelay
	header := make([]byte, headerLen)
	body := make([]byte, bodyLen)
	answer := make([]byte, 1)
	start := time.Now()
	for i := 0; i < o.requests; i++ {
		if _, err := c.Write(header); err != nil {
			return err
		}
		if _, err := c.Write(body); err != nil {
			return err
		}
		if _, err := io.ReadFull(c, answer); err != nil {
			return fmt.Errorf("client: read: %w", err)
		}
	}
	took := time.Since(start)
	nagle := "off (TCP_NODELAY)"
	if o.nagle {
		nagle = "on"
	}
	fmt.Printf("client: %d requests of two writes (%d + %d bytes), "+
		"Nagle %s\n", o.requests, headerLen, bodyLen, nagle)
	fmt.Printf("client: %.0f ms per request, rtt %v asked\n",
		took.Seconds()*1000/float64(o.requests), 2*o.cfg.Delay)
	return nil
}

// execute replaces this process with a command, which inherits the
// namespace: what "ip netns exec" does.
func execute(command []string) error {
	path, err := exec.LookPath(command[0])
	if err != nil {
		return err
	}
	// C: execv(path, argv). Only returns on failure.
	err = syscall.Exec(path, command, os.Environ())
	return os.NewSyscallError("execve "+path, err)
}

// server receives one connection's bytes and answers with their count
// and SHA-256, then closes.
func server(ip string, rcvbuf int) error {
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			if rcvbuf > 0 {
				// region rcvbuf
				// C: setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &n, sizeof n)
				// On the listener, before the handshake: the window
				// scale is chosen from the buffer when the SYN,ACK is
				// sent, and an accepted socket inherits the buffer.
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET,
					syscall.SO_RCVBUF, rcvbuf)
				// endregion rcvbuf
			}
		})
		if err != nil {
			return err
		}
		if serr != nil {
			return os.NewSyscallError("setsockopt SO_RCVBUF", serr)
		}
		return nil
	}}
	ln, err := lc.Listen(context.Background(), "tcp",
		net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return err
	}
	defer ln.Close()
	fmt.Printf("server: listening on %s\n", ln.Addr())
	c, err := ln.Accept()
	if err != nil {
		return err
	}
	defer c.Close()
	h := sha256.New()
	n, err := io.Copy(h, c)
	if err != nil {
		return fmt.Errorf("server: read: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	fmt.Printf("server: received %d bytes, sha256 %s\n", n, sum[:16])
	_, err = fmt.Fprintf(c, "%d %s\n", n, sum)
	return err
}

// client sends o.bytes pseudo-random bytes and checks the server's
// answer.
func client(ip string, o *options) error {
	dst := net.JoinHostPort("10.77.0.1", strconv.Itoa(port))
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			if o.cc != "" {
				// C: setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION,
				//    "reno", 4)
				serr = syscall.SetsockoptString(int(fd),
					syscall.IPPROTO_TCP, syscall.TCP_CONGESTION, o.cc)
			}
		})
		if err != nil {
			return err
		}
		if serr != nil {
			return os.NewSyscallError("setsockopt TCP_CONGESTION", serr)
		}
		return nil
	}}
	start := time.Now()
	c, err := d.Dial("tcp", dst)
	if errors.Is(err, syscall.ETIMEDOUT) {
		// The outcome the SYN experiments wait for: a result, not a
		// failure of the program.
		fmt.Printf("client: connect to %s: %v after %.1f s\n", dst,
			syscall.ETIMEDOUT, time.Since(start).Seconds())
		return nil
	}
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	defer c.Close()
	tc := c.(*net.TCPConn)
	ti, err := tcpInfo(tc)
	if err != nil {
		return err
	}
	fmt.Printf("client: connected to %s\n", dst)
	lo, err := loopbackMSS()
	if err != nil {
		return err
	}
	fmt.Printf("client: at most %d data bytes per segment (TCP_INFO "+
		"advmss); over lo: %d\n", ti.advmss, lo)
	fmt.Printf("client: rtt %.1f ms after the handshake (TCP_INFO), "+
		"delay asked %v each way\n", float64(ti.rtt)/1000, o.cfg.Delay)
	fmt.Printf("client: rto %d ms (TCP_INFO)\n", ti.rto/1000)

	data := make([]byte, o.bytes)
	rand.New(rand.NewSource(o.cfg.Seed)).Read(data)
	sum := sha256.Sum256(data)
	start = time.Now()
	// With -info, a goroutine samples TCP_INFO while the data goes.
	stop := make(chan struct{})
	samples := make(chan []sample, 1)
	if o.info > 0 {
		go func() { samples <- sampleInfo(tc, o.info, start, stop) }()
	}
	if _, err := c.Write(data); err != nil {
		return fmt.Errorf("client: write: %w", err)
	}
	if o.ackFirst {
		// Wait until the kernel says every byte is acknowledged
		// (tcpi_unacked and tcpi_notsent_bytes are 0), at most 30 s.
		for end := time.Now().Add(30 * time.Second); ; {
			ti, err := tcpInfo(tc)
			if err != nil {
				return err
			}
			if ti.unacked == 0 && ti.notSent == 0 {
				break
			}
			if time.Now().After(end) {
				return errors.New("client: data not acknowledged in 30 s")
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	// shutdown(SHUT_WR): our FIN; the server reads to end of file.
	if err := tc.CloseWrite(); err != nil {
		return err
	}
	reply, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fmt.Errorf("client: read the answer: %w", err)
	}
	took := time.Since(start)
	close(stop)
	if o.info > 0 {
		printSamples(<-samples, o.cc)
	}
	ti, err = tcpInfo(tc)
	if err != nil {
		return err
	}
	fmt.Printf("client: sent %d bytes; rtt %.1f ms, %d retransmitted "+
		"segments (TCP_INFO)\n", o.bytes, float64(ti.rtt)/1000,
		ti.totalRetrans)
	want := fmt.Sprintf("%d %s\n", o.bytes, hex.EncodeToString(sum[:]))
	if reply != want {
		return fmt.Errorf("client: the server got something else: %q",
			strings.TrimSpace(reply))
	}
	fmt.Printf("client: the server got every byte, in order (sha256 " +
		"matches)\n")
	if o.verbose && took > 0 {
		fmt.Printf("client: %.2f s, %.2f Mbit/s\n", took.Seconds(),
			float64(o.bytes)*8/took.Seconds()/1e6)
	}
	return nil
}

// sample is what TCP_INFO said at one moment of a transfer.
type sample struct {
	at time.Duration
	ti info
}

// sampleInfo reads TCP_INFO every interval until stop is closed.
func sampleInfo(c *net.TCPConn, every time.Duration, start time.Time,
	stop <-chan struct{}) []sample {
	var out []sample
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		ti, err := tcpInfo(c)
		if err == nil {
			out = append(out, sample{time.Since(start), ti})
		}
		select {
		case <-stop:
			return out
		case <-t.C:
		}
	}
}

// printSamples prints one line per sample, the form cwnd-chart reads:
// time in seconds, cwnd and ssthresh in segments ("-" while ssthresh
// is still infinite), smoothed RTT in ms, segments retransmitted so
// far, bytes acknowledged.
func printSamples(ss []sample, cc string) {
	if cc == "" {
		cc = "default"
	}
	fmt.Printf("client: TCP_INFO samples (%s): time cwnd ssthresh rtt "+
		"retrans acked\n", cc)
	for _, s := range ss {
		th := "-"
		if s.ti.ssthresh < 1<<30 {
			th = strconv.Itoa(int(s.ti.ssthresh))
		}
		fmt.Printf("info %.3f %d %s %.1f %d %d\n", s.at.Seconds(),
			s.ti.cwnd, th, float64(s.ti.rtt)/1000, s.ti.totalRetrans,
			s.ti.bytesAcked)
	}
}

// loopbackMSS makes a connection over lo, inside this namespace, and
// returns its advmss, to compare with the link's.
func loopbackMSS() (uint32, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return 0, err
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		return 0, err
	}
	defer s.Close()
	ti, err := tcpInfo(c.(*net.TCPConn))
	return ti.advmss, err
}

// info holds the fields of struct tcp_info this program prints.
type info struct {
	rto, sndMSS, rtt, rttvar uint32
	ssthresh, cwnd, advmss   uint32
	totalRetrans             uint32
	bytesAcked               uint64
	unacked, notSent         uint32
}

// region tcpinfo
// tcpInfo reads struct tcp_info (linux/tcp.h) with getsockopt(2).
// C: struct tcp_info ti; socklen_t len = sizeof ti;
//
//	getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len)
func tcpInfo(c *net.TCPConn) (info, error) {
	var ti info
	rc, err := c.SyscallConn()
	if err != nil {
		return ti, err
	}
	var buf [256]byte
	n := uint32(len(buf))
	var e syscall.Errno
	err = rc.Control(func(fd uintptr) {
		_, _, e = syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd,
			syscall.IPPROTO_TCP, syscall.TCP_INFO,
			uintptr(unsafe.Pointer(&buf[0])),
			uintptr(unsafe.Pointer(&n)), 0)
	})
	if err != nil {
		return ti, err
	}
	if e != 0 {
		return ti, os.NewSyscallError("getsockopt TCP_INFO", e)
	}
	if n < 104 {
		return ti, fmt.Errorf("tcp_info: %d bytes", n)
	}
	le := binary.NativeEndian
	ti.rto = le.Uint32(buf[8:])     // tcpi_rto, microseconds
	ti.sndMSS = le.Uint32(buf[16:]) // tcpi_snd_mss
	ti.rtt = le.Uint32(buf[68:])    // tcpi_rtt, smoothed, microseconds
	ti.rttvar = le.Uint32(buf[72:]) // tcpi_rttvar
	ti.ssthresh = le.Uint32(buf[76:])
	ti.cwnd = le.Uint32(buf[80:])   // tcpi_snd_cwnd, in segments
	ti.advmss = le.Uint32(buf[84:]) // tcpi_advmss
	ti.totalRetrans = le.Uint32(buf[100:])
	ti.unacked = le.Uint32(buf[24:]) // tcpi_unacked, segments
	if n >= 128 {
		ti.bytesAcked = le.Uint64(buf[120:]) // tcpi_bytes_acked
	}
	if n >= 148 {
		ti.notSent = le.Uint32(buf[144:]) // tcpi_notsent_bytes
	}
	return ti, nil
}

// endregion tcpinfo

// printTrace prints every TCP segment the link read, one a line: when
// it was sent (read by the link) and when it arrived (written to the
// other side), which way, the header with relative numbers, what the
// link did.
func printTrace(out io.Writer, events []tunlink.Event) {
	var t0 time.Duration
	if len(events) > 0 {
		t0 = events[0].At
	}
	fmt.Fprintf(out, "%7s %7s  %-3s  %-11s %7s %7s %5s  %s\n", "sent",
		"arrived", "dir", "flags", "seq", "ack", "len",
		"options, what the link did")
	var isn [2]uint32
	var haveISN [2]bool
	seen := [2]map[uint32]bool{{}, {}}
	var lastAck [2]uint32
	var ackSeen [2]bool
	var dups [2]int
	sent := map[string][]time.Duration{} // "C>S seq 1" -> when sent
	var order []string
	for _, ev := range events {
		seg, err := parseHead(ev.Head)
		if err != nil {
			continue
		}
		// d is 0 for segments from side B (the client), 1 from A.
		d, dir := 0, "C>S"
		if ev.AtoB {
			d, dir = 1, "S>C"
		}
		h := seg.TCP
		if h.Flags&tcphdr.SYN != 0 && !haveISN[d] {
			isn[d], haveISN[d] = h.Seq, true
		}
		n := ev.Len - seg.IP.HdrLen - h.HdrLen
		ack := "-"
		if h.Flags&tcphdr.ACK != 0 {
			ack = strconv.FormatUint(uint64(h.Ack-isn[1-d]), 10)
		}
		var notes []string
		if o := h.OptionString(); o != "" {
			notes = append(notes, sackRanges(o, h, isn[1-d]))
		}
		// A duplicate ACK: no data, no SYN or FIN, and the same
		// acknowledgement number as the sender's ACK before it.
		if n == 0 && h.Flags&(tcphdr.SYN|tcphdr.FIN|tcphdr.RST) == 0 &&
			h.Flags&tcphdr.ACK != 0 {
			if ackSeen[d] && h.Ack == lastAck[d] {
				dups[d]++
				notes = append(notes, "DUP ACK "+strconv.Itoa(dups[d]))
			} else {
				dups[d] = 0
			}
		} else if n > 0 || h.Flags&tcphdr.FIN != 0 {
			dups[d] = 0
		}
		if h.Flags&tcphdr.ACK != 0 {
			lastAck[d], ackSeen[d] = h.Ack, true
		}
		// A SYN, a FIN or data sent again is a retransmission.
		if n > 0 || h.Flags&(tcphdr.SYN|tcphdr.FIN) != 0 {
			if seen[d][h.Seq] {
				notes = append(notes, "RETRANSMISSION")
			}
			seen[d][h.Seq] = true
		}
		if ev.Verdict != tunlink.Pass {
			notes = append(notes, strings.ToUpper(ev.Verdict.String()))
		}
		arrived := "-"
		if ev.Out > 0 {
			arrived = fmt.Sprintf("%.3f", (ev.Out - t0).Seconds())
		}
		fmt.Fprintf(out, "%7.3f %7s  %-3s  %-11s %7d %7s %5d  %s\n",
			(ev.At - t0).Seconds(), arrived, dir, h.Flags, h.Seq-isn[d],
			ack, n, strings.Join(notes, " "))
		if n > 0 || h.Flags&(tcphdr.SYN|tcphdr.FIN) != 0 {
			k := dir + " seq " + strconv.FormatUint(uint64(h.Seq-isn[d]), 10)
			if _, ok := sent[k]; !ok {
				order = append(order, k)
			}
			sent[k] = append(sent[k], ev.At)
		}
	}
	// The waits between transmissions of each segment sent more than
	// once: the retransmission timeouts, as the wire shows them.
	for _, k := range order {
		at := sent[k]
		if len(at) < 2 {
			continue
		}
		var waits []string
		for i := 1; i < len(at); i++ {
			waits = append(waits, fmt.Sprintf("%.3f", (at[i]-at[i-1]).Seconds()))
		}
		fmt.Fprintf(out, "%s sent %d times, waits %s s\n", k, len(at),
			strings.Join(waits, ", "))
	}
}

// sackRanges writes the SACK blocks of h into its option string, as
// byte ranges relative to the ISN of the data they acknowledge:
// "sack=1" becomes "sack=4345-14481".
func sackRanges(opts string, h tcphdr.TCP, isn uint32) string {
	blocks := h.SACKBlocks()
	if len(blocks) == 0 {
		return opts
	}
	var r []string
	for _, b := range blocks {
		r = append(r, fmt.Sprintf("%d-%d", b.Left-isn, b.Right-isn))
	}
	return strings.Replace(opts, "sack="+strconv.Itoa(len(blocks)),
		"sack="+strings.Join(r, ","), 1)
}

// printSYNs says what MSS and window scale each SYN announced, as the
// link saw them.
func printSYNs(out io.Writer, events []tunlink.Event) {
	var syn, synack string
	for _, ev := range events {
		seg, err := parseHead(ev.Head)
		if err != nil || seg.TCP.Flags&tcphdr.SYN == 0 || seg.TCP.MSS == 0 {
			continue
		}
		mss := strconv.Itoa(int(seg.TCP.MSS))
		if seg.TCP.WScale >= 0 {
			mss += " wscale " + strconv.Itoa(seg.TCP.WScale)
		} else {
			mss += " no wscale"
		}
		if seg.TCP.Flags&tcphdr.ACK == 0 && syn == "" {
			syn = mss
		} else if seg.TCP.Flags&tcphdr.ACK != 0 && synack == "" {
			synack = mss
		}
	}
	if syn != "" && synack != "" {
		fmt.Fprintf(out, "link: the SYN announced mss %s, the SYN,ACK "+
			"mss %s\n", syn, synack)
	}
}

// parseHead decodes the IP and TCP headers of a packet of which the
// link kept the first bytes only: the IPv4 total length is set to what
// was kept, so that the decoder does not look for the rest.
func parseHead(b []byte) (tcphdr.Segment, error) {
	var s tcphdr.Segment
	if len(b) < 20 || b[0]>>4 != 4 {
		return s, tcphdr.ErrNotTCP
	}
	cut := make([]byte, len(b))
	copy(cut, b)
	binary.BigEndian.PutUint16(cut[2:], uint16(len(b)))
	return tcphdr.ParsePacket(cut)
}
