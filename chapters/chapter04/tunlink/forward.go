package tunlink

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tcpnotebook/tcpnotebook/chapters/chapter04/tcphdr"
)

// ErrNotPermitted is wrapped by the error Start returns when this
// process may not make a network namespace or a TUN device: it needs
// CAP_SYS_ADMIN for the one and CAP_NET_ADMIN for the other (root has
// both).
var ErrNotPermitted = errors.New("it needs CAP_NET_ADMIN and CAP_SYS_ADMIN (root)")

// Proc is one copy of this program, started in a namespace of its own.
type Proc struct {
	Args   []string // its command-line arguments
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Event is one packet the link read, and what became of it.
type Event struct {
	At      time.Duration // when the link read it, since the link came up
	Out     time.Duration // when it was delivered (0 when dropped)
	AtoB    bool          // from side A (10.77.0.1) to side B
	Verdict Verdict
	Len     int    // bytes of the IP packet
	Head    []byte // its first bytes: the IP and TCP headers, options included
}

// headBytes is how much of each packet an Event keeps: 60 bytes of IPv4
// header and 60 of TCP header at most, and a little payload.
const headBytes = 128

// Link is a running link between two namespaces.
type Link struct {
	cfg    Config
	procs  [2]*exec.Cmd
	ctl    [2]int
	tun    [2]*os.File
	exited [2]chan struct{}
	clocks [2]*Clock // A to B, B to A
	start  time.Time

	mu     sync.Mutex // guards the clocks, events and conns
	events []Event
	conns  map[string]*conn

	stop sync.Once
	wg   sync.WaitGroup
}

// conn follows one connection just enough to know when it is over.
type conn struct {
	fin    [2]bool   // a FIN was delivered, per direction
	finSeq [2]uint32 // its sequence number
	open   bool      // a SYN,ACK was delivered
	closed bool      // a RST, or the ACK of the second FIN, was delivered
}

// Start builds the link. It starts two copies of this program
// (os.Executable with the arguments of a and b), each in a network
// namespace of its own; each copy must call Join first, which hands
// its TUN device over. Then Start forwards packets between the two
// devices as cfg says. The copies wait in Join until Go releases them.
//
// The namespaces belong to nobody but these processes and the
// devices: when both copies have exited and Close has closed the
// devices, the kernel removes everything. Pdeathsig ends the copies if
// this process dies first.
func Start(cfg Config, a, b Proc) (*Link, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	l := &Link{cfg: cfg, ctl: [2]int{-1, -1}, conns: map[string]*conn{}}
	l.clocks[0], l.clocks[1] = NewClocks(cfg)
	for i, p := range []Proc{a, b} {
		if err := l.startSide(i, exe, p); err != nil {
			l.Close()
			return nil, err
		}
	}
	l.start = time.Now()
	for i := 0; i < 2; i++ {
		l.wg.Add(1)
		out := make(chan delivery, 4096)
		go l.deliver(1-i, out)
		go l.read(i, out)
	}
	return l, nil
}

func (l *Link) startSide(i int, exe string, p Proc) error {
	name := "ab"[i : i+1]
	// A pair of connected unix sockets: one end for us, one for the
	// child as its descriptor 3.
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|
		syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return os.NewSyscallError("socketpair", err)
	}
	l.ctl[i] = fds[0]
	child := os.NewFile(uintptr(fds[1]), "ctl")
	defer child.Close()

	cmd := exec.Command(exe, p.Args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.Stdin, p.Stdout, p.Stderr
	cmd.ExtraFiles = []*os.File{child}
	cmd.Env = append(os.Environ(),
		envSide+"="+name,
		envMTU+"="+strconv.Itoa(l.cfg.mtu()),
		envSysctl+"="+strings.Join(l.cfg.Sysctls, " "))
	// region clone
	// clone(2) with CLONE_NEWNET: the child starts in a network
	// namespace of its own, with its own devices, routes, sockets and
	// net sysctls. Pdeathsig: the kernel kills the child if we die.
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWNET,
		Pdeathsig:  syscall.SIGKILL,
	}
	// endregion clone
	if err := cmd.Start(); err != nil {
		if errors.Is(err, syscall.EPERM) {
			return fmt.Errorf("%w: clone(CLONE_NEWNET): %v",
				ErrNotPermitted, syscall.EPERM)
		}
		return err
	}
	l.procs[i] = cmd
	l.exited[i] = make(chan struct{})
	go func() {
		cmd.Wait()
		close(l.exited[i])
	}()

	// C: recvmsg(ctl, &msg, 0), then CMSG_DATA of the SCM_RIGHTS
	// message holds the descriptor.
	buf := make([]byte, 512)
	oob := make([]byte, syscall.CmsgSpace(4))
	n, oobn, _, _, err := syscall.Recvmsg(fds[0], buf, oob, 0)
	if err != nil {
		return os.NewSyscallError("recvmsg", err)
	}
	msg := string(buf[:n])
	if m, ok := strings.CutPrefix(msg, "error: "); ok {
		if strings.Contains(m, "operation not permitted") {
			return fmt.Errorf("%w: %s", ErrNotPermitted, m)
		}
		return fmt.Errorf("side %s: %s", name, m)
	}
	if n == 0 {
		return fmt.Errorf("side %s exited before its device was ready", name)
	}
	cmsgs, err := syscall.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(cmsgs) != 1 {
		return fmt.Errorf("side %s: no descriptor received", name)
	}
	tfds, err := syscall.ParseUnixRights(&cmsgs[0])
	if err != nil || len(tfds) != 1 {
		return fmt.Errorf("side %s: no descriptor received", name)
	}
	// Non-blocking, so that os.NewFile puts it on the runtime's poller
	// and Close wakes a pending Read.
	if err := syscall.SetNonblock(tfds[0], true); err != nil {
		syscall.Close(tfds[0])
		return os.NewSyscallError("fcntl", err)
	}
	l.tun[i] = os.NewFile(uintptr(tfds[0]), "tun-"+name)
	return nil
}

