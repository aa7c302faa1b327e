// echo-bench is a closed-loop load generator for the echo servers of
// this chapter, and a driver that compares them in one run.
//
// Usage:
//
//	echo-bench [flags] <ip> <port>
//	echo-bench -compare [flags]
//
// In the first form it opens -c connections to a loopback echo
// server. With -mode rr (the default) each connection sends a message
// of -s bytes, waits for the whole echo, checks every byte and sends
// the next, for -d or until -n round trips in total. With -mode conn
// each worker connects, echoes one message and closes, again and
// again: that measures connections per second. It reports the rate,
// the p50/p99/max latency, errors and echo mismatches, as text or as
// JSON (-json). It refuses any address outside loopback.
//
// With -compare it builds or finds the chapter's servers (mp-server,
// mt-server, echo-server, epoll-server) and compiles the two C
// baselines with cc, runs the same load against each in turn, holds
// -c10k idle connections to each and prints the tables; with -svg it
// also draws a chart. It says how long the run will take before it
// starts, and, as it goes, which step of how many it is on and how
// much time is left. Run it from the repository root:
//
//	go run ./chapters/chapter04/echo-bench -compare -svg out.svg
package main

//notebook:compiled it draws its chart with gonum.org/v1/plot, a module the interpreter cannot load

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/color"
	"io"
	"math"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// usageError marks a bad command line: main exits with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "echo-bench: error: %v\n", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// options holds the command line.
type options struct {
	conns    int
	size     int
	dur      time.Duration
	maxOps   int64
	mode     string
	timeout  time.Duration
	jsonOut  bool
	progress bool

	compare  bool
	connList string
	sizeList string
	servers  string
	connDur  time.Duration
	c10k     int
	c10kProc int
	svg      string
	build    bool
	csrc     string
	pin      bool
	rounds   int
	from     string
}

func run(args []string) error {
	var o options
	fs := flag.NewFlagSet("echo-bench", flag.ContinueOnError)
	fs.IntVar(&o.conns, "c", 1, "concurrent connections")
	fs.IntVar(&o.size, "s", 64, "message size in bytes")
	fs.DurationVar(&o.dur, "d", 2*time.Second,
		"how long to send (per cell with -compare)")
	fs.Int64Var(&o.maxOps, "n", 10000000,
		"hard cap on round trips (or connections) in total")
	fs.StringVar(&o.mode, "mode", "rr",
		"rr: round trips on open connections; conn: connect, echo, close")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Second,
		"longest wait for a connect or an echo")
	fs.BoolVar(&o.jsonOut, "json", false, "print the results as JSON")
	fs.BoolVar(&o.progress, "progress", isTerminal(os.Stderr),
		"show progress on stderr (default: when it is a terminal)")
	fs.BoolVar(&o.compare, "compare", false,
		"run every server in turn and print the comparison")
	fs.StringVar(&o.connList, "conns", "1,10,100,1000",
		"-compare: connection counts")
	fs.StringVar(&o.sizeList, "sizes", "64,1024",
		"-compare: message sizes")
	fs.StringVar(&o.servers, "servers", strings.Join(allServers, ","),
		"-compare: servers to run")
	fs.DurationVar(&o.connDur, "conn-d", 2*time.Second,
		"-compare: duration of the connections/s run")
	fs.IntVar(&o.c10k, "c10k", 10000,
		"-compare: idle connections to hold (0: skip)")
	fs.IntVar(&o.c10kProc, "c10k-proc", 1000,
		"-compare: cap for the process-per-connection servers")
	fs.StringVar(&o.svg, "svg", "",
		"-compare: draw a chart into this `file` (.svg, .png, .pdf)")
	fs.BoolVar(&o.build, "build", true,
		"-compare: build the Go servers with go build "+
			"(false: find them on PATH)")
	fs.StringVar(&o.csrc, "csrc", "",
		"-compare: directory of the C baselines "+
			"(default: found next to this source)")
	fs.IntVar(&o.rounds, "rounds", 3,
		"-compare: rounds of every measurement (the median is shown)")
	fs.StringVar(&o.from, "from", "",
		"-compare: print (and with -svg chart) a saved -json `report`, "+
			"measure nothing; a relative path that is not here is "+
			"looked up in the chapter's directory")
	fs.BoolVar(&o.pin, "pin", true,
		"-compare: pin server and load to different CPUs "+
			"with taskset")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: echo-bench [flags] <ip> <port>\n"+
			"       echo-bench -compare [flags]\n")
		fs.PrintDefaults()
	}
	// Errors are reported once, by main; -h prints the usage on
	// standard output and is not an error.
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err == flag.ErrHelp {
		fs.SetOutput(os.Stdout)
		fs.Usage()
		return nil
	} else if err != nil {
		return usageError{err.Error()}
	}
	if o.size < 1 || o.size > 16<<20 {
		return usageError{"-s must be between 1 and 16777216"}
	}
	if o.conns < 1 || o.conns > 100000 {
		return usageError{"-c must be between 1 and 100000"}
	}
	if o.dur <= 0 || o.dur > time.Hour || o.maxOps < 1 {
		return usageError{"-d must be in (0, 1h] and -n positive"}
	}
	if o.mode != "rr" && o.mode != "conn" {
		return usageError{fmt.Sprintf("unknown -mode %q", o.mode)}
	}
	if o.rounds < 1 || o.rounds > 100 {
		return usageError{"-rounds must be between 1 and 100"}
	}
	if o.compare {
		if fs.NArg() != 0 {
			return usageError{"-compare takes no address"}
		}
		return compare(o)
	}
	if fs.NArg() != 2 {
		return usageError{"want <ip> <port>"}
	}
	addr, err := loopbackAddr(fs.Arg(0), fs.Arg(1))
	if err != nil {
		return err
	}
	res, err := bench(addr, o)
	if err != nil {
		return err
	}
	if o.jsonOut {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Println(res.String())
	return nil
}

