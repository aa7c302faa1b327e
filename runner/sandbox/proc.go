package sandbox

// Running programs in child processes: foreground runs with a timeout,
// background servers with a readiness line, cells in one long-lived
// child per section.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Options configure a Launcher.
type Options struct {
	// Root is the repository: its go.mod makes the module's own
	// packages importable by interpreted programs.
	Root string
	// GoRun starts every program with "go run" instead of the
	// interpreter; BinDir starts prebuilt binaries found at
	// BinDir/CHAPTER/PROGRAM. Both are for the benchmark, which
	// compares the three ways on the same chapter.
	GoRun  bool
	BinDir string
}

// Launcher starts interpreter children. Everything it makes on disk is
// inside one run directory, which Close removes.
type Launcher struct {
	opts    Options
	self    string // the runner's executable
	modRoot string // module root, for the interpreter's GOPATH
	runDir  string // notebook-run-*: the GOPATH, scratch directories
	gopath  string
	goWork  string // the workspace file "go run" uses, once made
	mu      sync.Mutex
	tmpN    int
	warm    *Cells // warm.go
	warmOn  bool
}

// New makes a launcher for the repository at o.Root.
func New(o Options) (*Launcher, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own executable: %w", err)
	}
	runDir, err := os.MkdirTemp("", "notebook-run-")
	if err != nil {
		return nil, err
	}
	registerTemp(runDir)
	l := &Launcher{opts: o, self: self, runDir: runDir}
	if _, err := os.Stat(filepath.Join(o.Root, "go.mod")); err == nil {
		l.modRoot = o.Root
		// One GOPATH for every child of this run (a child that calls
		// os.Exit runs no cleanup of its own).
		l.gopath, err = makeGopath(runDir, o.Root)
		if err != nil {
			l.Close()
			return nil, err
		}
	}
	return l, nil
}

// Close removes the run directory and everything in it.
func (l *Launcher) Close() {
	os.RemoveAll(l.runDir)
	unregisterTemp(l.runDir)
}

// TempDir returns a new empty directory inside the run directory: a
// section's {tmp} and the working directory of its programs.
func (l *Launcher) TempDir() (string, error) {
	l.mu.Lock()
	l.tmpN++
	n := l.tmpN
	l.mu.Unlock()
	dir := filepath.Join(l.runDir, "tmp"+strconv.Itoa(n))
	return dir, os.Mkdir(dir, 0o700)
}

// compiledMarker, on a line of its own in a program, says that the
// interpreter cannot run it and why; the runner then uses "go run".
const compiledMarker = "//notebook:compiled "

// CompiledReason returns why the program in dir runs compiled, or "".
func CompiledReason(dir string) string {
	f, err := programFileOf(dir)
	if err != nil {
		return ""
	}
	src, err := os.ReadFile(f)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(src), "\n") {
		if r, ok := strings.CutPrefix(strings.TrimSpace(line), compiledMarker); ok {
			return strings.TrimSpace(r)
		}
	}
	return ""
}

// workFile returns a workspace file that lets "go run IMPORTPATH" work
// from any directory, so that programs keep their temporary cwd.
func (l *Launcher) workFile() (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.goWork != "" {
		return l.goWork, nil
	}
	if l.modRoot == "" {
		return "", fmt.Errorf("go run needs a go.mod in %s", l.opts.Root)
	}
	f := filepath.Join(l.runDir, "go.work")
	if err := os.WriteFile(f, []byte("go 1.26\n\nuse "+
		strconv.Quote(l.modRoot)+"\n"), 0o644); err != nil {
		return "", err
	}
	l.goWork = f
	return f, nil
}

// Command prepares a child that interprets the program in dir (or runs
// it with "go run", for a program marked compiled, or as the Options
// say) in the working directory cwd.
func (l *Launcher) Command(dir, cwd string, args []string) *exec.Cmd {
	if l.opts.BinDir != "" {
		bin := filepath.Join(l.opts.BinDir, filepath.Base(filepath.Dir(dir)), filepath.Base(dir))
		cmd := exec.Command(bin, args...)
		cmd.Dir = cwd
		cmd.Env = append(childEnv(), envProgram+"="+dir)
		cmd.SysProcAttr = newProcAttr()
		return cmd
	}
	if l.opts.GoRun || CompiledReason(dir) != "" {
		rel, _ := filepath.Rel(l.modRoot, dir)
		cmd := exec.Command("go", append([]string{"run",
			ModulePath + "/" + filepath.ToSlash(rel)}, args...)...)
		cmd.Dir = cwd
		cmd.Env = childEnv()
		if wf, err := l.workFile(); err == nil {
			cmd.Env = append(cmd.Env, "GOWORK="+wf)
		}
		cmd.SysProcAttr = newProcAttr()
		return cmd
	}
	cmd := exec.Command(l.self, args...)
	cmd.Args[0] = "runner"
	cmd.Dir = cwd
	display := dir
	if rel, err := filepath.Rel(l.opts.Root, dir); err == nil {
		display = rel
	}
	if f, err := programFileOf(dir); err == nil {
		display = filepath.Join(display, filepath.Base(f))
	}
	cmd.Env = append(childEnv(),
		envProgram+"="+dir,
		envDisplay+"="+display,
		envGopath+"="+l.gopath)
	cmd.SysProcAttr = newProcAttr()
	return cmd
}

