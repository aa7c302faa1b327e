package main

// The interactive notebook through a real pseudo-terminal: the runner
// (this test binary) opens the view, a cell runs, a cell is edited by a
// fake $EDITOR and runs again, a server and its client stream, Ctrl-C
// stops them, q quits; then the terminal is as it was and nothing is
// left running or on disk.

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// ptyScreen collects what the runner writes to its terminal.
type ptyScreen struct {
	t    *testing.T
	ptmx *os.File
	mu   sync.Mutex
	raw  bytes.Buffer
	mark int // waitFor looks at the text written after this
}

var ansiRE = regexp.MustCompile(`\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Z]|[=>78])`)

func (s *ptyScreen) read() {
	buf := make([]byte, 4096)
	for {
		n, err := s.ptmx.Read(buf)
		s.mu.Lock()
		s.raw.Write(buf[:n])
		s.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// text is the screen output since the mark, escapes removed.
func (s *ptyScreen) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansiRE.ReplaceAllString(string(s.raw.Bytes()[s.mark:]), "")
}

// waitFor waits until every want has been written since the mark, then
// moves the mark to the end.
func (s *ptyScreen) waitFor(wants ...string) {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		txt := s.text()
		missing := ""
		for _, w := range wants {
			if !strings.Contains(txt, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			s.mu.Lock()
			s.mark = s.raw.Len()
			s.mu.Unlock()
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %q; it showed:\n%s", missing, txt)
		}
		time.Sleep(10 * time.Millisecond) // polling the screen, which has no event to wait on
	}
}

func (s *ptyScreen) keys(k string) {
	if _, err := s.ptmx.Write([]byte(k)); err != nil {
		s.t.Fatal(err)
	}
}

func TestTUIThroughPty(t *testing.T) {
	t.Parallel()
	rig := &leftoverRig{t: t, runner: runnerBinary(t), root: writeTUIChapter(t)}
	editor := filepath.Join(t.TempDir(), "fake-editor")
	if err := os.WriteFile(editor, []byte("#!/bin/sh\nsed -i 's/x\\*7/x*8/' \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := rig.command("tu")
	state := t.TempDir()
	cmd.Env = append(cmd.Env, "EDITOR="+editor, "VISUAL=", "XDG_STATE_HOME="+state,
		"TERM=xterm-256color", "LANG=C.UTF-8")
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	defer tty.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 30, Cols: 80}); err != nil {
		t.Fatal(err)
	}
	before, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	scr := &ptyScreen{t: t, ptmx: ptmx}
	go scr.read()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill() // ours: the runner this test started
		}
	}()

	scr.waitFor("tu · Tu chapter", "01 first", "programs: srv ticker", "enter open")
	scr.keys("\r")
	scr.waitFor("01 first · First steps · cell 1/3", "$ hello")
	scr.keys("r")
	scr.waitFor("hello, world", "the same as the recorded output")
	scr.keys("jj")
	scr.waitFor("cell 3/3")
	scr.keys("e")
	scr.waitFor("cell says 48", "- cell says 42", "+ cell says 48")

	scr.keys("n")
	scr.waitFor("02 pair · A pair")
	scr.keys("r")
	scr.waitFor("$ srv &", "listening on 127.0.0.1:", "$ ticker", "tick 3")
	scr.keys("\x03") // Ctrl-C stops the cell, not the notebook
	scr.waitFor("stopped by ctrl-c")
	scr.keys("r")
	scr.waitFor("tick 2")
	// hello, then srv, its grandchild and ticker (twice).
	rig.waitPids(7)
	scr.keys("q") // quit while the server and the client run
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("the runner ended with %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the runner did not end 15 s after q")
	}
	after, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if after.Lflag != before.Lflag || after.Iflag != before.Iflag || after.Oflag != before.Oflag {
		t.Errorf("the terminal was not restored: lflag %#x iflag %#x oflag %#x, was %#x %#x %#x",
			after.Lflag, after.Iflag, after.Oflag, before.Lflag, before.Iflag, before.Oflag)
	}
	time.Sleep(50 * time.Millisecond) // the last bytes on their way through the pty
	scr.mu.Lock()
	raw := scr.raw.String()
	scr.mu.Unlock()
	if k := strings.LastIndex(raw, "\x1b[?1049l"); k < 0 || !strings.Contains(raw[k:], "\x1b[?25h") {
		t.Error("the runner did not leave the alternate screen and show the cursor")
	}
	rig.checkNothingLeft()
	if p := loadPlace(filepath.Join(state, "tcpnotebook", "place.json")); p.Section != "pair" {
		t.Errorf("the place kept is %+v, want the section pair", p)
	}
}