// Go releases side i ("a" is 0, "b" is 1) from its wait in Join.
func (l *Link) Go(i int) error {
	if _, err := syscall.Write(l.ctl[i], []byte{'g'}); err != nil {
		return os.NewSyscallError("write", err)
	}
	return nil
}

// Exited returns a channel closed when side i's process has exited.
func (l *Link) Exited(i int) <-chan struct{} { return l.exited[i] }

// ExitCode is side i's exit status, once it has exited; -1 for a
// signal.
func (l *Link) ExitCode(i int) int {
	return l.procs[i].ProcessState.ExitCode()
}

// Since returns the time since the link came up.
func (l *Link) Since() time.Duration { return time.Since(l.start) }

// delivery is one packet on its way out, and the event it belongs to.
type delivery struct {
	at  time.Time
	pkt []byte
	ev  int
}

// read carries packets from side i's device towards the other side.
func (l *Link) read(i int, out chan<- delivery) {
	defer close(out)
	buf := make([]byte, 65536)
	for {
		n, err := l.tun[i].Read(buf)
		if err != nil {
			return // the device was closed: the link is going down
		}
		now := time.Now()
		pkt := make([]byte, n)
		copy(pkt, buf[:n])
		l.mu.Lock()
		v, at := l.clocks[i].Decide(pkt, now)
		ev := len(l.events)
		l.events = append(l.events, Event{At: now.Sub(l.start),
			AtoB: i == 0, Verdict: v, Len: n, Head: head(pkt)})
		if !v.Dropped() {
			// Followed in the order read, not delivered: an answer
			// can be read only after what caused it was written.
			l.follow(pkt)
		}
		l.mu.Unlock()
		if v.Dropped() {
			continue
		}
		out <- delivery{at: at, pkt: pkt, ev: ev}
		if v == Twice {
			out <- delivery{at: at, pkt: pkt, ev: -1}
		}
	}
}