// newProcAttr puts a child in a process group of its own, so that a
// timeout ends the program and what it started, and nothing else.
func newProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// childEnv is the runner's environment without its own control
// variables (a runner started by a notebook program must not inherit
// them by accident).
func childEnv() []string {
	var env []string
	for _, e := range os.Environ() {
		if strings.HasPrefix(e, "NOTEBOOK_") {
			continue
		}
		env = append(env, e)
	}
	return env
}

// running holds the process groups of the children now running, so
// that Shutdown can end them: each child is in a process group of its
// own, which a terminal's Ctrl-C does not reach, and a server left
// behind would listen for ever. Starting a child and recording it
// happen under the lock, and once Shutdown has begun nothing starts:
// a signal that arrives while a child is being started cannot miss it.
var running = struct {
	sync.Mutex
	pgids    map[int]bool
	temps    map[string]bool
	shutdown bool
}{pgids: map[int]bool{}, temps: map[string]bool{}}

// ErrShutdown is returned for a child asked to start after Shutdown.
var ErrShutdown = errors.New("the runner is shutting down")

// startTracked starts cmd and records its process group, unless
// Shutdown has begun.
func startTracked(cmd *exec.Cmd) error {
	running.Lock()
	defer running.Unlock()
	if running.shutdown {
		return ErrShutdown
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	running.pgids[cmd.Process.Pid] = true
	return nil
}

func untrack(pid int) {
	running.Lock()
	delete(running.pgids, pid)
	running.Unlock()
}

// RegisterTemp records a temporary directory that Shutdown removes.
func RegisterTemp(dir string) { registerTemp(dir) }

func registerTemp(dir string) {
	running.Lock()
	running.temps[dir] = true
	running.Unlock()
}

func unregisterTemp(dir string) {
	running.Lock()
	delete(running.temps, dir)
	running.Unlock()
}

// Shutdown ends every child process group still running, then every
// process left below this one (with BecomeSubreaper, also those that
// started sessions of their own), and removes the run directories.
// After it, no child starts. It is safe to call from a signal handler's
// goroutine and more than once.
func Shutdown() {
	running.Lock()
	running.shutdown = true
	for pgid := range running.pgids {
		syscall.Kill(-pgid, syscall.SIGKILL)
	}
	temps := running.temps
	running.temps = map[string]bool{}
	running.Unlock()
	killDescendants()
	for dir := range temps {
		os.RemoveAll(dir)
	}
}

// BecomeSubreaper makes this process the one that inherits the orphans
// of its descendants (prctl PR_SET_CHILD_SUBREAPER), so that a
// grandchild that left its process group with setsid(2) is still found
// by Shutdown when its parent is gone.
func BecomeSubreaper() error {
	const prSetChildSubreaper = 36
	_, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
	if e != 0 {
		return os.NewSyscallError("prctl", e)
	}
	return nil
}

// killDescendants kills every process whose chain of parents leads to
// this one, until none is left (a dying parent hands its children to
// us, the subreaper), and reaps them. Bounded: a fork bomb does not
// keep it here.
func killDescendants() {
	self := os.Getpid()
	for round := 0; round < 50; round++ {
		pids := descendants(self)
		if len(pids) == 0 {
			return
		}
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		// Reap what is ours to reap, so it leaves the process table.
		deadline := time.Now().Add(200 * time.Millisecond)
		for time.Now().Before(deadline) {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if err != nil || pid == 0 {
				if len(descendants(self)) == 0 {
					return
				}
				time.Sleep(5 * time.Millisecond) // polling the process table, not synchronising with a peer
			}
		}
	}
}

// descendants lists the live processes below pid, read from /proc. A
// zombie is not listed (it is dead already; reaping takes it away) but
// its children are: a process whose parent just died is still below us.
func descendants(pid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	parent := map[int]int{}
	zombie := map[int]bool{}
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parens.
		s := string(b)
		k := strings.LastIndexByte(s, ')')
		if k < 0 {
			continue
		}
		f := strings.Fields(s[k+1:])
		if len(f) < 2 {
			continue
		}
		pp, _ := strconv.Atoi(f[1])
		parent[p] = pp
		zombie[p] = f[0] == "Z"
	}
	var out []int
	for p := range parent {
		if zombie[p] {
			continue
		}
		for q, n := parent[p], 0; q > 1 && n < 64; q, n = parent[q], n+1 {
			if q == pid {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// MaxOutput is how much of a child's output is kept; the rest is
// counted and dropped, so a program that floods its output cannot
// grow the runner without bound.
var MaxOutput = 4 << 20

// Proc is a started child and its merged output.
type Proc struct {
	cmd     *exec.Cmd
	mu      sync.Mutex
	out     strings.Builder
	dropped int           // bytes beyond MaxOutput
	done    chan struct{} // closed when output reached EOF and Wait returned
	err     error         // from Wait
	echo    io.Writer     // if set, output is copied here as it arrives
	// panicked is set once a panic line was seen; the goroutine dump
	// that follows is then not echoed.
	panicked, trimming bool
	// lines receives each complete output line until ready is found.
	lines chan string
}

// Start launches cmd with stdin text (nil means empty input) and
// collects stdout and stderr, interleaved, through one pipe; echo, if
// not nil, receives the output as it arrives.
func Start(cmd *exec.Cmd, stdin *string, echo io.Writer) (*Proc, error) {
	if stdin != nil {
		cmd.Stdin = strings.NewReader(*stdin)
	}
	r, err := startMerged(cmd)
	if err != nil {
		return nil, err
	}
	p := &Proc{cmd: cmd, done: make(chan struct{}), echo: echo,
		lines: make(chan string, 64)}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer close(p.lines)
		br := bufio.NewReaderSize(r, 64<<10)
		for {
			line, err := readLine(br)
			if line != "" {
				p.add(Escape(line))
			}
			if err != nil {
				return
			}
		}
	}()
	go func() {
		p.err = reap(cmd)
		select {
		case <-readDone:
		case <-time.After(2 * time.Second):
		}
		r.Close()
		close(p.done)
	}()
	return p, nil
}

// readLine reads up to a newline, or 64 KiB of a longer line: a
// program that prints no newline must not be held in memory whole.
func readLine(br *bufio.Reader) (string, error) {
	b, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		err = nil
	}
	return string(b), err
}

// add records one (escaped) piece of output.
func (p *Proc) add(line string) {
	p.mu.Lock()
	if p.out.Len()+len(line) > MaxOutput {
		if p.dropped == 0 && p.echo != nil {
			io.WriteString(p.echo, "\n[output cut: more than "+
				strconv.Itoa(MaxOutput>>20)+" MiB]\n")
		}
		p.dropped += len(line)
	} else {
		p.out.WriteString(line)
		if p.echo != nil && !p.trimming {
			if p.panicked && strings.HasPrefix(line, "goroutine ") {
				// The rest is the interpreter's goroutine dump.
				p.trimming = true
				io.WriteString(p.echo, "[goroutine dump trimmed]\n")
			} else {
				io.WriteString(p.echo, line)
			}
		}
		if strings.HasPrefix(line, "panic: ") || strings.Contains(line, ": panic: ") {
			p.panicked = true
		}
	}
	p.mu.Unlock()
	select {
	case p.lines <- line:
	default: // nobody is waiting for readiness any more
	}
}

// startMerged starts cmd with its standard output and error on one
// pipe, so that their lines keep their order, records it among the
// running children, and returns the pipe's read end.
func startMerged(cmd *exec.Cmd) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = w, w
	err = startTracked(cmd)
	w.Close() // the child has its copy
	if err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// reap waits for cmd to end, then kills what it left behind in its
// process group: a leftover would hold the output pipe open for ever.
func reap(cmd *exec.Cmd) error {
	err := cmd.Wait()
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	untrack(cmd.Process.Pid)
	return err
}

// Output returns what the child has printed so far, escaped, with a
// last line saying how much was dropped if it printed too much.
func (p *Proc) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dropped > 0 {
		s := p.out.String()
		if !strings.HasSuffix(s, "\n") {
			s += "\n"
		}
		return s + fmt.Sprintf("[output cut: %d more bytes dropped]\n", p.dropped)
	}
	return p.out.String()
}

// Pid is the child's process ID (and process group).
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the child has ended and its output is read.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Wait waits for the child to end by itself, at most d; after that it
// is killed and ErrTimeout returned.
func (p *Proc) Wait(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
		return nil
	case <-t.C:
		p.Kill(syscall.SIGKILL)
		<-p.done
		return ErrTimeout
	}
}