// loopbackAddr checks that ip is a loopback address and port a port
// number, and joins them. The tool floods what it is pointed at, so
// it only ever points at this machine.
func loopbackAddr(ip, port string) (string, error) {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "", usageError{fmt.Sprintf("bad ip %q", ip)}
	}
	if !a.IsLoopback() {
		return "", usageError{fmt.Sprintf(
			"%s is not a loopback address: echo-bench only loads "+
				"127.0.0.0/8 and ::1", ip)}
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || p == 0 {
		return "", usageError{fmt.Sprintf("bad port %q", port)}
	}
	return net.JoinHostPort(a.String(), strconv.Itoa(int(p))), nil
}

// result is what one load run measured. Latencies are microseconds.
type result struct {
	Mode       string  `json:"mode"`
	Conns      int     `json:"conns"`
	Size       int     `json:"size"`
	Seconds    float64 `json:"seconds"`
	Ops        int64   `json:"ops"`
	PerSec     float64 `json:"per_sec"`
	P50        float64 `json:"p50_us"`
	P99        float64 `json:"p99_us"`
	Max        float64 `json:"max_us"`
	Errors     int64   `json:"errors"`
	Mismatches int64   `json:"mismatches"`
	FirstError string  `json:"first_error,omitempty"`
	CPUSeconds float64 `json:"cpu_seconds"`
}

func (r result) String() string {
	unit := "round trips"
	if r.Mode == "conn" {
		unit = "connections"
	}
	s := fmt.Sprintf("%d %s in %.2fs: %.0f/s, "+
		"latency p50 %.0fµs p99 %.0fµs max %.0fµs, "+
		"%d errors, %d mismatches, cpu %.0f%%",
		r.Ops, unit, r.Seconds, r.PerSec, r.P50, r.P99, r.Max,
		r.Errors, r.Mismatches, 100*r.CPUSeconds/r.Seconds)
	if r.FirstError != "" {
		s += "\nfirst error: " + r.FirstError
	}
	return s
}

// counters are shared by the workers of one run.
type counters struct {
	// issued counts operations started, so that -n is exact.
	issued, ops, errs, bad atomic.Int64
	mu                     sync.Mutex
	first                  string
}

func (c *counters) fail(err error) {
	c.errs.Add(1)
	c.mu.Lock()
	if c.first == "" {
		c.first = err.Error()
	}
	c.mu.Unlock()
}

