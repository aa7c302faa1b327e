// mux-bench measures what one wait costs with select(2), poll(2) and
// epoll_wait(2) when N loopback TCP connections are idle and one is
// ready, for several N in one run, and prints a table.
//
// Usage:
//
//	mux-bench [-n 10,30,100,...] [-d 200ms] [-svg FILE]
//
// Every N gets the three calls in turn; each is called in a loop for
// about the time -d of CPU time (the thread's, not the wall clock's),
// in seven batches; the fastest batch is printed, in nanoseconds per
// call, with the ratio of the median batch to it. select is measured only while every watched
// descriptor is below FD_SETSIZE (1024). The client ends of the
// connections live in a child process (this program again, started
// as "mux-bench clients PORT"), so that each process holds one end of
// each: 10,000 connections need some 10,000 descriptors in each, which
// the program makes sure RLIMIT_NOFILE allows. -svg also writes the
// table as a chart.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

const usage = "usage: mux-bench [-n N,N,...] [-d DURATION] [-svg FILE]"

// usageError marks a bad command line: main exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "mux-bench: error: %v\n", err)
		// A pointer type assertion: errors.As does not see
		// interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// maxConns bounds -n: beyond it the run takes too long to be a lesson.
const maxConns = 50000

func run(args []string) error {
	if len(args) == 2 && args[0] == "clients" {
		return clients(args[1])
	}
	fs := flag.NewFlagSet("mux-bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	list := fs.String("n", "10,30,100,300,1000,3000,10000",
		"idle connection counts, `N,N,...` ascending")
	d := fs.Duration("d", 200*time.Millisecond,
		"time spent measuring each call at each N")
	svg := fs.String("svg", "", "also write the results as an SVG chart to `FILE`")
	if err := fs.Parse(args); err == flag.ErrHelp {
		fmt.Println(usage)
		return nil
	} else if err != nil {
		return &usageError{err.Error()}
	}
	if fs.NArg() != 0 {
		return &usageError{"want no arguments"}
	}
	sizes, err := parseSizes(*list)
	if err != nil {
		return &usageError{err.Error()}
	}
	if *d <= 0 || *d > time.Minute {
		return &usageError{"-d must be more than 0 and at most 1m"}
	}
	rows, err := measure(sizes, *d)
	if err != nil {
		return err
	}
	if *svg != "" {
		if err := writeSVG(*svg, rows); err != nil {
			return err
		}
		fmt.Printf("chart written to %s\n", *svg)
	}
	return nil
}

// parseSizes reads "10,100,1000": ascending, from 1 to maxConns.
func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > maxConns {
			return nil, fmt.Errorf("-n: %q is not a number from 1 to %d",
				f, maxConns)
		}
		if len(out) > 0 && n <= out[len(out)-1] {
			return nil, fmt.Errorf("-n: %d after %d: the list must "+
				"ascend", n, out[len(out)-1])
		}
		out = append(out, n)
	}
	return out, nil
}

// row is one line of the table: nanoseconds per call, 0 for "not
// measured".
type row struct {
	n                               int
	sel, pol, epo                   float64
	selSpread, polSpread, epoSpread float64
}

// region setup
// bench holds the server ends of the connections, which it watches;
// a child process holds the client ends.
type bench struct {
	lfd     int
	epfd    int
	active  [2]int // the one ready connection: server end, client end
	servers []int  // every server end, the active one first
	child   *exec.Cmd
	toChild io.WriteCloser
	fromCh  *bufio.Reader
}

func measure(sizes []int, d time.Duration) ([]row, error) {
	maxN := sizes[len(sizes)-1]
	// Each process holds one end of each connection, and a few
	// descriptors of its own.
	if err := raiseNofile(maxN + 64); err != nil {
		return nil, err
	}
	b := &bench{}
	defer b.close()
	if err := b.open(); err != nil {
		return nil, err
	}

	fmt.Printf("one wait with N idle connections and 1 ready: CPU ns "+
		"per call, fastest of %d batches (median/fastest)\n", batches)
	fmt.Printf("%6s %16s %16s %16s\n", "N", "select", "poll", "epoll")
	var rows []row
	for _, n := range sizes {
		if err := b.grow(n); err != nil {
			return nil, err
		}
		r := row{n: n}
		var err error
		if b.servers[len(b.servers)-1] < setSize {
			master, maxfd := b.fdSet()
			r.sel, r.selSpread, err = timeIt(d, func() error {
				return b.selectOnce(&master, maxfd)
			})
			if err != nil {
				return nil, err
			}
		}
		fds := b.pollFds()
		r.pol, r.polSpread, err = timeIt(d, func() error {
			return b.pollOnce(fds)
		})
		if err != nil {
			return nil, err
		}
		evs := make([]syscall.EpollEvent, 16)
		r.epo, r.epoSpread, err = timeIt(d, func() error {
			return b.epollOnce(evs)
		})
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
		fmt.Printf("%6d %16s %16s %16s\n", n, cell(r.sel, r.selSpread),
			cell(r.pol, r.polSpread), cell(r.epo, r.epoSpread))
	}
	return rows, nil
}