func head(pkt []byte) []byte {
	n := len(pkt)
	if n > headBytes {
		n = headBytes
	}
	h := make([]byte, n)
	copy(h, pkt[:n])
	return h
}

// deliver writes packets to side i's device when their time comes.
// Packets come in the order read but may be due in another order (a
// held-back one), so they wait in a list sorted by due time.
func (l *Link) deliver(i int, in <-chan delivery) {
	defer l.wg.Done()
	var due []delivery
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := time.Now()
		for len(due) > 0 && !due[0].at.After(now) {
			d := due[0]
			due = due[1:]
			if _, err := l.tun[i].Write(d.pkt); err != nil {
				continue // a closed device, or a packet it refused
			}
			l.delivered(d, time.Now())
		}
		var wake <-chan time.Time
		if len(due) > 0 {
			timer.Reset(due[0].at.Sub(now))
			wake = timer.C
		}
		select {
		case d, ok := <-in:
			if !ok {
				return
			}
			// Insert in due-time order, after packets due at the
			// same time.
			k := len(due)
			for k > 0 && due[k-1].at.After(d.at) {
				k--
			}
			due = append(due, delivery{})
			copy(due[k+1:], due[k:])
			due[k] = d
		case <-wake:
		}
		if wake != nil && !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// delivered records when a packet arrived.
func (l *Link) delivered(d delivery, when time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if d.ev >= 0 {
		l.events[d.ev].Out = when.Sub(l.start)
	}
}

// follow tracks the connection of a packet that will be delivered.
func (l *Link) follow(pkt []byte) {
	seg, err := tcphdr.ParsePacket(pkt)
	if err != nil {
		return
	}
	src, dst := seg.Src().String(), seg.Dst().String()
	k, dir := src+" "+dst, 0
	if dst < src {
		k, dir = dst+" "+src, 1
	}
	c := l.conns[k]
	if c == nil {
		c = &conn{}
		l.conns[k] = c
	}
	h := seg.TCP
	switch {
	case h.Flags&tcphdr.RST != 0:
		c.closed = true
	case h.Flags&tcphdr.SYN != 0 && h.Flags&tcphdr.ACK != 0:
		c.open = true
	}
	if h.Flags&tcphdr.FIN != 0 {
		c.fin[dir] = true
		c.finSeq[dir] = h.Seq + uint32(len(seg.Payload))
	}
	if c.fin[0] && c.fin[1] && h.Flags&tcphdr.FIN == 0 &&
		h.Flags&tcphdr.ACK != 0 && h.Ack == c.finSeq[1-dir]+1 {
		c.closed = true
	}
}

// Settled reports whether every connection that was set up over the
// link has been closed (its last ACK carried) or reset.
func (l *Link) Settled() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		if c.open && !c.closed {
			return false
		}
	}
	return true
}

// Events returns what the link has carried so far.
func (l *Link) Events() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	ev := make([]Event, len(l.events))
	copy(ev, l.events)
	return ev
}

// Close takes the link down: it ends both sides' processes if they
// are still running (SIGTERM, then SIGKILL after 2 s), waits for them
// and closes the devices, which removes them; with the last process
// gone, the kernel removes the namespaces too.
func (l *Link) Close() {
	l.stop.Do(func() {
		for i, cmd := range l.procs {
			if cmd == nil {
				continue
			}
			select {
			case <-l.exited[i]:
				continue
			default:
			}
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-l.exited[i]:
			case <-time.After(2 * time.Second):
				cmd.Process.Kill()
				<-l.exited[i]
			}
		}
		for i := 0; i < 2; i++ {
			if l.ctl[i] >= 0 {
				syscall.Close(l.ctl[i])
			}
			if l.tun[i] != nil {
				l.tun[i].Close()
			}
		}
		if l.tun[0] != nil && l.tun[1] != nil {
			l.wg.Wait()
		}
	})
}
