package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/tcpnotebook/tcpnotebook"
	"github.com/tcpnotebook/tcpnotebook/runner/mdterm"
	"github.com/tcpnotebook/tcpnotebook/runner/notebook"
	"github.com/tcpnotebook/tcpnotebook/runner/sandbox"
)

// errBrokenPipe: the reader of our output went away (| head).
var errBrokenPipe = errors.New("output closed")

func (c *cli) run(args []string) error {
	o, err := c.parseArgs(args)
	if err != nil {
		return err
	}
	if c.catchSignals {
		// Whatever ends the runner ends what it started: children,
		// their process groups, their sessions, temporary files.
		defer sandbox.Shutdown()
		if err := sandbox.BecomeSubreaper(); err != nil {
			fmt.Fprintf(c.stderr, "runner: warning: %v (programs that "+
				"leave their session may outlive the runner)\n", err)
		}
		stop := c.catchStopSignals(o)
		defer stop()
	}
	root, embedded, err := c.findRoot(o.root)
	if err != nil {
		return err
	}
	if embedded {
		defer os.RemoveAll(root) // Shutdown does it on a signal
	}
	if embedded && o.update {
		return usageError{"-update rewrites files on disk: run it in a clone " +
			"of the repository (or give -root DIR)"}
	}
	opts := c.sandbox
	opts.Root = root
	l, err := sandbox.New(opts)
	if err != nil {
		return err
	}
	defer l.Close()
	chapters, err := notebook.LoadChapters(root)
	if err != nil {
		return err
	}
	r := &runner{cli: c, opts: o, l: l, root: root, chapters: chapters,
		out: &guardedWriter{w: c.stdout}}
	r.style = newStyle(c.getenv, c.terminal)
	r.width = o.width
	if r.width == 0 {
		r.width = mdterm.WidthFromEnv(c.getenv, c.termWidth)
	}
	switch {
	case o.list:
		return r.list()
	case len(o.positional) == 0 && (o.check || o.update):
		return r.verifyAll()
	case len(o.positional) == 0:
		return usageError{"which chapter? one of: " + strings.Join(r.chapterNames(), ", ")}
	}
	ch, err := r.chapter(o.positional[0])
	if err != nil {
		return err
	}
	part := ""
	if len(o.positional) == 2 {
		part = o.positional[1]
	}
	if o.hasProgramArgs {
		return r.runProgram(ch, part, o.programArgs)
	}
	if o.check || o.update {
		return r.verify(ch, part)
	}
	if c.interactive && !o.plain {
		return r.notebookView(ch, part)
	}
	return r.play(ch, part)
}

// catchStopSignals ends the children and the runner on INT, TERM, HUP
// and QUIT, and on a broken standard output. A program run on its own
// with "--" gets INT, TERM and HUP passed on instead (runProgram). It
// returns a function that stops catching.
func (c *cli) catchStopSignals(o *options) func() {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP,
		syscall.SIGQUIT, syscall.SIGPIPE)
	done := make(chan struct{})
	go func() {
		for {
			var sig os.Signal
			select {
			case sig = <-sigs:
			case <-done:
				return
			}
			if sig == syscall.SIGPIPE {
				// SIGPIPE also comes from a child's closed standard input;
				// only a broken standard output or error ends the runner
				// (a write to it fails with EPIPE as well).
				if !brokenPipe(os.Stdout) && !brokenPipe(os.Stderr) {
					continue
				}
				stopNow(141, "")
			}
			if o.hasProgramArgs && sig != syscall.SIGQUIT {
				passOn(sig)
				continue
			}
			stopNow(128+int(sig.(syscall.Signal)), fmt.Sprintf("runner: stopped by %v\n", sig))
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

// stopping is set when a signal ends the runner. From then on nothing
// starts and nothing is written to the notes; a notes file being
// written is finished first (writeMu), so that no temporary file is
// left beside it.
var (
	stopping atomic.Bool
	writeMu  sync.Mutex
)

// stopNow ends every child and the runner, with status code. The main
// goroutine may be returning at the same moment: it waits for this
// (stopWait) so that the runner's status is the signal's.
func stopNow(code int, msg string) {
	stopping.Store(true)
	sandbox.Shutdown()
	if restore := beforeStop.Load(); restore != nil {
		(*restore)() // the interactive view's terminal
	}
	writeMu.Lock() // for ever: no notes are written after this
	if msg != "" {
		os.Stderr.WriteString(msg)
	}
	os.Exit(code)
}

// stopWait blocks for ever once a signal is ending the runner, so that
// its exit status is the signal's, not the main goroutine's.
func stopWait() {
	if stopping.Load() {
		select {}
	}
}

// brokenPipe reports whether f is a pipe whose reader has gone: poll
// says POLLERR for the write end of such a pipe.
func brokenPipe(f *os.File) bool {
	fds := []pollFd{{fd: int32(f.Fd()), events: 0}}
	n, _, e := syscall.Syscall(syscall.SYS_POLL, uintptrOf(fds), 1, 0)
	return e == 0 && n == 1 && fds[0].revents&pollErr != 0
}

// findRoot finds the notes to play: -root, $NOTEBOOK_ROOT, the clone
// the current directory is in, or else the copy built into the runner,
// written to a temporary directory.
func (c *cli) findRoot(dir string) (root string, embedded bool, err error) {
	if dir == "" {
		dir = c.getenv("NOTEBOOK_ROOT")
	}
	if dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", false, err
		}
		if fi, err := os.Stat(filepath.Join(abs, "chapters")); err != nil || !fi.IsDir() {
			return "", false, usageError{fmt.Sprintf("%s: no chapters/ directory there", dir)}
		}
		return abs, false, nil
	}
	if d, ok := cloneRoot(); ok {
		return d, false, nil
	}
	d, err := extractEmbedded()
	return d, true, err
}

// cloneRoot is the nearest directory upwards from the current one that
// has a chapters/ folder: a clone of this repository, or notes of one's
// own in the same format.
func cloneRoot() (string, bool) {
	wd, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for d := wd; ; d = filepath.Dir(d) {
		if fi, err := os.Stat(filepath.Join(d, "chapters")); err == nil && fi.IsDir() {
			return d, true
		}
		if filepath.Dir(d) == d {
			return "", false
		}
	}
}

// describeRoot says, for -h, which copy of the notes would play.
func (c *cli) describeRoot() string {
	if d := c.getenv("NOTEBOOK_ROOT"); d != "" {
		return d + " ($NOTEBOOK_ROOT)"
	}
	if d, ok := cloneRoot(); ok {
		return d + " (the files on disk: edits show at once)"
	}
	return "the copy built into this runner (no clone found from " +
		"the current directory)"
}

// extractEmbedded writes the built-in copy of the notes to a
// temporary directory, removed when the runner ends.
func extractEmbedded() (string, error) {
	dir, err := os.MkdirTemp("", "notebook-root-")
	if err != nil {
		return "", err
	}
	sandbox.RegisterTemp(dir)
	err = fs.WalkDir(tcpnotebook.Files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		src, err := tcpnotebook.Files.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		f, err := os.Create(dst)
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, src); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
	if err != nil {
		return "", fmt.Errorf("writing the built-in notes to %s: %w", dir, err)
	}
	return dir, nil
}

// guardedWriter remembers the first write error (EPIPE when the reader
// went away) and drops everything after it, so that the runner can
// stop cleanly instead of writing into the void.
type guardedWriter struct {
	w   io.Writer
	err error
}

func (g *guardedWriter) Write(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.w.Write(p)
	if err != nil {
		g.err = err
	}
	return n, err
}