// ErrTimeout is what Wait returns for a child that outlived its time.
var ErrTimeout = errors.New("timed out")

// Stop sends SIGTERM, then SIGKILL after grace.
func (p *Proc) Stop(grace time.Duration) {
	p.Kill(syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		p.Kill(syscall.SIGKILL)
		<-p.done
	}
}

// Kill signals the child's process group (it and its descendants).
func (p *Proc) Kill(sig syscall.Signal) {
	syscall.Kill(-p.cmd.Process.Pid, sig)
}

// Status describes how the child ended: its exit code, or -1 and the
// signal's name.
func (p *Proc) Status() (int, string) {
	if p.err == nil {
		return 0, ""
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return -1, ws.Signal().String()
		}
		return ee.ExitCode(), ""
	}
	return -1, p.err.Error()
}

// AwaitReady reads lines until one matches ready (its first group is
// the address), the child ends, or d passes.
func (p *Proc) AwaitReady(ready *regexp.Regexp, d time.Duration) (string, error) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				<-p.done
				return "", errors.New("exited before it was ready")
			}
			if m := ready.FindStringSubmatch(line); m != nil {
				if len(m) > 1 {
					return m[1], nil
				}
				return m[0], nil
			}
		case <-deadline.C:
			return "", fmt.Errorf("not ready after %v (waited for a "+
				"line matching %s)", d, ready)
		}
	}
}

