package main

// Running programs in child processes: foreground runs with a timeout,
// background servers with a readiness line, cells in one long-lived
// child per section.

import (
	"bufio"
	"bytes"
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

// launcher knows how to start an interpreter child.
type launcher struct {
	self    string // the runner's executable
	modRoot string // module root, for the interpreter's GOPATH
	root    string // directory shown paths are relative to
	goRun   bool   // run every program with "go run" (the benchmark)
	binDir  string // run prebuilt binaries from here (the benchmark)
	goWork  string // the workspace file "go run" uses, once made
	gopath  string // the interpreter's GOPATH (see makeGopath)
	cleanup func() // removes gopath
}

func newLauncher(root string) (*launcher, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own executable: %w", err)
	}
	l := &launcher{self: self, root: root, goRun: os.Getenv(envGoRun) != "",
		binDir: os.Getenv(envBinDir)}
	l.cleanup = func() {}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
		l.modRoot = root
		// One GOPATH for every child of this run, removed at the end
		// (a child that calls os.Exit runs no cleanup of its own).
		l.gopath, l.cleanup, err = makeGopath(root)
		if err != nil {
			return nil, err
		}
	}
	return l, nil
}

// envGoRun makes the runner start programs with "go run" instead of
// the interpreter: the benchmark compares the two on the same chapter.
const envGoRun = "NOTEBOOK_GO_RUN"

// envBinDir makes the runner start prebuilt binaries of the programs,
// found in that directory under their names: the benchmark's floor, the
// time the programs themselves take.
const envBinDir = "NOTEBOOK_BIN_DIR"

// compiledMarker, on a line of its own in a program, says that the
// interpreter cannot run it and why; the runner then uses "go run".
const compiledMarker = "//notebook:compiled "

