package main

// What the interactive notebook does outside its model: carrying a
// cell out (with the same runSection as the stream, through a view
// that turns what happens into messages), the editor, writing an edit
// back, the place remembered between starts, and the terminal.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"golang.org/x/sys/unix"

	"github.com/tcpnotebook/tcpnotebook/runner/notebook"
	"github.com/tcpnotebook/tcpnotebook/runner/sandbox"
)

// tuiEnv is what the model runs with: the runner, the chapter, where
// messages from the runs go, and where the place is kept.
type tuiEnv struct {
	r         *runner
	ch        *notebook.Chapter
	send      func(tea.Msg)
	placeFile string // "" keeps no place
	titles    map[string]string
	getenv    func(string) string
}

func (e *tuiEnv) title(lang string) string {
	if t, ok := e.titles[lang]; ok {
		return t
	}
	t := ""
	if d, err := notebook.ParseFile(e.ch.IndexFile(lang)); err == nil {
		t = d.Title
	}
	if e.titles == nil {
		e.titles = map[string]string{}
	}
	e.titles[lang] = t
	return t
}

// notebookView opens the interactive notebook on the terminal.
func (r *runner) notebookView(ch *notebook.Chapter, part string) error {
	secs, problems := loadSections(ch)
	if len(secs) == 0 {
		return fmt.Errorf("%s: no section loads: %s", ch.Name, strings.Join(problems, "; "))
	}
	env := &tuiEnv{r: r, ch: ch, placeFile: placeFile(r.getenv), getenv: r.getenv}
	m := newTUIModel(env, secs, r.opts.lang, r.style.on)
	if r.termWidth > 0 {
		m.w = r.termWidth
	}
	switch {
	case part != "":
		sel, err := r.selectSections(ch, part)
		if err != nil {
			return err
		}
		for i, s := range secs {
			if s == sel[0] {
				m.open(i)
			}
		}
	default:
		m.restorePlace(loadPlace(env.placeFile))
	}
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithInput(r.stdin),
		tea.WithOutput(r.stdout))
	env.send = p.Send
	r.l.Warm() // a cells interpreter kept ready: a cell answers sooner
	restore := saveTerminal(r.stdin, r.stdout)
	beforeStop.Store(&restore)
	defer beforeStop.Store(nil)
	_, err := p.Run()
	// Whichever way the view ended, nothing it started goes on.
	if m.running != nil {
		m.running.v.stop()
	}
	r.l.Cool()
	sandbox.Shutdown()
	if errors.Is(err, tea.ErrProgramKilled) {
		restore()
	}
	if len(problems) > 0 {
		fmt.Fprintf(r.stderr, "runner: %d section(s) of %s did not load: %s\n",
			len(problems), ch.Name, r.rel(problems[0]))
	}
	return err
}

// isTTY reports whether f is a terminal (it has terminal attributes).
func isTTY(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// saveTerminal returns a function that puts the terminal back as it is
// now and leaves the alternate screen: for a signal that ends the
// runner while the view is open.
func saveTerminal(in io.Reader, out io.Writer) func() {
	f, ok := in.(*os.File)
	if !ok {
		return func() {}
	}
	t, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		return func() {}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS, t)
			io.WriteString(out, "\x1b[?1049l\x1b[?25h\x1b[0m")
		})
	}
}

// beforeStop, when set, restores the terminal before a signal ends the
// runner (stopNow).
var beforeStop atomic.Pointer[func()]

// tuiView is the view of one run: what runSection reports becomes
// messages for the model, and Ctrl-C ends what the run started.
type tuiView struct {
	send   func(tea.Msg)
	id     int
	starts []string // the background programs, in the order they start
	panes  int
	bg     map[string]int
	nbg    int
	last   int
	cellN  int

	mu      sync.Mutex
	stopped bool
	procs   []*sandbox.Proc
	cells   *sandbox.Cells
}

func (v *tuiView) ev(pane int, k evKind, text string) {
	v.send(runEvent{id: v.id, pane: pane, kind: k, text: text})
}

func (v *tuiView) block(notebook.Block) {}
func (v *tuiView) code(string, string)  {}