// Cells feeds cells to one interpreter child.
type Cells struct {
	p    *Proc
	in   io.WriteCloser
	buf  *bufio.Reader
	dead error
}

// StartCells starts the interpreter child of a section's cells.
func (l *Launcher) StartCells(cwd string) (*Cells, error) {
	if c := l.takeWarm(cwd); c != nil {
		return c, nil
	}
	return l.startCells(cwd)
}

func (l *Launcher) startCells(cwd string) (*Cells, error) {
	cmd := exec.Command(l.self)
	cmd.Args[0] = "runner"
	cmd.Dir = cwd
	cmd.Env = append(childEnv(), envCells+"=1", envGopath+"="+l.gopath)
	cmd.SysProcAttr = newProcAttr()
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	r, err := startMerged(cmd)
	if err != nil {
		in.Close()
		return nil, err
	}
	p := &Proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = reap(cmd)
		close(p.done)
	}()
	return &Cells{p: p, in: in, buf: bufio.NewReader(r)}, nil
}

// Run evaluates one cell and returns its output (escaped) and result.
func (c *Cells) Run(cl Cell, d time.Duration) (string, CellResult, error) {
	if c.dead != nil {
		return "", CellResult{}, c.dead
	}
	b, _ := json.Marshal(cl)
	if _, err := c.in.Write(append(b, '\n')); err != nil {
		c.dead = fmt.Errorf("interpreter is gone: %v", err)
		return "", CellResult{}, c.dead
	}
	type reply struct {
		out string
		res CellResult
		err error
	}
	ch := make(chan reply, 1)
	go func() {
		var out strings.Builder
		for {
			line, err := c.buf.ReadString('\n')
			if strings.HasPrefix(line, cellEnd) {
				var res CellResult
				json.Unmarshal([]byte(line[len(cellEnd):]), &res)
				ch <- reply{out.String(), res, nil}
				return
			}
			if out.Len() < MaxOutput {
				out.WriteString(Escape(line))
			}
			if err != nil {
				ch <- reply{out.String(), CellResult{},
					errors.New("interpreter ended (a panic in a " +
						"goroutine or os.Exit ends it)")}
				return
			}
		}
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case r := <-ch:
		if r.err != nil {
			c.dead = r.err
		}
		return r.out, r.res, r.err
	case <-t.C:
		c.Close()
		c.dead = fmt.Errorf("an earlier cell timed out")
		return "", CellResult{}, ErrTimeout
	}
}

// Close ends the cells' interpreter.
func (c *Cells) Close() {
	c.in.Close()
	t := time.NewTimer(2 * time.Second)
	defer t.Stop()
	select {
	case <-c.p.done:
	case <-t.C:
		c.p.Kill(syscall.SIGKILL)
		<-c.p.done
	}
}
