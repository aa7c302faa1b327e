package main

// How fast the interactive notebook answers, measured (never asserted):
//
//	go test ./runner -run '^$' -bench 'EditToOutput|KeyWhileStreaming' -benchtime 20x
//
// EditToOutput goes from the editor's exit (the edit saved) to the
// first output of the new run drawn in the view; KeyWhileStreaming is
// one key and the redraw while a server's output streams in.

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

func BenchmarkEditToOutput(b *testing.B) {
	for _, warm := range []bool{false, true} {
		name := "cell-cold"
		if warm {
			name = "cell-warm"
		}
		b.Run(name, func(b *testing.B) {
			m, q := newTestModel(b, writeTUIChapter(b))
			if warm {
				m.env.r.l.Warm()
				b.Cleanup(m.env.r.l.Cool)
			}
			press(m, "enter", "j", "j") // cell 2 of the Go code: cells 1 and 2 run
			path := filepath.Join(b.TempDir(), "cell2.go")
			benchEdit(b, m, q, 2, path, func(i int) string {
				return fmt.Sprintf("fmt.Println(\"cell says\", x*%d)\n", i)
			}, "cell says")
		})
	}
	b.Run("endian", func(b *testing.B) {
		root, err := filepath.Abs("..")
		if err != nil {
			b.Fatal(err)
		}
		m, q := newTestModel(b, root)
		m.env.ch = m.env.r.chapters[0] // chapter04
		m.secs, _ = loadSections(m.env.ch)
		for i, s := range m.secs {
			if s.Name == "byte-order" {
				m.open(i)
			}
		}
		c := -1
		for i, cl := range m.cells {
			if cl.program == "endian" {
				c = i
				break
			}
		}
		if c < 0 {
			b.Skip("chapter04 has no endian cell (needs: the repository's chapter04)")
		}
		m.cur = c
		path, err := m.scratch(m.cells[c])
		if err != nil {
			b.Fatal(err)
		}
		orig, _ := os.ReadFile(path)
		benchEdit(b, m, q, c, path, func(i int) string {
			return string(orig) + fmt.Sprintf("\n// edit %d\n", i)
		}, "0x0102")
	})
}

// benchEdit saves an edit b.N times and times each from editDone to
// the first output containing want drawn by View.
func benchEdit(b *testing.B, m *tuiModel, q *msgQueue, cell int, path string,
	edit func(int) string, want string) {
	var took []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// The reader spends seconds in the editor; meanwhile a warm
		// interpreter, when there is one, gets ready. Not timed.
		b.StopTimer()
		for w := 0; m.env.r.l.WarmOn() && !m.env.r.l.WarmReady() && w < 500; w++ {
			time.Sleep(10 * time.Millisecond) // polling the launcher, which has no event for it
		}
		b.StartTimer()
		if err := os.WriteFile(path, []byte(edit(i)), 0o644); err != nil {
			b.Fatal(err)
		}
		began := time.Now()
		_, cmd := m.Update(editDone{cell: cell, path: path})
		if cmd == nil {
			b.Fatal("no run started: " + m.msg)
		}
		done := make(chan tea.Msg, 1)
		go func() { done <- cmd() }()
		seen := false
		deadline := time.After(20 * time.Second)
		for !seen {
			select {
			case <-q.more:
				for _, msg := range q.take() {
					m.Update(msg)
					if e, ok := msg.(runEvent); ok && strings.Contains(e.text, want) {
						m.View()
						took = append(took, time.Since(began))
						seen = true
					}
				}
			case <-deadline:
				b.Fatal("no output in 20 s")
			}
		}
		msg := <-done
		for _, msg := range q.take() {
			m.Update(msg)
		}
		m.Update(msg)
	}
	b.StopTimer()
	reportMedian(b, took)
}

func reportMedian(b *testing.B, took []time.Duration) {
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	if len(took) > 0 {
		b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms-median")
		b.ReportMetric(float64(took[len(took)*9/10].Microseconds())/1000, "ms-p90")
	}
}

// BenchmarkKeyWhileStreaming: the echo section of chapter04 open at
// 80x24, a server's output arriving line by line; each iteration is a
// line of output, a key (next or previous cell) and the redraw.
func BenchmarkKeyWhileStreaming(b *testing.B) {
	root, err := filepath.Abs("..")
	if err != nil {
		b.Fatal(err)
	}
	m, _ := newTestModel(b, root)
	m.env.ch = m.env.r.chapters[0]
	m.secs, _ = loadSections(m.env.ch)
	for i, s := range m.secs {
		if s.Name == "echo" {
			m.open(i)
		}
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if len(m.cells) < 2 {
		b.Skip("chapter04's echo section has fewer than two cells")
	}
	m.runs[0] = &cellRun{id: 1, running: true}
	m.running = &tuiRunning{id: 1, cell: 0, v: &tuiView{}}
	m.Update(runEvent{id: 1, pane: 0, kind: evPane, text: "$ echo-server 127.0.0.1 0 &"})
	keys := []tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune("j")}, {Type: tea.KeyRunes, Runes: []rune("k")}}
	var took []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Update(runEvent{id: 1, pane: 0, kind: evOut, text: fmt.Sprintf("echoed line %d\n", i)})
		began := time.Now()
		m.Update(keys[i%2])
		m.View()
		took = append(took, time.Since(began))
	}
	b.StopTimer()
	reportMedian(b, took)
}