func (v *tuiView) command(line, dir string) io.Writer {
	p := v.panes
	v.panes++
	v.last = p
	if r := sandbox.CompiledReason(dir); r != "" {
		line += "   (runs compiled: " + r + ")"
	}
	v.ev(p, evPane, line)
	if strings.HasSuffix(line, " &") && v.nbg < len(v.starts) {
		if v.bg == nil {
			v.bg = map[string]int{}
		}
		v.bg[v.starts[v.nbg]] = p
		v.nbg++
	}
	return paneWriter{v, p}
}

func (v *tuiView) status(code int, sig string) {
	switch {
	case code == -1:
		v.ev(v.last, evStatus, "[signal: "+sig+"]")
	case code != 0:
		v.ev(v.last, evStatus, fmt.Sprintf("[exit status %d]", code))
	}
}

func (v *tuiView) output(title, text string) {
	if name, ok := strings.CutPrefix(title, "output of "); ok {
		if p, ok := v.bg[name]; ok {
			v.last = p
			v.ev(p, evSet, text)
			return
		}
	}
	p := v.panes
	v.panes++
	v.last = p
	if title == "" {
		v.cellN++
		title = fmt.Sprintf("cell %d:", v.cellN)
	}
	v.ev(p, evPane, title)
	v.ev(p, evSet, text)
}

func (v *tuiView) note(text string)   { v.ev(0, evNote, text) }
func (v *tuiView) failure(msg string) { v.ev(0, evFail, msg) }

// started records a child so that stop can end it; one that starts
// after stop is ended at once.
func (v *tuiView) started(p *sandbox.Proc, c *sandbox.Cells) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if p != nil {
		v.procs = append(v.procs, p)
	}
	if c != nil {
		v.cells = c
	}
	if v.stopped {
		v.killAll()
	}
}

// stop ends every program of the run and its process group (Ctrl-C).
func (v *tuiView) stop() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.stopped = true
	v.killAll()
}

func (v *tuiView) killAll() {
	for _, p := range v.procs {
		p.Kill(unix.SIGKILL)
	}
	if v.cells != nil {
		v.cells.Kill()
	}
}

func (v *tuiView) isStopped() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.stopped
}

type paneWriter struct {
	v    *tuiView
	pane int
}

func (w paneWriter) Write(p []byte) (int, error) {
	w.v.ev(w.pane, evOut, string(p))
	return len(p), nil
}

// startRun carries cell c out in the background: its directives (for a
// cell of Go code, every cell of the section up to it, in a fresh
// interpreter), with the edits and arguments the reader gave.
func (m *tuiModel) startRun(c int) tea.Cmd {
	if m.running != nil {
		m.msg = "a cell is running (ctrl-c stops it)"
		return nil
	}
	cell := m.cells[c]
	doc := m.doc()
	dirs := cell.dirs
	if cell.kind == "cell" {
		dirs = nil
		for _, d := range doc.Directives {
			if d.Kind == "cell" && d.N <= cell.dirs[0] {
				dirs = append(dirs, d.N)
			}
		}
	}
	unit := &notebook.Doc{Path: doc.Path, Title: doc.Title}
	var starts []string
	edited := false
	for _, n := range dirs {
		d := *doc.Directives[n]
		if src, ok := m.cellSrc[n]; ok {
			f := *d.Fences[0]
			f.Content = src
			d.Fences = append([]*notebook.Fence{&f}, d.Fences[1:]...)
			edited = true
		}
		if a, ok := m.args[n]; ok {
			d.Args = a
		}
		if d.Kind == "start" {
			starts = append(starts, d.Name)
		}
		if _, ok := m.progEdit[d.Program]; ok && d.Program != "" {
			edited = true
		}
		unit.Blocks = append(unit.Blocks, notebook.Block{Kind: notebook.DirectiveBlock,
			Directive: &d, Line: d.Line})
		unit.Directives = append(unit.Directives, &d)
	}
	m.nextID++
	v := &tuiView{send: m.env.send, id: m.nextID, starts: starts}
	m.runs[c] = &cellRun{id: m.nextID, running: true, edited: edited, began: time.Now()}
	m.running = &tuiRunning{id: m.nextID, cell: c, v: v}
	m.diff[c] = false
	m.follow()
	r, ch, id := m.env.r, m.env.ch, m.nextID
	edits := map[string]string{}
	for k, p := range m.progEdit {
		edits[k] = p
	}
	return func() tea.Msg {
		began := time.Now()
		runCh, err := overlay(r, ch, unit, edits)
		if err != nil {
			v.failure(err.Error())
			return runDone{id: id, fails: []string{err.Error()}}
		}
		s := r.runSection(runCh, unit, v)
		return runDone{id: id, gen: s.gen, fails: s.fails, took: time.Since(began)}
	}
}