// bench runs one load: -c workers for -d or -n operations.
func bench(addr string, o options) (result, error) {
	res := result{Mode: o.mode, Conns: o.conns, Size: o.size}
	var cnt counters
	lat := make([][]int64, o.conns)

	// Open every connection and make one echo on each before the
	// clock starts: the rate must not include the start-up.
	conns := make([]net.Conn, o.conns)
	if o.mode == "rr" {
		if err := openAll(addr, conns, o); err != nil {
			closeAll(conns)
			return res, err
		}
		defer closeAll(conns)
	}

	var ru0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	start := time.Now()
	end := start.Add(o.dur)
	done := make(chan struct{})
	if o.progress {
		go showProgress(&cnt, start, done)
	}
	var wg sync.WaitGroup
	for i := 0; i < o.conns; i++ {
		i := i
		wg.Add(1)
		go func() {
			defer wg.Done()
			if o.mode == "rr" {
				lat[i] = roundTrips(conns[i], i, end, o, &cnt)
			} else {
				lat[i] = connCycles(addr, i, end, o, &cnt)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(done)
	var ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)

	var all []int64
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	res.Seconds = elapsed.Seconds()
	res.Ops = cnt.ops.Load()
	res.PerSec = float64(res.Ops) / res.Seconds
	res.P50 = percentile(all, 50) / 1e3
	res.P99 = percentile(all, 99) / 1e3
	res.Max = percentile(all, 100) / 1e3
	res.Errors = cnt.errs.Load()
	res.Mismatches = cnt.bad.Load()
	res.FirstError = cnt.first
	res.CPUSeconds = cpuSeconds(ru1) - cpuSeconds(ru0)
	return res, nil
}

// openAll connects conns concurrently, 64 dials at a time, and makes
// one checked echo on each.
func openAll(addr string, conns []net.Conn, o options) error {
	sem := make(chan struct{}, 64)
	errs := make(chan error, len(conns))
	var wg sync.WaitGroup
	for i := range conns {
		i := i
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := net.DialTimeout("tcp", addr, o.timeout)
			if err != nil {
				errs <- err
				return
			}
			conns[i] = c
			msg := message(i, 0, o.size)
			got := make([]byte, o.size)
			c.SetDeadline(time.Now().Add(o.timeout))
			if err := echoOnce(c, msg, got); err != nil {
				errs <- fmt.Errorf("warm-up echo: %w", err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return fmt.Errorf("open %d connections: %w", len(conns), err)
	}
	return nil
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}

// roundTrips is one rr worker: send, wait for the whole echo, check,
// repeat until the deadline or the cap. It returns the latencies.
func roundTrips(c net.Conn, id int, end time.Time, o options,
	cnt *counters) []int64 {
	lat := make([]int64, 0, 1024)
	got := make([]byte, o.size)
	// One deadline for the whole run: a stuck server ends the run
	// at most -timeout after -d.
	c.SetDeadline(end.Add(o.timeout))
	for seq := 1; ; seq++ {
		t0 := time.Now()
		if !t0.Before(end) || cnt.issued.Add(1) > o.maxOps {
			return lat
		}
		msg := message(id, seq, o.size)
		err := echoOnce(c, msg, got)
		if errors.Is(err, errMismatch) {
			cnt.bad.Add(1)
		} else if err != nil {
			cnt.fail(err)
			return lat
		}
		lat = append(lat, int64(time.Since(t0)))
		cnt.ops.Add(1)
	}
}

// connCycles is one conn worker: connect, one echo, close, repeat.
func connCycles(addr string, id int, end time.Time, o options,
	cnt *counters) []int64 {
	lat := make([]int64, 0, 1024)
	got := make([]byte, o.size)
	failed := 0
	for seq := 1; ; seq++ {
		t0 := time.Now()
		if !t0.Before(end) || cnt.issued.Add(1) > o.maxOps {
			return lat
		}
		err := connOnce(addr, message(id, seq, o.size), got, end, o)
		if errors.Is(err, errMismatch) {
			cnt.bad.Add(1)
		} else if err != nil {
			cnt.fail(err)
			// A dead server fails at once: do not spin on it.
			if failed++; failed >= 100 {
				return lat
			}
			continue
		}
		failed = 0
		lat = append(lat, int64(time.Since(t0)))
		cnt.ops.Add(1)
	}
}

func connOnce(addr string, msg, got []byte, end time.Time,
	o options) error {
	c, err := net.DialTimeout("tcp", addr, o.timeout)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(end.Add(o.timeout))
	return echoOnce(c, msg, got)
}

var errMismatch = errors.New("echo mismatch")

// echoOnce writes msg and reads len(msg) bytes back into got. Large
// messages are written by a second goroutine so that a server that
// echoes as it reads never waits for us to finish writing.
func echoOnce(c net.Conn, msg, got []byte) error {
	if len(msg) <= 64<<10 {
		if _, err := c.Write(msg); err != nil {
			return err
		}
		if _, err := io.ReadFull(c, got); err != nil {
			return err
		}
	} else {
		werr := make(chan error, 1)
		go func() {
			_, err := c.Write(msg)
			werr <- err
		}()
		_, rerr := io.ReadFull(c, got)
		if err := <-werr; err != nil {
			return err
		}
		if rerr != nil {
			return rerr
		}
	}
	for i := range msg {
		if got[i] != msg[i] {
			return errMismatch
		}
	}
	return nil
}

// message returns the bytes connection id sends as message seq: a
// pattern that differs between connections and between messages, so
// that an echo sent to the wrong client or a stale one is caught.
func message(id, seq, size int) []byte {
	b := make([]byte, size)
	x := uint32(id)*2654435761 + uint32(seq)*40503 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// percentile returns the p-th percentile (nearest rank) of sorted
// values, 0 for none.
func percentile(sorted []int64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	if rank > len(sorted) {
		rank = len(sorted)
	}
	return float64(sorted[rank-1])
}

func cpuSeconds(ru syscall.Rusage) float64 {
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func showProgress(cnt *counters, start time.Time, done chan struct{}) {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-done:
			fmt.Fprint(os.Stderr, "\r\033[K")
			return
		case <-t.C:
			n := cnt.ops.Load()
			s := time.Since(start).Seconds()
			fmt.Fprintf(os.Stderr, "\r\033[K%.1fs %d ops %.0f/s",
				s, n, float64(n)/s)
		}
	}
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// ---------------------------------------------------------------
// The comparison driver.

// allServers are the models compared, in table order.
var allServers = []string{
	"echo-server", "mp-server", "mt-server", "epoll-server",
	"c-fork", "c-pthread",
}

// serverInfo says what each server is and where it comes from.
var serverInfo = map[string]struct {
	model  string
	csrc   string // C source in -csrc, or "" for a Go program
	single bool   // serves one client only
	procs  bool   // a process per connection
	// flags go before <ip> <port>: -q turns off the per-message
	// log, which the C baselines do not have either.
	flags []string
}{
	"echo-server": {"Go, one client at a time", "", true, false, nil},
	"mp-server": {"Go, process per connection", "", false, true,
		[]string{"-q"}},
	"mt-server": {"Go, goroutine per connection", "", false, false,
		[]string{"-q"}},
	"epoll-server": {"Go, one thread, epoll", "", false, false, nil},
	"c-fork": {"C, fork per connection", "fork-server.c", false, true,
		nil},
	"c-pthread": {"C, thread per connection", "pthread-server.c",
		false, false, nil},
}

// cell is one measured load against one server.
type cell struct {
	Server    string  `json:"server"`
	Result    result  `json:"result"`
	ServerCPU float64 `json:"server_cpu_seconds"`
	// OtherCPU is the CPU time the machine spent on anything not
	// charged to the server or the load generator: other programs,
	// kernel threads, and interrupt work, part of which is the
	// loopback traffic of this very run.
	OtherCPU float64 `json:"other_cpu_seconds"`
	Wall     float64 `json:"wall_seconds"`
	// RoundMin and RoundMax are the lowest and highest rates of all
	// rounds: how much the machine's noise moved this figure.
	RoundMin float64 `json:"round_min_per_sec"`
	RoundMax float64 `json:"round_max_per_sec"`
	Err      string  `json:"error,omitempty"`
}

// holdResult is the C10K measurement of one server.
type holdResult struct {
	Server string  `json:"server"`
	Target int     `json:"target"`
	Held   int     `json:"held"`
	RSSMiB float64 `json:"rss_mib"`
	Procs  int     `json:"processes"`
	Err    string  `json:"error,omitempty"`
}

type report struct {
	// Date and Command say when and how the figures were made.
	Date    string       `json:"date"`
	Command string       `json:"command"`
	Machine string       `json:"machine"`
	Pinning string       `json:"pinning"`
	Load    string       `json:"load_average"`
	Seconds float64      `json:"run_seconds"`
	Notes   []string     `json:"notes"`
	RR      []cell       `json:"round_trips"`
	Conn    []cell       `json:"connections"`
	Hold    []holdResult `json:"c10k"`
}

func compare(o options) error {
	if o.from != "" {
		return replot(o)
	}
	conns, err := intList(o.connList)
	if err != nil {
		return usageError{"-conns: " + err.Error()}
	}
	sizes, err := intList(o.sizeList)
	if err != nil {
		return usageError{"-sizes: " + err.Error()}
	}
	var names []string
	for _, n := range strings.Split(o.servers, ",") {
		if _, ok := serverInfo[n]; !ok {
			return usageError{fmt.Sprintf("unknown server %q", n)}
		}
		names = append(names, n)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "echo-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	// The driver itself holds the C10K connections.
	raiseNofile()

	// Ctrl-C or SIGTERM end the run between two steps: the current
	// load is killed, and the deferred stops end the servers.
	ctx, cancel := signal.NotifyContext(context.Background(),
		os.Interrupt, syscall.SIGTERM)
	defer cancel()
	interrupted := errors.New("interrupted; servers stopped")

	started := time.Now()
	rep := report{Machine: machine(), Notes: []string{},
		Date: started.UTC().Format("2006-01-02 15:04 UTC"),
		Command: strings.Join(append([]string{"echo-bench"},
			os.Args[1:]...), " ")}
	load0 := loadAvg()
	bins := map[string]string{}
	for _, n := range names {
		bin, note := prepare(n, o, tmp)
		if bin == "" {
			rep.Notes = append(rep.Notes, n+": skipped: "+note)
			fmt.Fprintf(os.Stderr, "%s: skipped: %s\n", n, note)
			continue
		}
		bins[n] = bin
	}
	srvCPU, loadCPU := "", ""
	if o.pin && runtime.NumCPU() >= 2 {
		if _, err := exec.LookPath("taskset"); err == nil {
			srvCPU, loadCPU = "0", "1"
			rep.Pinning = "servers pinned to CPU 0, load " +
				"generator to CPU 1 (taskset)"
		}
	}
	if rep.Pinning == "" {
		rep.Pinning = "no CPU pinning (needs -pin, 2 CPUs " +
			"and taskset)"
	}
	// With -json, standard output holds the JSON document only.
	var head io.Writer = os.Stdout
	if o.jsonOut {
		head = os.Stderr
	}
	fmt.Fprintf(head, "machine: %s\n%s\n", rep.Machine, rep.Pinning)
	for _, n := range rep.Notes {
		fmt.Fprintln(head, n)
	}

	// The jobs: round trips for every size, count and server, then
	// connections per second (connect, one echo, close).
	type job struct {
		name string
		o    options
	}
	var rrJobs, connJobs []job
	for _, size := range sizes {
		for _, c := range conns {
			for _, n := range names {
				if bins[n] == "" ||
					(serverInfo[n].single && c > 1) {
					continue
				}
				lo := o
				lo.mode, lo.conns, lo.size = "rr", c, size
				rrJobs = append(rrJobs, job{n, lo})
			}
		}
	}
	for _, n := range names {
		if bins[n] == "" || serverInfo[n].single {
			continue
		}
		lo := o
		lo.mode, lo.conns, lo.size, lo.dur = "conn", 4, 64, o.connDur
		connJobs = append(connJobs, job{n, lo})
	}
	// Every round runs every job once, so a burst of noise from
	// elsewhere on the machine hits one round of all servers rather
	// than all rounds of one; the median round is reported.
	jobs := append(append([]job{}, rrJobs...), connJobs...)
	var holds []job
	if o.c10k > 0 {
		for _, n := range names {
			if bins[n] == "" || serverInfo[n].single {
				continue
			}
			lo := o
			if serverInfo[n].procs && lo.c10k > o.c10kProc {
				lo.c10k = o.c10kProc
			}
			holds = append(holds, job{n, lo})
		}
	}
	// Say how long it will take before it starts, then keep count.
	var plan progress
	for r := 1; r <= o.rounds; r++ {
		for _, j := range jobs {
			plan.add(stepNominal(j.o))
		}
	}
	for _, j := range holds {
		plan.add(holdNominal(j.o.c10k))
	}
	fmt.Fprintf(os.Stderr, "%d steps: %d loads in each of %d "+
		"round(s), then %d C10K hold(s); about %s\n", plan.steps,
		len(jobs), o.rounds, len(holds),
		plan.estimate().Round(time.Second))
	plan.start = time.Now()
	runs := make([][]cell, len(jobs))
	for r := 1; r <= o.rounds; r++ {
		for i, j := range jobs {
			if ctx.Err() != nil {
				return interrupted
			}
			ce := measure(ctx, j.name, bins[j.name], self, j.o,
				srvCPU, loadCPU)
			runs[i] = append(runs[i], ce)
			plan.done(stepNominal(j.o))
			progressLine(&plan, r, ce)
		}
	}
	for i := range jobs {
		ce := medianCell(runs[i])
		if i < len(rrJobs) {
			rep.RR = append(rep.RR, ce)
		} else {
			rep.Conn = append(rep.Conn, ce)
		}
	}
	// C10K: idle connections held at once.
	for _, j := range holds {
		if ctx.Err() != nil {
			return interrupted
		}
		h := hold(ctx, j.name, bins[j.name], j.o.c10k, o)
		rep.Hold = append(rep.Hold, h)
		plan.done(holdNominal(j.o.c10k))
		fmt.Fprintf(os.Stderr, "%s %-12s c10k held %d/%d\n",
			plan.status(), j.name, h.Held, h.Target)
	}
	rep.Seconds = math.Round(time.Since(started).Seconds())

	// Other work on the machine is the main source of noise: say
	// how busy it was.
	rep.Load = fmt.Sprintf("load average %s before, %s after "+
		"(it counts the servers' own processes and threads "+
		"too); %d rounds, median shown", load0, loadAvg(), o.rounds)
	if o.jsonOut {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printReport(os.Stdout, rep)
	}
	if o.svg != "" {
		if err := chart(rep, conns, sizes, o.svg); err != nil {
			return fmt.Errorf("chart: %w", err)
		}
		fmt.Fprintf(head, "chart written to %s\n", o.svg)
	}
	return nil
}

func progressLine(p *progress, round int, ce cell) {
	r := ce.Result
	fmt.Fprintf(os.Stderr, "%s round %d %-12s %-4s c=%-5d s=%-5d "+
		"%9.0f/s %s\n", p.status(), round, ce.Server, r.Mode,
		r.Conns, r.Size, r.PerSec, ce.Err)
}

// progress counts the steps of a comparison and estimates the time
// left. Each step has a nominal length: its -d, plus an allowance for
// starting the server and opening the connections, or for a C10K
// hold. How far the real steps stray from it (a busy machine, a slow
// process-per-connection server) is learnt as the run goes, as the
// ratio of the time spent to the nominal time done.
type progress struct {
	steps, finished int
	nominal, spent  time.Duration // planned in all; nominal time done
	start           time.Time
}

// stepNominal is the allowance for one load: its -d, 300 ms to start
// a server and a load generator, and 5 ms per connection to open (the
// default run of 2026-12-01 took 6.7 s beyond -d for 1,000).
func stepNominal(o options) time.Duration {
	return o.dur + 300*time.Millisecond +
		time.Duration(o.conns)*5*time.Millisecond
}

func (p *progress) add(d time.Duration) {
	p.steps++
	p.nominal += d
}

func (p *progress) done(d time.Duration) {
	p.finished++
	p.spent += d
}

// estimate is the whole run's length, before it starts.
func (p *progress) estimate() time.Duration {
	return p.nominal
}

// left is the time the remaining steps should take, at the pace of
// the steps done so far.
func (p *progress) left() time.Duration {
	if p.spent == 0 {
		return p.estimate()
	}
	pace := float64(time.Since(p.start)) / float64(p.spent)
	return time.Duration(pace * float64(p.nominal-p.spent))
}

// status is "[k of N, 3m10s left]".
func (p *progress) status() string {
	return fmt.Sprintf("[%d of %d, %s left]", p.finished, p.steps,
		p.left().Round(time.Second))
}

// holdNominal is the allowance for holding n idle connections: 3 ms
// to open and check each, and hold gives up after 60 s.
func holdNominal(n int) time.Duration {
	d := time.Duration(n)*3*time.Millisecond + time.Second
	if d > 61*time.Second {
		d = 61 * time.Second
	}
	return d
}

// medianCell returns the run with the median rate; a failed run
// counts as the slowest.
func medianCell(runs []cell) cell {
	sorted := append([]cell{}, runs...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return rate(sorted[i]) < rate(sorted[j])
	})
	m := sorted[len(sorted)/2]
	m.RoundMin = math.Max(0, rate(sorted[0]))
	m.RoundMax = math.Max(0, rate(sorted[len(sorted)-1]))
	return m
}

func rate(ce cell) float64 {
	if ce.Err != "" {
		return -1
	}
	return ce.Result.PerSec
}

// replot prints the tables of a report saved with -json and draws
// its chart again.
func replot(o options) error {
	b, err := os.ReadFile(o.from)
	if os.IsNotExist(err) && !filepath.IsAbs(o.from) {
		// The notes run this from a temporary directory and name
		// the report that sits next to them in the chapter.
		alt := filepath.Join(filepath.Dir(sourceDir()), o.from)
		if b2, err2 := os.ReadFile(alt); err2 == nil {
			b, err = b2, nil
		}
	}
	if err != nil {
		return err
	}
	var rep report
	if err := json.Unmarshal(b, &rep); err != nil {
		return fmt.Errorf("%s: %w", o.from, err)
	}
	var sizes []int
	seen := map[int]bool{}
	for _, ce := range rep.RR {
		if !seen[ce.Result.Size] {
			seen[ce.Result.Size] = true
			sizes = append(sizes, ce.Result.Size)
		}
	}
	fmt.Printf("machine: %s\n%s\n", rep.Machine, rep.Pinning)
	printReport(os.Stdout, rep)
	if o.svg == "" {
		return nil
	}
	if err := chart(rep, nil, sizes, o.svg); err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	fmt.Printf("chart written to %s\n", o.svg)
	return nil
}

// intList parses "1,10,100".
func intList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad number %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// sourceDir is the directory of this file when it was compiled; the
// chapter's programs and the C sources are found from it.
func sourceDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return ""
	}
	return filepath.Dir(file)
}

// prepare returns the path of a runnable server binary, or "" and
// why there is none.
func prepare(name string, o options, tmp string) (string, string) {
	info := serverInfo[name]
	if info.csrc != "" {
		cc, err := exec.LookPath("cc")
		if err != nil {
			return "", "no C compiler (cc) on PATH"
		}
		dir := o.csrc
		if dir == "" {
			dir = filepath.Join(sourceDir(), "c")
		}
		src := filepath.Join(dir, info.csrc)
		if _, err := os.Stat(src); err != nil {
			return "", "C source not found (use -csrc): " + src
		}
		bin := filepath.Join(tmp, name)
		out, err := exec.Command(cc, "-O2", "-pthread", "-o", bin,
			src).CombinedOutput()
		if err != nil {
			return "", "cc failed: " + firstLine(string(out))
		}
		return bin, ""
	}
	if !o.build {
		bin, err := exec.LookPath(name)
		if err != nil {
			return "", "not found on PATH (not written yet?)"
		}
		return bin, ""
	}
	chapter := filepath.Dir(sourceDir())
	pkg := filepath.Join(chapter, name)
	if _, err := os.Stat(filepath.Join(pkg, name+".go")); err != nil {
		return "", "no program " + pkg + " (not written yet?)"
	}
	bin := filepath.Join(tmp, name)
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = pkg
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "go build failed: " + firstLine(string(out))
	}
	return bin, ""
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// server is a running server started by the driver.
type server struct {
	cmd  *exec.Cmd
	addr string
	errs *tailBuffer
}

// startServer starts bin on 127.0.0.1 port 0 in its own process
// group, optionally pinned to a CPU, and waits (at most 10 s) for its
// "listening on" line.
func startServer(bin, cpu string, flags []string) (*server, error) {
	args := append(append([]string{bin}, flags...), "127.0.0.1", "0")
	if cpu != "" {
		args = append([]string{"taskset", "-c", cpu}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	tail := &tailBuffer{}
	cmd.Stderr = tail
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, errs: tail}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if a, ok := strings.CutPrefix(line,
				"listening on "); ok && ready != nil {
				ready <- strings.TrimSpace(a)
				ready = nil
			}
		}
		// Keep reading: a server blocked on a full stdout pipe
		// would stall the benchmark.
		io.Copy(io.Discard, out)
		if ready != nil {
			close(ready)
		}
	}()
	select {
	case a, ok := <-ready:
		if !ok {
			s.stop()
			return nil, fmt.Errorf("exited before listening: %s",
				tail.String())
		}
		s.addr = a
		return s, nil
	case <-time.After(10 * time.Second):
		s.stop()
		return nil, errors.New("no \"listening on\" line in 10s")
	}
}

// stop sends SIGTERM to the server's process group (the server and
// any children it forked), then SIGKILL after 2 s.
func (s *server) stop() {
	pid := s.cmd.Process.Pid
	syscall.Kill(-pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		s.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		syscall.Kill(-pid, syscall.SIGKILL)
		<-done
	}
	// Children of a process-per-connection server may outlive it.
	syscall.Kill(-pid, syscall.SIGKILL)
}

// tailBuffer keeps the last 2 KiB written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2048 {
		t.buf = t.buf[len(t.buf)-2048:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return firstLine(string(t.buf))
}

// measure starts a fresh server, runs one load against it in a child
// echo-bench (pinned to its own CPU), and reads both CPU times.
func measure(ctx context.Context, name, bin, self string, o options,
	srvCPU, loadCPU string) cell {
	ce := cell{Server: name, Result: result{Mode: o.mode,
		Conns: o.conns, Size: o.size}}
	s, err := startServer(bin, srvCPU, serverInfo[name].flags)
	if err != nil {
		ce.Err = err.Error()
		return ce
	}
	defer s.stop()
	host, port, _ := net.SplitHostPort(s.addr)
	args := []string{self, "-json", "-progress=false",
		"-mode", o.mode, "-c", strconv.Itoa(o.conns),
		"-s", strconv.Itoa(o.size), "-d", o.dur.String(),
		"-n", strconv.FormatInt(o.maxOps, 10),
		"-timeout", o.timeout.String(), host, port}
	if loadCPU != "" {
		args = append([]string{"taskset", "-c", loadCPU}, args...)
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	var stderr tailBuffer
	cmd.Stderr = &stderr
	cpu0 := treeCPU(s.cmd.Process.Pid)
	busy0 := machineBusy()
	t0 := time.Now()
	out, err := cmd.Output()
	ce.Wall = time.Since(t0).Seconds()
	ce.ServerCPU = treeCPU(s.cmd.Process.Pid) - cpu0
	busy := machineBusy() - busy0
	if err != nil {
		ce.Err = fmt.Sprintf("load: %v: %s", err, stderr.String())
		return ce
	}
	if err := json.Unmarshal(out, &ce.Result); err != nil {
		ce.Err = "load: bad JSON: " + err.Error()
		return ce
	}
	// The child's own CPU time, start-up and connection set-up
	// included, over the same wall time as the server's.
	st := cmd.ProcessState
	ce.Result.CPUSeconds = (st.UserTime() + st.SystemTime()).Seconds()
	ce.OtherCPU = math.Max(0, busy-ce.ServerCPU-ce.Result.CPUSeconds)
	return ce
}

// machineBusy is the CPU time in seconds all CPUs have spent not idle
// since boot, from the first line of /proc/stat.
func machineBusy() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var ticks int64
	// user nice system idle iowait irq softirq steal
	for _, k := range []int{1, 2, 3, 6, 7, 8} {
		n, _ := strconv.ParseInt(f[k], 10, 64)
		ticks += n
	}
	return float64(ticks) / 100 // USER_HZ
}

// hold opens target idle connections to a fresh server, checks one
// echo on each, and reads the server's memory while they are open.
func hold(ctx context.Context, name, bin string, target int,
	o options) holdResult {
	h := holdResult{Server: name, Target: target}
	s, err := startServer(bin, "", serverInfo[name].flags)
	if err != nil {
		h.Err = err.Error()
		return h
	}
	defer s.stop()
	conns := make([]net.Conn, 0, target)
	defer func() { closeAll(conns) }()
	deadline := time.Now().Add(60 * time.Second)
	msg := message(0, 0, 64)
	got := make([]byte, 64)
	for h.Held < target && time.Now().Before(deadline) &&
		ctx.Err() == nil {
		c, err := net.DialTimeout("tcp", s.addr, o.timeout)
		if err != nil {
			h.Err = err.Error()
			break
		}
		conns = append(conns, c)
		c.SetDeadline(time.Now().Add(o.timeout))
		if err := echoOnce(c, msg, got); err != nil {
			h.Err = fmt.Sprintf("echo on connection %d: %v",
				h.Held+1, err)
			break
		}
		c.SetDeadline(time.Time{})
		h.Held++
	}
	if h.Err == "" && h.Held < target {
		h.Err = "60s time limit"
	}
	h.RSSMiB, h.Procs = treeRSS(s.cmd.Process.Pid)
	return h
}

// children maps each process to its children, from /proc.
func children() map[int][]int {
	kids := map[int][]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		f := procStat(pid)
		if len(f) > 1 {
			ppid, _ := strconv.Atoi(f[1])
			kids[ppid] = append(kids[ppid], pid)
		}
	}
	return kids
}

// procStat returns the fields of /proc/PID/stat after the command
// name: field 0 is the state, 1 the parent, 11 utime and so on.
func procStat(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

// tree lists pid and all its descendants.
func tree(pid int) []int {
	kids := children()
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, kids[out[i]]...)
	}
	return out
}

