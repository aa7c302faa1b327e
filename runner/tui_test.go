package main

// The interactive notebook's model driven by messages, its view read
// as text: no terminal, no process unless a test runs a cell.

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/tcpnotebook/tcpnotebook/runner/notebook"
	"github.com/tcpnotebook/tcpnotebook/runner/sandbox"
)

// tuiChapter is a small chapter: a program and two cells, then a
// server with a client.
var tuiChapter = map[string]string{
	"chapters/tu/README.md":    "# Tu chapter\n\n<!-- nb:toc -->\n<!-- nb:end -->\n",
	"chapters/tu/README.zh.md": "# 图章\n\n<!-- nb:toc -->\n<!-- nb:end -->\n",
	"chapters/tu/01-first.md": "# First steps\n\nSome prose about **hello**.\n\n" +
		tuiFirstCells,
	"chapters/tu/01-first.zh.md": "# 第一步\n\n关于 **hello** 的一段话。\n\n" +
		tuiFirstCells,
	"chapters/tu/02-pair.md":    "# A pair\n\nA server and its client.\n\n" + tuiPairCells,
	"chapters/tu/02-pair.zh.md": "# 一对\n\n服务器和它的客户端。\n\n" + tuiPairCells,
	"chapters/tu/hello/hello.go": `package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	if d := os.Getenv("PIDDIR"); d != "" {
		stat, _ := os.ReadFile("/proc/self/stat") // its start time tells a reused PID apart
		f := filepath.Join(d, strconv.Itoa(os.Getpid()))
		os.WriteFile(f+".tmp", stat, 0o644) // then renamed: never seen half written
		os.Rename(f+".tmp", f)
	}
	fmt.Println(strings.Join(append([]string{"hello, world"}, os.Args[1:]...), " "))
}
`,
	"chapters/tu/srv/srv.go":       leftoverChapter["chapters/lo/srv/srv.go"],
	"chapters/tu/ticker/ticker.go": leftoverChapter["chapters/lo/ticker/ticker.go"],
}

const tuiFirstCells = "<!-- nb:run hello -->\n```text\nhello, world\n```\n\n" +
	"Then a cell.\n\n<!-- nb:cell -->\n```go\nimport \"fmt\"\n\nx := 6\n```\n\n" +
	"<!-- nb:cell -->\n```go\nfmt.Println(\"cell says\", x*7)\n```\n\n```text\ncell says 42\n```\n"

const tuiPairCells = "<!-- nb:start s srv -->\n\n<!-- nb:run timeout=30s ticker -->\n```text\n```\n\n" +
	"<!-- nb:stop s -->\n```text\n```\n"