// grow asks the child for connections until n are idle, and accepts
// each one: connect(2) there, accept(2) here, epoll_ctl(ADD).
func (b *bench) grow(n int) error {
	more := n - (len(b.servers) - 1)
	if more <= 0 {
		return nil
	}
	if _, err := fmt.Fprintf(b.toChild, "%d\n", more); err != nil {
		return fmt.Errorf("clients: %w", err)
	}
	for i := 0; i < more; i++ {
		s, _, err := syscall.Accept4(b.lfd, syscall.SOCK_CLOEXEC)
		if err != nil {
			return os.NewSyscallError("accept", err)
		}
		if err := b.watch(s); err != nil {
			return err
		}
	}
	line, err := b.fromCh.ReadString('\n')
	if err != nil || line != "ok\n" {
		return fmt.Errorf("clients: %q, %v", line, err)
	}
	return nil
}

// endregion setup

func cell(ns, spread float64) string {
	if ns == 0 {
		return "- (>= 1024)"
	}
	return fmt.Sprintf("%.0f (x%.1f)", ns, spread)
}

// raiseNofile makes sure this process may open need descriptors.
// C: getrlimit(RLIMIT_NOFILE, &rl); rl.rlim_cur = need; setrlimit(...)
func raiseNofile(need int) error {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return os.NewSyscallError("getrlimit", err)
	}
	if rl.Cur >= uint64(need) {
		return nil
	}
	rl.Cur = uint64(need)
	if rl.Max < rl.Cur {
		// Raising the hard limit needs CAP_SYS_RESOURCE.
		rl.Max = rl.Cur
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return fmt.Errorf("%d descriptors needed, RLIMIT_NOFILE "+
			"cannot be raised (%v); hint: run as root, or ask for "+
			"fewer connections with -n", need, err)
	}
	return nil
}

func (b *bench) open() error {
	var err error
	b.lfd, err = syscall.Socket(syscall.AF_INET,
		syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	lo := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Bind(b.lfd, lo); err != nil {
		return os.NewSyscallError("bind", err)
	}
	if err := syscall.Listen(b.lfd, 128); err != nil {
		return os.NewSyscallError("listen", err)
	}
	b.epfd, err = syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return os.NewSyscallError("epoll_create1", err)
	}
	sa, err := syscall.Getsockname(b.lfd)
	if err != nil {
		return os.NewSyscallError("getsockname", err)
	}
	port := sa.(*syscall.SockaddrInet4).Port

	// The active connection is made here, both ends in this
	// process. Its byte is never read, so it stays ready.
	c, err := dial(port)
	if err != nil {
		return err
	}
	b.active[1] = c
	s, _, err := syscall.Accept4(b.lfd, syscall.SOCK_CLOEXEC)
	if err != nil {
		return os.NewSyscallError("accept", err)
	}
	b.active[0] = s
	if err := b.watch(s); err != nil {
		return err
	}
	if _, err := syscall.Write(c, []byte("x")); err != nil {
		return os.NewSyscallError("write", err)
	}

	// The idle connections come from a child: this program again.
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	b.child = exec.Command(exe, "clients", strconv.Itoa(port))
	b.child.Stderr = os.Stderr
	b.toChild, err = b.child.StdinPipe()
	if err != nil {
		return err
	}
	out, err := b.child.StdoutPipe()
	if err != nil {
		return err
	}
	b.fromCh = bufio.NewReader(out)
	if err := b.child.Start(); err != nil {
		return fmt.Errorf("start the clients: %w", err)
	}
	return nil
}

// watch adds a server end to the list and to the epoll instance.
func (b *bench) watch(s int) error {
	b.servers = append(b.servers, s)
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(s)}
	err := syscall.EpollCtl(b.epfd, syscall.EPOLL_CTL_ADD, s, &ev)
	if err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

// close ends the child (the end of its input tells it to close its
// connections and exit) and closes everything here.
func (b *bench) close() {
	if b.child != nil && b.child.Process != nil {
		b.toChild.Close()
		done := make(chan error, 1)
		go func() { done <- b.child.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			b.child.Process.Kill()
			<-done
		}
	}
	for _, fd := range b.servers {
		syscall.Close(fd)
	}
	if b.active[1] > 0 {
		syscall.Close(b.active[1])
	}
	if b.epfd > 0 {
		syscall.Close(b.epfd)
	}
	if b.lfd > 0 {
		syscall.Close(b.lfd)
	}
}