// treeCPU is the CPU time in seconds used by pid, its live
// descendants and the children it has reaped.
func treeCPU(pid int) float64 {
	var ticks int64
	for _, p := range tree(pid) {
		f := procStat(p)
		if len(f) < 15 {
			continue
		}
		// utime stime cutime cstime
		for _, k := range []int{11, 12, 13, 14} {
			n, _ := strconv.ParseInt(f[k], 10, 64)
			ticks += n
		}
	}
	return float64(ticks) / 100 // USER_HZ is 100 on Linux
}

// treeRSS is the resident memory of pid and its descendants in MiB,
// and how many processes that is. Pages shared between a parent and
// its forked children are counted once per process.
func treeRSS(pid int) (float64, int) {
	var kib int64
	procs := tree(pid)
	for _, p := range procs {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				f := strings.Fields(v)
				if len(f) > 0 {
					n, _ := strconv.ParseInt(f[0], 10, 64)
					kib += n
				}
			}
		}
	}
	return float64(kib) / 1024, len(procs)
}

// raiseNofile lifts the soft descriptor limit to the hard limit. The
// Go runtime already does this at start-up since Go 1.19; doing it
// here says so and works with older toolchains too.
func raiseNofile() {
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil &&
		rl.Cur < rl.Max {
		rl.Cur = rl.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
	}
}