func writeTUIChapter(t testing.TB) string {
	root := t.TempDir()
	for name, body := range tuiChapter {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// msgQueue collects what runs send, for tests that feed it to Update.
type msgQueue struct {
	mu   sync.Mutex
	msgs []tea.Msg
	more chan struct{}
}

func newMsgQueue() *msgQueue { return &msgQueue{more: make(chan struct{}, 1)} }

func (q *msgQueue) send(m tea.Msg) {
	q.mu.Lock()
	q.msgs = append(q.msgs, m)
	q.mu.Unlock()
	select {
	case q.more <- struct{}{}:
	default:
	}
}

func (q *msgQueue) take() []tea.Msg {
	q.mu.Lock()
	defer q.mu.Unlock()
	m := q.msgs
	q.msgs = nil
	return m
}

// newTestModel loads the fixture chapter into a model with a launcher
// (closed when the test ends).
func newTestModel(t testing.TB, root string) (*tuiModel, *msgQueue) {
	l, err := sandbox.New(sandbox.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	chs, err := notebook.LoadChapters(root)
	if err != nil {
		t.Fatal(err)
	}
	c := &cli{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard,
		getenv: func(string) string { return "" }}
	r := &runner{cli: c, opts: &options{lang: "en", timeout: 10 * time.Second},
		l: l, root: root, chapters: chs, out: &guardedWriter{w: io.Discard}}
	secs, problems := loadSections(chs[0])
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	q := newMsgQueue()
	env := &tuiEnv{r: r, ch: chs[0], send: q.send, getenv: c.getenv}
	return newTUIModel(env, secs, "en", false), q
}

func press(m *tuiModel, keys ...string) tea.Cmd {
	var last tea.Cmd
	for _, k := range keys {
		var msg tea.KeyMsg
		switch k {
		case "enter":
			msg = tea.KeyMsg{Type: tea.KeyEnter}
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		case "ctrl+c":
			msg = tea.KeyMsg{Type: tea.KeyCtrlC}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		_, last = m.Update(msg)
	}
	return last
}

func wantIn(t *testing.T, view string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(view, w) {
			t.Errorf("the view lacks %q:\n%s", w, view)
		}
	}
}

func TestTUITableOfContents(t *testing.T) {
	m, _ := newTestModel(t, writeTUIChapter(t))
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 12})
	v := m.View()
	wantIn(t, v, "tu · Tu chapter", "01 first", "First steps", "02 pair",
		"programs: srv ticker", "enter open")
	if n := len(strings.Split(v, "\n")); n != 12 {
		t.Errorf("the view has %d lines, want the window's 12", n)
	}
	press(m, "l")
	wantIn(t, m.View(), "图章", "第一步", "[zh]")
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
	press(m, "j", "enter")
	wantIn(t, m.View(), "tu · 02 pair · 一对", "$ srv &", "$ ticker", "(stop s)")
}

func TestTUISectionKeys(t *testing.T) {
	m, _ := newTestModel(t, writeTUIChapter(t))
	press(m, "enter")
	v := m.View()
	wantIn(t, v, "01 first · First steps · cell 1/3", "$ hello", "hello, world",
		"[cell 1]", "x := 6", "cell says 42", "r run")
	if !strings.Contains(v, "▌ $ hello") {
		t.Errorf("the first cell is not marked current:\n%s", v)
	}
	press(m, "j", "j")
	wantIn(t, m.View(), "cell 3/3", "▌ [cell 2]")
	press(m, "k")
	wantIn(t, m.View(), "cell 2/3")
	press(m, "?")
	wantIn(t, m.View(), "ctrl-c       stop the running cell")
	press(m, "x")
	if strings.Contains(m.View(), "ctrl-c       stop") {
		t.Error("a key did not close the help")
	}
	press(m, "l")
	wantIn(t, m.View(), "第一步", "cell 2/3", "▌ [cell 1]")
	press(m, "n")
	wantIn(t, m.View(), "02 pair")
	press(m, "p")
	wantIn(t, m.View(), "01 first")
	press(m, "d")
	wantIn(t, m.View(), "run the cell first")
	press(m, "t")
	wantIn(t, m.View(), "enter open")
}

func TestTUISearch(t *testing.T) {
	m, _ := newTestModel(t, writeTUIChapter(t))
	press(m, "/", "c", "l", "i", "e", "n", "t")
	wantIn(t, m.View(), "/client▏")
	press(m, "enter")
	wantIn(t, m.View(), "02 pair", `"client": 1 of 1`)
	press(m, "esc", "/", "n", "o", "p", "e", "enter")
	wantIn(t, m.View(), `"nope" is nowhere in tu`)
}

// TestTUIRunMessages feeds a run's messages by hand: a server and a
// client streaming into panes of one cell, then the end of the run and
// the diff against the recording.
func TestTUIRunMessages(t *testing.T) {
	m, _ := newTestModel(t, writeTUIChapter(t))
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 30})
	press(m, "n")
	press(m, "j", "enter") // the second section
	m.runs[0] = &cellRun{id: 7, running: true}
	m.running = &tuiRunning{id: 7, cell: 0, v: &tuiView{}}
	for _, e := range []runEvent{
		{id: 7, pane: 0, kind: evPane, text: "$ srv &"},
		{id: 7, pane: 0, kind: evOut, text: "listening on 127.0.0.1:4000\n"},
		{id: 7, pane: 1, kind: evPane, text: "$ ticker"},
		{id: 7, pane: 1, kind: evOut, text: "tick 0\ntick"},
		{id: 7, pane: 1, kind: evOut, text: " 1\n"},
	} {
		m.Update(e)
	}
	wantIn(t, m.View(), "$ srv &", "  listening on 127.0.0.1:4000", "$ ticker",
		"  tick 0\n", "  tick 1", "running… (ctrl-c stops it)")
	gen := notebook.Generated{}
	d := m.doc().Directives
	gen.Set(d[1], 0, "tick 0\ntick 1\n")
	gen.Set(d[2], 0, "")
	m.Update(runDone{id: 7, gen: gen, took: 120 * time.Millisecond})
	wantIn(t, m.View(), "done in 0.12s · differs from the recorded output (d shows the diff)")
	press(m, "d")
	wantIn(t, m.View(), "diff: - recorded, + this run", "    + tick 1", "s: the same as recorded")
	if m.running != nil {
		t.Error("the run is still marked running after it ended")
	}
	// A run that ends after its section was left frees the next run.
	m.runs[0] = &cellRun{id: 8, running: true}
	m.running = &tuiRunning{id: 8, cell: 0, v: &tuiView{}}
	press(m, "p")
	m.Update(runDone{id: 8})
	if m.running != nil {
		t.Error("a run of a section left is still marked running after it ended")
	}
}