// overlay returns the chapter a run uses: ch itself, or, when a program
// of the run is being edited, a chapter directory in the run directory
// in which that program is the scratch copy and the others link to the
// repository's.
func overlay(r *runner, ch *notebook.Chapter, unit *notebook.Doc, edits map[string]string) (*notebook.Chapter, error) {
	need := false
	for _, d := range unit.Directives {
		if _, ok := edits[d.Program]; ok && d.Program != "" {
			need = true
		}
	}
	if !need {
		return ch, nil
	}
	dir, err := r.l.TempDir()
	if err != nil {
		return nil, err
	}
	for _, d := range unit.Directives {
		if d.Program == "" {
			continue
		}
		target := filepath.Join(ch.Dir, d.Program)
		if p, ok := edits[d.Program]; ok {
			target = filepath.Dir(p)
		}
		link := filepath.Join(dir, d.Program)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(target, link); err != nil {
			return nil, err
		}
	}
	c := *ch
	c.Dir = dir
	return &c, nil
}

// runWithArgs runs the current cell with its program's arguments
// replaced by what the reader typed.
func (m *tuiModel) runWithArgs(text string) tea.Cmd {
	words, err := notebook.SplitWords(text)
	if err != nil {
		m.msg = "arguments: " + err.Error()
		return nil
	}
	m.args[m.cells[m.cur].argDir] = words
	return m.startRun(m.cur)
}

// edit opens the current cell's code, or its program, in $EDITOR: a
// scratch copy in the launcher's run directory. When the editor exits
// the cell runs again (edited).
func (m *tuiModel) edit(c int) tea.Cmd {
	if m.running != nil {
		m.msg = "a cell is running (ctrl-c stops it)"
		return nil
	}
	cell := m.cells[c]
	path, err := m.scratch(cell)
	if err != nil {
		m.msg = "edit: " + err.Error()
		return nil
	}
	editor := m.env.getenv("VISUAL")
	if editor == "" {
		editor = m.env.getenv("EDITOR")
	}
	if editor == "" {
		editor = "vi"
	}
	cmd := exec.Command("sh", "-c", editor+` "$1"`, "editor", path)
	return tea.ExecProcess(cmd, func(err error) tea.Msg {
		return editDone{cell: c, path: path, err: err}
	})
}