// dial makes one connection to 127.0.0.1:port. On close it sends a
// reset instead of a FIN, which leaves no TIME_WAIT behind.
func dial(port int) (int, error) {
	c, err := syscall.Socket(syscall.AF_INET,
		syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	sa := &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Connect(c, sa); err != nil {
		syscall.Close(c)
		return -1, os.NewSyscallError("connect", err)
	}
	syscall.SetsockoptLinger(c, syscall.SOL_SOCKET, syscall.SO_LINGER,
		&syscall.Linger{Onoff: 1, Linger: 0})
	return c, nil
}

// clients is the child: for each number K read from standard input it
// makes K more connections to port and answers "ok"; at the end of its
// input it closes them all.
func clients(portText string) error {
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return &usageError{"clients: invalid port " +
			strconv.Quote(portText)}
	}
	var fds []int
	defer func() {
		for _, fd := range fds {
			syscall.Close(fd)
		}
	}()
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		k, err := strconv.Atoi(in.Text())
		if err != nil || k < 1 || len(fds)+k > maxConns {
			return fmt.Errorf("clients: bad request %q", in.Text())
		}
		if err := raiseNofile(len(fds) + k + 64); err != nil {
			return err
		}
		for i := 0; i < k; i++ {
			c, err := dial(port)
			if err != nil {
				return err
			}
			fds = append(fds, c)
		}
		fmt.Println("ok")
	}
	return in.Err()
}

// setSize is FD_SETSIZE.
const setSize = len(syscall.FdSet{}.Bits) * 64

// region calls
// selectOnce is one select over every server end, with the set built
// as a select loop must build it before each call: a copy of the
// master set.
func (b *bench) selectOnce(master *syscall.FdSet, maxfd int) error {
	set := *master
	tv := syscall.Timeval{}
	n, err := syscall.Select(maxfd+1, &set, nil, nil, &tv)
	if err != nil {
		return os.NewSyscallError("select", err)
	}
	if n != 1 {
		return fmt.Errorf("select: %d ready, want 1", n)
	}
	return nil
}

// pollOnce is one poll over every server end.
func (b *bench) pollOnce(fds []pollFd) error {
	n, _, errno := syscall.Syscall(syscall.SYS_POLL,
		uintptr(unsafe.Pointer(&fds[0])), uintptr(len(fds)), 0)
	if errno != 0 {
		return os.NewSyscallError("poll", errno)
	}
	if n != 1 {
		return fmt.Errorf("poll: %d ready, want 1", n)
	}
	return nil
}

// epollOnce is one epoll_wait; the interest list holds every server
// end already.
func (b *bench) epollOnce(evs []syscall.EpollEvent) error {
	n, err := syscall.EpollWait(b.epfd, evs, 0)
	if err != nil {
		return os.NewSyscallError("epoll_wait", err)
	}
	if n != 1 {
		return fmt.Errorf("epoll_wait: %d ready, want 1", n)
	}
	return nil
}

// endregion calls

// pollFd is struct pollfd.
type pollFd struct {
	fd      int32
	events  int16
	revents int16
}

// fdSet is the master set of every server end, and the largest one.
func (b *bench) fdSet() (syscall.FdSet, int) {
	var master syscall.FdSet
	maxfd := 0
	for _, fd := range b.servers {
		master.Bits[fd/64] |= 1 << (uint(fd) % 64)
		if fd > maxfd {
			maxfd = fd
		}
	}
	return master, maxfd
}

// pollFds is the pollfd array of every server end, for POLLIN.
func (b *bench) pollFds() []pollFd {
	fds := make([]pollFd, 0, len(b.servers))
	for _, fd := range b.servers {
		fds = append(fds, pollFd{fd: int32(fd), events: 0x1})
	}
	return fds
}

// batches is how many batches each measurement is split into.
const batches = 7