// machine describes the host: CPUs, kernel, Go version.
func machine() string {
	var u syscall.Utsname
	kernel := "?"
	if syscall.Uname(&u) == nil {
		kernel = utsString(u.Release[:])
	}
	model := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimLeft(v, "\t:"))
				break
			}
		}
	}
	return fmt.Sprintf("%d CPUs (%s), Linux %s, %s %s/%s",
		runtime.NumCPU(), model, kernel, runtime.Version(),
		runtime.GOOS, runtime.GOARCH)
}

func utsString(b []int8) string {
	var s []byte
	for _, c := range b {
		if c == 0 {
			break
		}
		s = append(s, byte(c))
	}
	return string(s)
}

// loadAvg is the 1-minute load average from /proc/loadavg.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// printReport prints the three tables.
func printReport(w io.Writer, rep report) {
	if rep.Date != "" {
		fmt.Fprintf(w, "run: %s, %.0f s: %s\n", rep.Date,
			rep.Seconds, rep.Command)
	}
	fmt.Fprintln(w, rep.Load)
	fmt.Fprintf(w, "\nround trips (closed loop, every byte checked)\n")
	fmt.Fprintf(w, "%-12s %5s %5s %10s %8s %8s %8s %4s %4s %5s %5s"+
		" %6s  %s\n", "server", "size", "conns", "rt/s", "p50µs",
		"p99µs", "maxµs", "err", "bad", "srv%", "load%", "other%",
		"rounds")
	for _, ce := range rep.RR {
		printCell(w, ce)
	}
	fmt.Fprintf(w, "\nconnections (connect, one 64-byte echo, "+
		"close; 4 workers)\n")
	fmt.Fprintf(w, "%-12s %5s %5s %10s %8s %8s %8s %4s %4s %5s %5s"+
		" %6s  %s\n", "server", "size", "conns", "conn/s", "p50µs",
		"p99µs", "maxµs", "err", "bad", "srv%", "load%", "other%",
		"rounds")
	for _, ce := range rep.Conn {
		printCell(w, ce)
	}
	if len(rep.Hold) > 0 {
		fmt.Fprintf(w, "\nidle connections held at once (C10K)\n")
		fmt.Fprintf(w, "%-12s %7s %7s %9s %6s  %s\n",
			"server", "target", "held", "rss MiB", "procs", "note")
		for _, h := range rep.Hold {
			fmt.Fprintf(w, "%-12s %7d %7d %9.1f %6d  %s\n",
				h.Server, h.Target, h.Held, h.RSSMiB, h.Procs,
				h.Err)
		}
	}
	var errs, bad int64
	for _, ce := range append(append([]cell{}, rep.RR...), rep.Conn...) {
		errs += ce.Result.Errors
		bad += ce.Result.Mismatches
		if ce.Err != "" {
			errs++
		}
	}
	fmt.Fprintf(w, "\ntotal: %d errors, %d mismatches\n", errs, bad)
	fmt.Fprintln(w, "rounds: the lowest and the highest rate of "+
		"all rounds; the table shows the median round.")
	fmt.Fprintln(w, "srv%, load%, other%: CPU time of the server "+
		"(with its children), of the load generator, and of "+
		"everything else on the machine, over the run's wall "+
		"time; 100 = one CPU.")
}