// scratch makes (or finds) the scratch copy that e edits.
func (m *tuiModel) scratch(cell tuiCell) (string, error) {
	l := m.env.r.l
	if cell.kind == "cell" {
		n := cell.dirs[0]
		src, ok := m.cellSrc[n]
		if !ok {
			src = m.doc().Directives[n].Fence(0).Content
		}
		dir, err := l.TempDir()
		if err != nil {
			return "", err
		}
		path := filepath.Join(dir, fmt.Sprintf("cell%d.go", cell.cellNo))
		return path, os.WriteFile(path, []byte(src), 0o644)
	}
	if cell.program == "" {
		return "", errors.New("this cell runs no program")
	}
	if p, ok := m.progEdit[cell.program]; ok {
		return p, nil
	}
	orig, err := notebook.ProgramFile(filepath.Join(m.env.ch.Dir, cell.program))
	if err != nil {
		return "", err
	}
	src, err := os.ReadFile(orig)
	if err != nil {
		return "", err
	}
	dir, err := l.TempDir()
	if err != nil {
		return "", err
	}
	pdir := filepath.Join(dir, cell.program)
	if err := os.Mkdir(pdir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(pdir, filepath.Base(orig))
	return path, os.WriteFile(path, src, 0o644)
}

// edited runs the cell again once the editor is done.
func (m *tuiModel) edited(e editDone) tea.Cmd {
	if e.err != nil {
		m.msg = "editor: " + e.err.Error()
		return nil
	}
	if e.cell >= len(m.cells) {
		return nil
	}
	cell := m.cells[e.cell]
	if cell.kind == "cell" {
		src, err := os.ReadFile(e.path)
		if err != nil {
			m.msg = "edit: " + err.Error()
			return nil
		}
		s := string(src)
		if s != "" && !strings.HasSuffix(s, "\n") {
			s += "\n"
		}
		m.cellSrc[cell.dirs[0]] = s
	} else {
		m.progEdit[cell.program] = e.path
	}
	m.cur = e.cell
	m.diffAfter[e.cell] = true
	return m.startRun(e.cell)
}

// writeBack writes the current cell's edit to the repository: a cell's
// code into both notes files, a program's copy over its file; each
// atomically.
func (m *tuiModel) writeBack(c int) {
	cell := m.cells[c]
	if cell.kind == "cell" {
		n := cell.dirs[0]
		src, ok := m.cellSrc[n]
		if !ok {
			m.msg = "nothing to write: e edits the cell first"
			return
		}
		sec := m.secs[m.sec]
		for _, doc := range []*notebook.Doc{sec.EnDoc, sec.ZhDoc} {
			f := doc.Directives[n].Fence(0)
			out := string(doc.Src[:f.Start]) + src + string(doc.Src[f.End:])
			if err := writeNotes(doc.Path, []byte(out)); err != nil {
				m.msg = "write: " + err.Error()
				return
			}
		}
		if ps := sec.Load(); len(ps) > 0 {
			m.msg = "written, but the section no longer loads: " + ps[0]
			return
		}
		delete(m.cellSrc, n)
		m.cache = map[string][]string{}
		m.msg = "cell written to " + m.env.r.rel(sec.En) + " and " + m.env.r.rel(sec.Zh)
		return
	}
	p, ok := m.progEdit[cell.program]
	if !ok {
		m.msg = "nothing to write: e edits the program first"
		return
	}
	orig, err := notebook.ProgramFile(filepath.Join(m.env.ch.Dir, cell.program))
	if err == nil {
		var src []byte
		if src, err = os.ReadFile(p); err == nil {
			err = notebook.WriteFile(orig, src)
		}
	}
	if err != nil {
		m.msg = "write: " + err.Error()
		return
	}
	delete(m.progEdit, cell.program)
	m.msg = "written to " + m.env.r.rel(orig)
}

// tuiPlace is where the reader was, kept for the next start.
type tuiPlace struct {
	Chapter string `json:"chapter"`
	Section string `json:"section,omitempty"`
	Cell    int    `json:"cell"`
	Lang    string `json:"lang"`
}

func (m *tuiModel) place() tuiPlace {
	p := tuiPlace{Chapter: m.env.ch.Name, Lang: m.lang}
	if m.mode == modeSection {
		p.Section, p.Cell = m.secs[m.sec].Name, m.cur
	}
	return p
}

// restorePlace opens the section and cell of a place in this chapter;
// a place elsewhere, or stale, is ignored.
func (m *tuiModel) restorePlace(p tuiPlace) {
	if p.Chapter != m.env.ch.Name {
		return
	}
	if p.Lang == "en" || p.Lang == "zh" {
		m.lang = p.Lang
	}
	for i, s := range m.secs {
		if s.Name == p.Section {
			m.open(i)
			if p.Cell >= 0 && p.Cell < len(m.cells) {
				m.cur = p.Cell
				m.follow()
			}
			return
		}
	}
}

// placeFile is $XDG_STATE_HOME/tcpnotebook/place.json, or
// ~/.local/state/tcpnotebook/place.json.
func placeFile(getenv func(string) string) string {
	dir := getenv("XDG_STATE_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home := getenv("HOME")
		if home == "" {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "tcpnotebook", "place.json")
}

// loadPlace reads the place; anything wrong gives the zero place.
func loadPlace(path string) tuiPlace {
	var p tuiPlace
	if path == "" {
		return p
	}
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &p) != nil {
		return tuiPlace{}
	}
	return p
}

// savePlace writes the place atomically; failing to is not worth
// bothering the reader with.
func (e *tuiEnv) savePlace(p tuiPlace) {
	if e.placeFile == "" {
		return
	}
	b, err := json.Marshal(p)
	if err != nil {
		return
	}
	if os.MkdirAll(filepath.Dir(e.placeFile), 0o755) != nil {
		return
	}
	notebook.WriteFile(e.placeFile, append(b, '\n'))
}