// threadCPU is the CPU time this thread has used, user and kernel.
// Unlike the wall clock it does not run while other processes have
// the CPU, which on a busy machine is most of the time.
// C: clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
func threadCPU() time.Duration {
	const clockThreadCPUTimeID = 3
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID,
		uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

// timeIt calls call in batches of about d/batches of CPU time each and
// returns the CPU time per call of the fastest batch, in nanoseconds,
// and the ratio of the median batch to the fastest. The fastest batch
// is the one least disturbed (caches, interrupts): the closest to what
// the call itself costs.
func timeIt(d time.Duration, call func() error) (float64, float64, error) {
	// The thread's CPU clock must stay the thread the calls run on.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// Warm up, and learn how many calls fit in a batch.
	calls := 1
	for {
		start := threadCPU()
		for i := 0; i < calls; i++ {
			if err := call(); err != nil {
				return 0, 0, err
			}
		}
		if threadCPU()-start >= d/batches/4 || calls >= 1<<24 {
			calls *= 4
			break
		}
		calls *= 2
	}
	var per []float64
	for k := 0; k < batches; k++ {
		start := threadCPU()
		for i := 0; i < calls; i++ {
			if err := call(); err != nil {
				return 0, 0, err
			}
		}
		per = append(per, float64((threadCPU()-start).Nanoseconds())/
			float64(calls))
	}
	sort.Float64s(per)
	return per[0], per[batches/2] / per[0], nil
}

// writeSVG draws the table as a log-log chart, written atomically (a
// temporary file in the same directory, then rename).
func writeSVG(path string, rows []row) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".mux-bench-*.svg")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.WriteString(tmp, chart(rows)); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// chart renders rows as an SVG line chart, both axes logarithmic.
func chart(rows []row) string {
	const w, h = 640.0, 400.0
	const left, right, top, bottom = 80.0, 110.0, 40.0, 55.0
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range rows {
		for _, v := range []float64{r.sel, r.pol, r.epo} {
			if v > 0 {
				lo = math.Min(lo, v)
				hi = math.Max(hi, v)
			}
		}
	}
	if len(rows) == 0 || math.IsInf(lo, 1) {
		lo, hi = 1, 10
	}
	x0 := math.Floor(math.Log10(float64(rows[0].n)))
	x1 := math.Ceil(math.Log10(float64(rows[len(rows)-1].n)))
	if x1 <= x0 {
		x1 = x0 + 1
	}
	y0, y1 := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if y1 <= y0 {
		y1 = y0 + 1
	}
	px := func(n float64) float64 {
		return left + (math.Log10(n)-x0)/(x1-x0)*(w-left-right)
	}
	py := func(ns float64) float64 {
		return h - bottom - (math.Log10(ns)-y0)/(y1-y0)*(h-top-bottom)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" `+
		`width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" `+
		`font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	fmt.Fprintf(&sb, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&sb, `<text x="%.0f" y="22" font-size="14">One wait `+
		`with N idle connections and 1 ready</text>`+"\n", left)
	for e := x0; e <= x1; e++ {
		x := px(math.Pow(10, e))
		fmt.Fprintf(&sb, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" `+
			`stroke="#ddd"/>`+"\n", x, top, x, h-bottom)
		fmt.Fprintf(&sb, `<text x="%.1f" y="%.1f" text-anchor="middle">`+
			`%s</text>`+"\n", x, h-bottom+16, count(math.Pow(10, e)))
	}
	for e := y0; e <= y1; e++ {
		y := py(math.Pow(10, e))
		fmt.Fprintf(&sb, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" `+
			`stroke="#ddd"/>`+"\n", left, y, w-right, y)
		fmt.Fprintf(&sb, `<text x="%.1f" y="%.1f" text-anchor="end">`+
			`%s</text>`+"\n", left-6, y+4, duration(math.Pow(10, e)))
	}
	fmt.Fprintf(&sb, `<text x="%.1f" y="%.1f" text-anchor="middle">`+
		`idle connections N (log scale)</text>`+"\n",
		(left+w-right)/2, h-12)
	fmt.Fprintf(&sb, `<text transform="translate(16 %.1f) rotate(-90)" `+
		`text-anchor="middle">CPU time per call (log scale)</text>`+"\n",
		(top+h-bottom)/2)
	series := []struct {
		name, color string
		get         func(row) float64
	}{
		{"select", "#d62728", func(r row) float64 { return r.sel }},
		{"poll", "#1f77b4", func(r row) float64 { return r.pol }},
		{"epoll", "#2ca02c", func(r row) float64 { return r.epo }},
	}
	for i, s := range series {
		var pts []string
		for _, r := range rows {
			if v := s.get(r); v > 0 {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f",
					px(float64(r.n)), py(v)))
			}
		}
		fmt.Fprintf(&sb, `<polyline fill="none" stroke="%s" `+
			`stroke-width="2" points="%s"/>`+"\n", s.color,
			strings.Join(pts, " "))
		for _, p := range pts {
			xy := strings.Split(p, ",")
			fmt.Fprintf(&sb, `<circle cx="%s" cy="%s" r="3" fill="%s"/>`+
				"\n", xy[0], xy[1], s.color)
		}
		ly := top + 20 + float64(i)*20
		fmt.Fprintf(&sb, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" `+
			`stroke="%s" stroke-width="2"/>`+"\n",
			w-right+12, ly, w-right+36, ly, s.color)
		fmt.Fprintf(&sb, `<text x="%.1f" y="%.1f">%s</text>`+"\n",
			w-right+42, ly+4, s.name)
	}
	sb.WriteString("</svg>\n")
	return sb.String()
}

// count labels a power of ten: 10, 100, 1k, 10k.
func count(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.0fk", v/1000)
	}
	return fmt.Sprintf("%.0f", v)
}

// duration labels a power of ten of nanoseconds.
func duration(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.0f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.0f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}