// TestTUIRunCells runs the real cells: cell 2 runs cells 1 and 2 in a
// fresh interpreter, and an edit of cell 2 runs at once, with the diff.
func TestTUIRunCells(t *testing.T) {
	m, q := newTestModel(t, writeTUIChapter(t))
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 40})
	press(m, "enter", "j", "j")
	runUntilDone(t, m, q, press(m, "r"))
	wantIn(t, m.View(), "cell 1:", "cell 2:", "  cell says 42",
		"the same as the recorded output")
	m.cellSrc[m.cells[2].dirs[0]] = "fmt.Println(\"cell says\", x*8)\n"
	m.diffAfter[2] = true
	runUntilDone(t, m, q, m.startRun(2))
	wantIn(t, m.View(), "    - cell says 42", "    + cell says 48", "(edited: w writes it")
}

// runUntilDone carries cmd out as bubbletea would and feeds Update
// with what the run sends until it ends.
func runUntilDone(t testing.TB, m *tuiModel, q *msgQueue, cmd tea.Cmd) {
	t.Helper()
	if cmd == nil {
		t.Fatal("no run started: " + m.msg)
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case <-q.more:
			for _, msg := range q.take() {
				m.Update(msg)
			}
		case msg := <-done:
			for _, msg := range q.take() {
				m.Update(msg)
			}
			m.Update(msg)
			return
		case <-deadline:
			t.Fatal("the run did not end in 20 s")
		}
	}
}

func TestTUIPlace(t *testing.T) {
	root := writeTUIChapter(t)
	m, _ := newTestModel(t, root)
	state := t.TempDir()
	m.env.placeFile = placeFile(func(k string) string {
		if k == "XDG_STATE_HOME" {
			return state
		}
		return ""
	})
	press(m, "l", "j", "enter", "q")
	p := loadPlace(m.env.placeFile)
	if p != (tuiPlace{Chapter: "tu", Section: "pair", Cell: 0, Lang: "zh"}) {
		t.Errorf("place = %+v", p)
	}
	m2, _ := newTestModel(t, root)
	m2.restorePlace(p)
	wantIn(t, m2.View(), "02 pair · 一对")
	// A bad or stale file is ignored.
	os.WriteFile(m.env.placeFile, []byte("{not json"), 0o644)
	if p := loadPlace(m.env.placeFile); p != (tuiPlace{}) {
		t.Errorf("a bad file gave %+v", p)
	}
	m3, _ := newTestModel(t, root)
	m3.restorePlace(tuiPlace{Chapter: "tu", Section: "gone", Cell: 9})
	wantIn(t, m3.View(), "enter open")
}

// TestTUIArgs runs the program of a cell with other arguments.
func TestTUIArgs(t *testing.T) {
	m, q := newTestModel(t, writeTUIChapter(t))
	press(m, "enter", "a")
	wantIn(t, m.View(), "arguments of hello: ▏")
	press(m, "1", "0", ".", "1", " ", "'a b'")
	runUntilDone(t, m, q, press(m, "enter"))
	wantIn(t, m.View(), "$ hello 10.1 'a b'", "  hello, world 10.1 a b",
		"differs from the recorded output")
}

// TestTUIWriteBack: w writes a cell's edit into both notes files and a
// program's edit over its file, atomically (no temporary file left).
func TestTUIWriteBack(t *testing.T) {
	root := writeTUIChapter(t)
	m, _ := newTestModel(t, root)
	press(m, "enter", "j")
	press(m, "w")
	wantIn(t, m.View(), "nothing to write")
	m.cellSrc[m.cells[1].dirs[0]] = "import \"fmt\"\n\nx := 7\n"
	press(m, "w")
	wantIn(t, m.View(), "cell written to chapters/tu/01-first.md and chapters/tu/01-first.zh.md")
	for _, f := range []string{"01-first.md", "01-first.zh.md"} {
		b, _ := os.ReadFile(filepath.Join(root, "chapters/tu", f))
		if !strings.Contains(string(b), "```go\nimport \"fmt\"\n\nx := 7\n```") {
			t.Errorf("%s does not hold the edit:\n%s", f, b)
		}
	}
	press(m, "k")
	path, err := m.scratch(m.cells[0])
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, []byte("package main\n\nfunc main() {}\n"), 0o644)
	m.progEdit["hello"] = path
	press(m, "w")
	wantIn(t, m.View(), "written to chapters/tu/hello/hello.go")
	if b, _ := os.ReadFile(filepath.Join(root, "chapters/tu/hello/hello.go")); string(b) != "package main\n\nfunc main() {}\n" {
		t.Errorf("hello.go holds %q", b)
	}
	for _, dir := range []string{"chapters/tu", "chapters/tu/hello"} {
		ents, _ := os.ReadDir(filepath.Join(root, dir))
		for _, e := range ents {
			if strings.Contains(e.Name(), ".tmp") {
				t.Errorf("a temporary file was left: %s/%s", dir, e.Name())
			}
		}
	}
}