// short formats a rate as 950, 9.5k or 95k.
func short(v float64) string {
	switch {
	case v >= 10000:
		return fmt.Sprintf("%.0fk", v/1000)
	case v >= 1000:
		return fmt.Sprintf("%.1fk", v/1000)
	}
	return fmt.Sprintf("%.0f", v)
}

func printCell(w io.Writer, ce cell) {
	r := ce.Result
	if ce.Err != "" {
		fmt.Fprintf(w, "%-12s %5d %5d  failed: %s\n", ce.Server,
			r.Size, r.Conns, ce.Err)
		return
	}
	fmt.Fprintf(w, "%-12s %5d %5d %10.0f %8.0f %8.0f %8.0f "+
		"%4d %4d %5.0f %5.0f %6.0f  %s-%s\n",
		ce.Server, r.Size, r.Conns, r.PerSec, r.P50, r.P99, r.Max,
		r.Errors, r.Mismatches, 100*ce.ServerCPU/ce.Wall,
		100*r.CPUSeconds/ce.Wall, 100*ce.OtherCPU/ce.Wall,
		short(ce.RoundMin), short(ce.RoundMax))
}

// chart draws round trips/s against connections, one panel per
// message size, and connections/s as bars in a last panel.
func chart(rep report, conns, sizes []int, file string) error {
	var row []*plot.Plot
	for _, size := range sizes {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("round trips/s, %d-byte messages",
			size)
		p.X.Label.Text = "connections"
		p.Y.Label.Text = "round trips/s"
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
		p.Legend.Top = true
		p.Legend.Left = true
		p.Y.Min = 0
		p.Y.Tick.Marker = kTicks{}
		top := 1.0
		for i, name := range allServers {
			var pts plotter.XYs
			for _, ce := range rep.RR {
				r := ce.Result
				if ce.Server == name && r.Size == size &&
					ce.Err == "" {
					pts = append(pts, plotter.XY{
						X: float64(r.Conns), Y: r.PerSec})
				}
			}
			if len(pts) == 0 {
				continue
			}
			l, s, err := plotter.NewLinePoints(pts)
			if err != nil {
				return err
			}
			l.Color = palette[i%len(palette)]
			l.Width = vg.Points(1.5)
			s.Color = palette[i%len(palette)]
			s.Shape = shapes[i%len(shapes)]
			p.Add(l, s)
			p.Legend.Add(name, l, s)
			for _, pt := range pts {
				top = math.Max(top, pt.Y)
			}
		}
		// Headroom above the lines for the legend.
		p.Y.Max = top * 1.7
		row = append(row, p)
	}
	if len(rep.Conn) > 0 {
		p := plot.New()
		p.Title.Text = "connections/s (connect, echo, close)"
		p.Y.Label.Text = "connections/s"
		p.Y.Tick.Marker = kTicks{}
		var vals plotter.Values
		var names []string
		for _, ce := range rep.Conn {
			names = append(names, ce.Server)
			vals = append(vals, ce.Result.PerSec)
		}
		b, err := plotter.NewBarChart(vals, vg.Points(22))
		if err != nil {
			return err
		}
		b.Color = palette[0]
		b.LineStyle.Width = 0
		p.Add(b)
		p.NominalX(names...)
		p.X.Tick.Label.Rotation = math.Pi / 6
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
		row = append(row, p)
	}
	if len(row) == 0 {
		return errors.New("nothing to draw")
	}
	w := vg.Length(len(row)) * 4.2 * vg.Inch
	h := 3.6 * vg.Inch
	// The file's extension picks the format: svg, png, pdf, ...
	format := strings.TrimPrefix(filepath.Ext(file), ".")
	c, err := draw.NewFormattedCanvas(w, h, format)
	if err != nil {
		return err
	}
	dc := draw.New(c)
	tiles := draw.Tiles{Rows: 1, Cols: len(row),
		PadX: vg.Millimeter * 6, PadTop: vg.Millimeter * 3,
		PadBottom: vg.Millimeter * 3, PadLeft: vg.Millimeter * 3,
		PadRight: vg.Millimeter * 3}
	canvases := plot.Align([][]*plot.Plot{row}, tiles, dc)
	for i, p := range row {
		p.Draw(canvases[0][i])
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// kTicks are the default ticks labelled 0, 500, 10k, 25k.
type kTicks struct{}

func (kTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i, t := range ticks {
		if t.Label == "" {
			continue
		}
		if t.Value >= 10000 {
			ticks[i].Label = strconv.FormatFloat(t.Value/1000,
				'f', -1, 64) + "k"
		} else {
			ticks[i].Label = strconv.FormatFloat(t.Value,
				'f', -1, 64)
		}
	}
	return ticks
}

var palette = []color.Color{
	color.RGBA{0x1f, 0x77, 0xb4, 0xff},
	color.RGBA{0xff, 0x7f, 0x0e, 0xff},
	color.RGBA{0x2c, 0xa0, 0x2c, 0xff},
	color.RGBA{0xd6, 0x27, 0x28, 0xff},
	color.RGBA{0x94, 0x67, 0xbd, 0xff},
	color.RGBA{0x8c, 0x56, 0x4b, 0xff},
}

var shapes = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{},
	draw.PlusGlyph{}, draw.CrossGlyph{}, draw.RingGlyph{},
}
