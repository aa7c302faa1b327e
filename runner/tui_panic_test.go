//go:build !race

package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Not under the race detector: bubbletea v1.3.10's recovery from a
// panic closes its cancelreader's file while the reader goroutine still
// reads it, a data race inside the library (tea.go shutdown against
// cancelreader_linux.go), which -race reports for this test alone. The
// test runs in every other build, go test ./... included.

// panicky is a model whose Update panics on its first key.
type panicky struct{}

func (panicky) Init() tea.Cmd { return nil }
func (panicky) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.KeyMsg); ok {
		panic("a bug in Update")
	}
	return panicky{}, nil
}
func (panicky) View() string { return "a view" }

// TestTUIPanicRestoresTerminal checks what notebookView relies on: a
// panic in Update or View ends bubbletea's Run with ErrProgramKilled
// and the terminal restored (notebookView then ends every child).
func TestTUIPanicRestoresTerminal(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	defer tty.Close()
	before, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	scr := &ptyScreen{t: t, ptmx: ptmx}
	go scr.read()
	p := tea.NewProgram(panicky{}, tea.WithInput(tty), tea.WithOutput(tty),
		tea.WithAltScreen(), tea.WithoutSignalHandler())
	done := make(chan error, 1)
	go func() {
		_, err := p.Run()
		done <- err
	}()
	scr.waitFor("a view")
	scr.keys("x")
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not end after a panic")
	}
	if !errors.Is(err, tea.ErrProgramKilled) {
		t.Errorf("Run returned %v, want ErrProgramKilled", err)
	}
	after, _ := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if after.Lflag != before.Lflag || after.Iflag != before.Iflag {
		t.Errorf("the terminal was not restored after a panic")
	}
	time.Sleep(50 * time.Millisecond) // the last bytes on their way through the pty
	scr.mu.Lock()
	raw := scr.raw.String()
	scr.mu.Unlock()
	if !strings.Contains(raw, "\x1b[?1049l") {
		t.Error("the alternate screen was not left after a panic")
	}
}