// compiledReason returns the reason a program runs compiled, or "".
func compiledReason(dir string) string {
	f, err := programFile(dir)
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
func (l *launcher) workFile() (string, error) {
	if l.goWork != "" {
		return l.goWork, nil
	}
	if l.modRoot == "" {
		return "", fmt.Errorf("go run needs a go.mod in %s", l.root)
	}
	dir, err := os.MkdirTemp("", "notebook-gowork-")
	if err != nil {
		return "", err
	}
	f := filepath.Join(dir, "go.work")
	if err := os.WriteFile(f, []byte("go 1.26\n\nuse "+
		strconv.Quote(l.modRoot)+"\n"), 0o644); err != nil {
		return "", err
	}
	l.goWork = f
	return f, nil
}

// close removes what the launcher made.
func (l *launcher) close() {
	l.cleanup()
	if l.goWork != "" {
		os.RemoveAll(filepath.Dir(l.goWork))
	}
}

// command prepares a child that interprets the program in dir (or runs
// it with "go run", for a program marked compiled or in the benchmark).
func (l *launcher) command(dir, cwd string, args []string) *exec.Cmd {
	if l.binDir != "" {
		cmd := exec.Command(filepath.Join(l.binDir, filepath.Base(dir)), args...)
		cmd.Dir = cwd
		cmd.Env = append(childEnv(), envProgram+"="+dir)
		cmd.SysProcAttr = newProcAttr()
		return cmd
	}
	if l.goRun || compiledReason(dir) != "" {
		rel, _ := filepath.Rel(l.modRoot, dir)
		cmd := exec.Command("go", append([]string{"run",
			modulePath + "/" + filepath.ToSlash(rel)}, args...)...)
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
	if rel, err := filepath.Rel(l.root, dir); err == nil {
		display = rel
	}
	if f, err := programFile(dir); err == nil {
		display = filepath.Join(display, filepath.Base(f))
	}
	cmd.Env = append(childEnv(),
		envProgram+"="+dir,
		envDisplay+"="+display,
		envGopath+"="+l.gopath)
	// A process group of its own, so that a timeout ends the program
	// and any processes it started, and nothing else.
	cmd.SysProcAttr = newProcAttr()
	return cmd
}

// newProcAttr puts a child in a process group of its own.
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

// live holds the process groups of the children now running, so that a
// runner stopped by a signal (Ctrl-C, SIGTERM) can end them: each child
// is in a process group of its own, which a terminal's Ctrl-C does not
// reach, and a server left behind would listen for ever.
var live = struct {
	sync.Mutex
	pgids map[int]bool
}{pgids: map[int]bool{}}

func track(pid int) {
	live.Lock()
	live.pgids[pid] = true
	live.Unlock()
}

func untrack(pid int) {
	live.Lock()
	delete(live.pgids, pid)
	live.Unlock()
}

// killAll ends every child process group still running.
func killAll() {
	live.Lock()
	defer live.Unlock()
	for pgid := range live.pgids {
		syscall.Kill(-pgid, syscall.SIGKILL)
	}
}

// proc is a started child and its merged output.
type proc struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{} // closed when output reached EOF and Wait returned
	err  error         // from Wait
	live io.Writer     // if set, output is copied here as it arrives
	// trimming is set once a goroutine dump starts: not shown live.
	trimming bool
	// lines receives each complete output line until ready is found.
	lines chan string
}

// start launches cmd with stdin text (nil means empty input) and
// collects stdout and stderr, interleaved, through one pipe.
func start(cmd *exec.Cmd, stdin *string, live io.Writer) (*proc, error) {
	if stdin != nil {
		cmd.Stdin = strings.NewReader(*stdin)
	}
	r, err := startMerged(cmd)
	if err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, done: make(chan struct{}), live: live,
		lines: make(chan string, 64)}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer close(p.lines)
		br := bufio.NewReader(r)
		for {
			line, err := br.ReadString('\n')
			if line != "" {
				p.mu.Lock()
				p.out.WriteString(line)
				if p.live != nil && !p.trimming {
					if strings.HasPrefix(line, "goroutine ") &&
						strings.Contains(p.out.String(), "panic: ") {
						// The rest is the interpreter's goroutine dump.
						p.trimming = true
						io.WriteString(p.live, "[goroutine dump trimmed]\n")
					} else {
						io.WriteString(p.live, line)
					}
				}
				p.mu.Unlock()
				select {
				case p.lines <- line:
				default: // nobody is waiting for readiness any more
				}
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

// startMerged starts cmd with its standard output and error on one
// pipe, so that their lines keep their order, records it among the live
// children, and returns the pipe's read end.
func startMerged(cmd *exec.Cmd) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = w, w
	err = cmd.Start()
	w.Close() // the child has its copy
	if err != nil {
		r.Close()
		return nil, err
	}
	track(cmd.Process.Pid)
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

// output returns what the child has printed so far.
func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// wait waits for the child to end by itself, at most d; after that it is
// killed and errTimeout returned.
func (p *proc) wait(d time.Duration) error {
	select {
	case <-p.done:
		return nil
	case <-time.After(d):
		p.kill(syscall.SIGKILL)
		<-p.done
		return errTimeout
	}
}

var errTimeout = errors.New("timed out")

// stop sends SIGTERM, then SIGKILL after grace.
func (p *proc) stop(grace time.Duration) {
	p.kill(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.kill(syscall.SIGKILL)
		<-p.done
	}
}

// kill signals the child's process group (it and its descendants).
func (p *proc) kill(sig syscall.Signal) {
	syscall.Kill(-p.cmd.Process.Pid, sig)
}

// status describes how the child ended: its exit code, or -1 and the
// signal's name.
func (p *proc) status() (int, string) {
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

// awaitReady reads lines until one matches ready (its first group is
// the address), the child ends, or d passes.
func (p *proc) awaitReady(ready *regexp.Regexp, d time.Duration) (string, error) {
	deadline := time.After(d)
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
		case <-deadline:
			return "", fmt.Errorf("not ready after %v (waited for a "+
				"line matching %s)", d, ready)
		}
	}
}

// cellRunner feeds cells to one interpreter child.
type cellRunner struct {
	p    *proc
	in   io.WriteCloser
	buf  *bufio.Reader
	dead error
}

func (l *launcher) startCells(cwd string) (*cellRunner, error) {
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
		return nil, err
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = reap(cmd)
		close(p.done)
	}()
	return &cellRunner{p: p, in: in, buf: bufio.NewReader(r)}, nil
}

// run evaluates one cell and returns its output and result.
func (c *cellRunner) run(cl cell, d time.Duration) (string, cellResult, error) {
	if c.dead != nil {
		return "", cellResult{}, c.dead
	}
	b, _ := json.Marshal(cl)
	if _, err := c.in.Write(append(b, '\n')); err != nil {
		c.dead = fmt.Errorf("interpreter is gone: %v", err)
		return "", cellResult{}, c.dead
	}
	type reply struct {
		out string
		res cellResult
		err error
	}
	ch := make(chan reply, 1)
	go func() {
		var out strings.Builder
		for {
			line, err := c.buf.ReadString('\n')
			if strings.HasPrefix(line, cellEnd) {
				var res cellResult
				json.Unmarshal([]byte(line[len(cellEnd):]), &res)
				ch <- reply{out.String(), res, nil}
				return
			}
			out.WriteString(line)
			if err != nil {
				ch <- reply{out.String(), cellResult{},
					errors.New("interpreter ended (a panic in a " +
						"goroutine or os.Exit ends it)")}
				return
			}
		}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			c.dead = r.err
		}
		return r.out, r.res, r.err
	case <-time.After(d):
		c.close()
		c.dead = fmt.Errorf("an earlier cell timed out")
		return "", cellResult{}, errTimeout
	}
}

func (c *cellRunner) close() {
	c.in.Close()
	select {
	case <-c.p.done:
	case <-time.After(2 * time.Second):
		c.p.kill(syscall.SIGKILL)
		<-c.p.done
	}
}
