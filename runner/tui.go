package main

// The interactive notebook: on a terminal, "runner CHAPTER" opens a
// view the reader drives (bubbletea): a table of contents, then a
// section's prose with each directive as a cell that runs with one
// key. The model is the state, Update takes keys and messages, View
// turns the state into text; nothing here writes to the terminal, so
// the tests drive Update with messages and read View as text.
// tui_run.go carries the cells out and edits them.

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/mattn/go-runewidth"
	"github.com/tcpnotebook/tcpnotebook/runner/mdterm"
	"github.com/tcpnotebook/tcpnotebook/runner/notebook"
)

type tuiMode int

const (
	modeTOC tuiMode = iota
	modeSection
)

type inputKind int

const (
	inputNone inputKind = iota
	inputSearch
	inputArgs
)

// tuiCell is what one key runs: a program with its standard input, a
// group from nb:start to the last nb:stop or nb:wait, or the cells of
// the section up to this one.
type tuiCell struct {
	kind    string // "run", "group" or "cell"
	dirs    []int  // the directives (Directive.N) it carries out, in order
	cellNo  int    // a cell's number among the section's cells, from 1
	program string // the program e edits and a runs with other arguments
	argDir  int    // the directive whose arguments a replaces, or -1
}

// pane is the output of one program or cell of a run.
type pane struct {
	title   string
	lines   []string
	partial string // the last line, until its newline comes
	status  string
}

func (p *pane) write(s string) {
	s = p.partial + s
	parts := strings.Split(s, "\n")
	p.lines = append(p.lines, parts[:len(parts)-1]...)
	p.partial = parts[len(parts)-1]
}

func (p *pane) all() []string {
	if p.partial != "" {
		return append(p.lines[:len(p.lines):len(p.lines)], p.partial)
	}
	return p.lines
}

// cellRun is the last run of a cell: live while it runs.
type cellRun struct {
	id      int
	running bool
	panes   []*pane
	notes   []string // remarks and failures ("✗ ..."), in order
	failed  bool
	gen     notebook.Generated
	took    time.Duration
	stopped bool
	edited  bool
	began   time.Time
}

type searchHit struct{ sec, block int }

// tuiModel is the interactive notebook's state.
type tuiModel struct {
	env   *tuiEnv
	secs  []*notebook.Section
	lang  string
	color bool
	w, h  int
	mode  tuiMode

	toc     int // the section chosen in the table of contents
	sec     int // the open section
	cells   []tuiCell
	dirCell map[int]int // directive N → cell
	cur     int
	scroll  int

	help  bool
	input inputKind
	text  string // the line being typed after / or a
	query string
	hits  []searchHit
	hitN  int
	msg   string // the status line's message

	runs      map[int]*cellRun // by cell, for the open section
	running   *tuiRunning
	queue     []int        // cells that R has still to run
	nextID    int          //
	diff      map[int]bool // cells showing the diff against the recording
	diffAfter map[int]bool // show the diff when this run ends (an edit)
	cellSrc   map[int]string
	args      map[int][]string
	progEdit  map[string]string // program → its scratch copy
	cache     map[string][]string
}

// tuiRunning is the run in flight.
type tuiRunning struct {
	id, cell int
	v        *tuiView
}

// Messages from the runs and the editor.
type (
	evKind   int
	runEvent struct {
		id, pane int
		kind     evKind
		text     string
	}
	runDone struct {
		id    int
		gen   notebook.Generated
		fails []string
		took  time.Duration
	}
	editDone struct {
		cell int
		path string
		err  error
	}
)

const (
	evPane   evKind = iota // a program starts: a new pane titled text
	evOut                  // output for a pane
	evSet                  // the whole output of a pane
	evStatus               // how a pane's program ended
	evNote                 // a remark
	evFail                 // a failure
)

func newTUIModel(env *tuiEnv, secs []*notebook.Section, lang string, color bool) *tuiModel {
	return &tuiModel{env: env, secs: secs, lang: lang, color: color, w: 80, h: 24,
		runs: map[int]*cellRun{}, diff: map[int]bool{}, diffAfter: map[int]bool{},
		cellSrc: map[int]string{}, args: map[int][]string{},
		progEdit: map[string]string{}, cache: map[string][]string{}}
}

func (m *tuiModel) Init() tea.Cmd { return nil }

func (m *tuiModel) doc() *notebook.Doc { return m.secs[m.sec].Doc(m.lang) }

func (m *tuiModel) bodyHeight() int {
	if m.h < 3 {
		return 1
	}
	return m.h - 2
}

// Update takes a key or a message and returns the next state.
func (m *tuiModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		if m.w < 20 {
			m.w = 20
		}
		m.follow()
	case tea.KeyMsg:
		// Keys typed faster than they are read come as one message.
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && m.input == inputNone {
			var cmds []tea.Cmd
			for _, r := range msg.Runes {
				cmds = append(cmds, m.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}))
			}
			return m, tea.Batch(cmds...)
		}
		return m, m.key(msg)
	case runEvent:
		m.event(msg)
	case runDone:
		return m, m.done(msg)
	case editDone:
		return m, m.edited(msg)
	}
	return m, nil
}

func (m *tuiModel) key(k tea.KeyMsg) tea.Cmd {
	key := k.String()
	if m.input != inputNone {
		switch key {
		case "enter":
			kind, text := m.input, m.text
			m.input, m.text = inputNone, ""
			if kind == inputSearch {
				m.search(text)
				return nil
			}
			return m.runWithArgs(text)
		case "esc", "ctrl+c":
			m.input, m.text = inputNone, ""
		case "backspace":
			if r := []rune(m.text); len(r) > 0 {
				m.text = string(r[:len(r)-1])
			}
		case "ctrl+u":
			m.text = ""
		default:
			if k.Type == tea.KeyRunes || k.Type == tea.KeySpace {
				m.text += string(k.Runes)
			}
		}
		return nil
	}
	if m.help {
		m.help = false
		if key != "q" {
			return nil
		}
	}
	m.msg = ""
	switch key {
	case "ctrl+c":
		if m.running != nil {
			m.queue = nil
			m.running.v.stop()
			m.msg = "stopping the cell…"
		} else {
			m.msg = "nothing is running; q quits"
		}
		return nil
	case "q":
		return m.quit()
	case "?":
		m.help = true
		return nil
	case "l":
		if m.lang == "en" {
			m.lang = "zh"
		} else {
			m.lang = "en"
		}
		m.hits, m.query = nil, ""
		m.follow()
		return nil
	case "/":
		m.input, m.text = inputSearch, ""
		return nil
	}
	if m.mode == modeTOC {
		switch key {
		case "j", "down", "tab":
			if m.toc < len(m.secs)-1 {
				m.toc++
			}
		case "k", "up", "shift+tab":
			if m.toc > 0 {
				m.toc--
			}
		case "g", "home":
			m.toc = 0
		case "G", "end":
			m.toc = len(m.secs) - 1
		case "enter", "right", "o":
			m.open(m.toc)
		case "n":
			if len(m.hits) > 0 {
				m.nextHit()
			}
		}
		return nil
	}
	switch key {
	case "j", "down", "tab":
		if len(m.cells) == 0 {
			m.scrollBy(1)
		} else if m.cur < len(m.cells)-1 {
			m.cur++
			m.follow()
		}
	case "k", "up", "shift+tab":
		if len(m.cells) == 0 {
			m.scrollBy(-1)
		} else if m.cur > 0 {
			m.cur--
			m.follow()
		}
	case " ", "pgdown", "ctrl+d", "f":
		m.scrollBy(m.bodyHeight() - 2)
	case "pgup", "ctrl+u", "b":
		m.scrollBy(-(m.bodyHeight() - 2))
	case "g", "home":
		m.scroll = 0
	case "G", "end":
		m.scrollBy(1 << 20)
	case "r", "enter":
		if len(m.cells) > 0 {
			return m.startRun(m.cur)
		}
	case "R":
		if len(m.cells) > 0 && m.running == nil {
			for c := m.cur + 1; c < len(m.cells); c++ {
				m.queue = append(m.queue, c)
			}
			return m.startRun(m.cur)
		}
	case "N":
		if len(m.hits) > 0 {
			m.hitN = (m.hitN - 2 + 2*len(m.hits)) % len(m.hits)
			m.nextHit()
		}
	case "n":
		if len(m.hits) > 0 {
			m.nextHit()
		} else if m.sec < len(m.secs)-1 {
			m.open(m.sec + 1)
		}
	case "p":
		if m.sec > 0 {
			m.open(m.sec - 1)
		}
	case "esc":
		if len(m.hits) > 0 {
			m.hits, m.query = nil, ""
		} else {
			m.leave()
		}
	case "t", "left":
		m.leave()
	case "d":
		if len(m.cells) > 0 {
			if run := m.runs[m.cur]; run == nil || run.running {
				m.msg = "run the cell first (r): the diff compares a fresh run with the recording"
			} else {
				m.diff[m.cur] = !m.diff[m.cur]
				m.follow()
			}
		}
	case "a":
		if len(m.cells) > 0 {
			c := m.cells[m.cur]
			if c.argDir < 0 {
				m.msg = "this cell runs no program"
				return nil
			}
			m.input, m.text = inputArgs, joinArgs(m.argsOf(c.argDir))
		}
	case "e":
		if len(m.cells) > 0 {
			return m.edit(m.cur)
		}
	case "w":
		if len(m.cells) > 0 {
			m.writeBack(m.cur)
		}
	}
	return nil
}

// open shows section i from its top.
func (m *tuiModel) open(i int) {
	if m.running != nil {
		m.queue = nil
		m.running.v.stop()
	}
	m.mode, m.sec, m.toc = modeSection, i, i
	m.cur, m.scroll = 0, 0
	m.runs, m.diff, m.diffAfter = map[int]*cellRun{}, map[int]bool{}, map[int]bool{}
	m.cellSrc, m.args = map[int]string{}, map[int][]string{}
	m.buildCells()
	m.env.savePlace(m.place())
}

func (m *tuiModel) leave() {
	m.mode = modeTOC
	m.toc = m.sec
}

func (m *tuiModel) quit() tea.Cmd {
	m.queue = nil
	if m.running != nil {
		m.running.v.stop()
	}
	m.env.savePlace(m.place())
	return tea.Quit
}

// buildCells finds the cells of the open section.
func (m *tuiModel) buildCells() {
	m.cells, m.dirCell = nil, map[int]int{}
	doc := m.secs[m.sec].EnDoc // the same directives in both languages
	var pending []int          // an nb:stdin waiting for its program
	var group *tuiCell
	open := map[string]bool{}
	cellNo := 0
	add := func(c tuiCell) {
		for _, n := range c.dirs {
			m.dirCell[n] = len(m.cells)
		}
		m.cells = append(m.cells, c)
	}
	for _, d := range doc.Directives {
		switch d.Kind {
		case "stdin":
			pending = append(pending, d.N)
			continue
		case "cell":
			cellNo++
			add(tuiCell{kind: "cell", dirs: []int{d.N}, cellNo: cellNo, argDir: -1})
		case "run":
			if last := lastGroup(m.cells); group == nil && last >= 0 && usesGroup(d, m.cells[last], doc) {
				// A client of a server that is gone (to show the refusal)
				// needs the group's addresses: it runs with the group.
				m.cells[last].dirs = append(m.cells[last].dirs, append(pending, d.N)...)
				for _, n := range append(pending, d.N) {
					m.dirCell[n] = last
				}
			} else if group != nil {
				group.dirs = append(group.dirs, append(pending, d.N)...)
				if group.argDir < 0 || doc.Directives[group.argDir].Kind == "start" {
					group.argDir, group.program = d.N, d.Program
				}
			} else {
				add(tuiCell{kind: "run", dirs: append(pending, d.N), program: d.Program, argDir: d.N})
			}
		case "start":
			if group == nil {
				group = &tuiCell{kind: "group", argDir: -1}
			}
			group.dirs = append(group.dirs, append(pending, d.N)...)
			if group.argDir < 0 {
				group.argDir, group.program = d.N, d.Program
			}
			open[d.Name] = true
		case "wait", "stop":
			if group == nil {
				continue
			}
			group.dirs = append(group.dirs, d.N)
			delete(open, d.Name)
			if len(open) == 0 {
				add(*group)
				group = nil
			}
		}
		pending = nil
	}
	if group != nil {
		add(*group)
	}
}

// argsOf is the arguments directive n runs with now.
func (m *tuiModel) argsOf(n int) []string {
	if a, ok := m.args[n]; ok {
		return a
	}
	return m.secs[m.sec].EnDoc.Directives[n].Args
}

func (m *tuiModel) scrollBy(n int) {
	m.scroll += n
	m.clampScroll(len(m.layout().lines))
}

func (m *tuiModel) clampScroll(total int) {
	if max := total - m.bodyHeight(); m.scroll > max {
		m.scroll = max
	}
	if m.scroll < 0 {
		m.scroll = 0
	}
}

// follow scrolls so that the current cell is in view, its output too
// when it fits.
func (m *tuiModel) follow() {
	if m.mode != modeSection || len(m.cells) == 0 {
		return
	}
	lay := m.layout()
	top, end := lay.cellTop[m.cur], lay.cellEnd[m.cur]
	bh := m.bodyHeight()
	if top < m.scroll || top >= m.scroll+bh {
		m.scroll = top - 2
	}
	if end > m.scroll+bh {
		if end-top+2 <= bh {
			m.scroll = end - bh
		} else if m.runs[m.cur] != nil {
			m.scroll = end - bh // the newest output
		}
	}
	m.clampScroll(len(lay.lines))
}

// event adds what a run reports to its cell.
func (m *tuiModel) event(e runEvent) {
	var run *cellRun
	cell := -1
	for c, r := range m.runs {
		if r.id == e.id {
			run, cell = r, c
		}
	}
	if run == nil {
		return // a run of a section no longer open
	}
	for e.pane >= len(run.panes) {
		run.panes = append(run.panes, &pane{})
	}
	p := run.panes[e.pane]
	switch e.kind {
	case evPane:
		p.title = e.text
	case evOut:
		p.write(e.text)
	case evSet:
		p.lines, p.partial = nil, ""
		p.write(e.text)
	case evStatus:
		p.status = e.text
	case evNote:
		run.notes = append(run.notes, e.text)
	case evFail:
		run.failed = true
		run.notes = append(run.notes, "✗ "+e.text)
	}
	if cell == m.cur {
		m.follow()
	}
}

func (m *tuiModel) done(d runDone) tea.Cmd {
	stopped := false
	if m.running != nil && m.running.id == d.id {
		// Also a run of a section left since: the next may start.
		stopped = m.running.v.isStopped()
		m.running = nil
	}
	for c, r := range m.runs {
		if r.id != d.id {
			continue
		}
		r.running, r.gen, r.took, r.stopped = false, d.gen, d.took, stopped
		if len(d.fails) > 0 {
			r.failed = true
		}
		if m.diffAfter[c] {
			m.diffAfter[c] = false
			m.diff[c] = true
		}
		if c == m.cur {
			m.follow()
		}
	}
	if m.running == nil && len(m.queue) > 0 {
		next := m.queue[0]
		m.queue = m.queue[1:]
		m.cur = next
		m.follow()
		return m.startRun(next)
	}
	return nil
}

// search finds text in every section of the chapter, in the language
// shown, and goes to the first place found after the open section.
func (m *tuiModel) search(q string) {
	m.hits, m.hitN, m.query = nil, 0, q
	if q == "" {
		return
	}
	lq := strings.ToLower(q)
	first := -1
	for si, s := range m.secs {
		for bi, b := range s.Doc(m.lang).Blocks {
			if strings.Contains(strings.ToLower(blockText(b)), lq) {
				if first < 0 && (m.mode == modeTOC || si >= m.sec) {
					first = len(m.hits)
				}
				m.hits = append(m.hits, searchHit{si, bi})
			}
		}
	}
	if len(m.hits) == 0 {
		m.msg = fmt.Sprintf("%q is nowhere in %s", q, m.env.ch.Name)
		m.query = ""
		return
	}
	if first < 0 {
		first = 0
	}
	m.hitN = first - 1
	m.nextHit()
}

func (m *tuiModel) nextHit() {
	m.hitN = (m.hitN + 1) % len(m.hits)
	h := m.hits[m.hitN]
	if m.mode != modeSection || h.sec != m.sec {
		m.open(h.sec)
	}
	lay := m.layout()
	line := lay.blockLine[h.block]
	m.scroll = line - 1
	m.clampScroll(len(lay.lines))
	for c := range m.cells {
		if lay.cellTop[c] >= line || c == len(m.cells)-1 {
			m.cur = c
			break
		}
	}
	m.msg = fmt.Sprintf("%q: %d of %d (n: next, esc: end the search)",
		m.query, m.hitN+1, len(m.hits))
}

// blockText is what search looks in: a block's Markdown or code.
func blockText(b notebook.Block) string {
	switch b.Kind {
	case notebook.HeadingBlock:
		return b.Text
	case notebook.ProseBlock:
		return b.Markdown
	case notebook.CodeBlock:
		return b.Fence.Content
	}
	d := b.Directive
	t := strings.Join(append([]string{d.Program}, d.Args...), " ")
	for _, f := range d.Fences {
		if f != nil {
			t += "\n" + f.Content
		}
	}
	return t
}

// View turns the state into the screen's text.
func (m *tuiModel) View() string {
	var header string
	var body []string
	if m.mode == modeTOC {
		header = m.env.ch.Name + " · " + m.env.title(m.lang)
		var tops []int
		body, tops = m.tocLines()
		bh := m.bodyHeight()
		top := 0
		if t := tops[m.toc]; t >= bh {
			top = t - bh + 2
		}
		body = body[top:]
	} else {
		s := m.secs[m.sec]
		header = fmt.Sprintf("%s · %s %s · %s", m.env.ch.Name, s.Num, s.Name, m.doc().Title)
		if len(m.cells) > 0 {
			header += fmt.Sprintf(" · cell %d/%d", m.cur+1, len(m.cells))
		}
		lay := m.layout()
		if m.scroll < len(lay.lines) {
			body = lay.lines[m.scroll:]
		}
	}
	if m.help {
		body = helpLines
	}
	st := style{on: m.color}
	header = fit(header, m.w-5) + " [" + m.lang + "]"
	out := make([]string, 0, m.h)
	out = append(out, st.bold(header))
	bh := m.bodyHeight()
	for i := 0; i < bh; i++ {
		if i < len(body) {
			out = append(out, body[i])
		} else {
			out = append(out, "")
		}
	}
	out = append(out, m.footer(st))
	return strings.Join(out, "\n")
}

func (m *tuiModel) footer(st style) string {
	switch {
	case m.input == inputSearch:
		return "/" + m.text + "▏"
	case m.input == inputArgs:
		return "arguments of " + m.cells[m.cur].program + ": " + m.text + "▏"
	case m.msg != "":
		return fit(m.msg, m.w)
	case m.running != nil:
		return st.cyan(fit("running… ctrl-c stops it · ? help", m.w))
	case m.mode == modeTOC:
		return st.dim(fit("enter open · j/k move · / search · l 中文/en · ? help · q quit", m.w))
	}
	return st.dim(fit("r run · R rest · j/k cell · n/p section · e edit · a args · d diff · ? help · q quit", m.w))
}

var helpLines = strings.Split(`  Keys

  enter, o     open the section (table of contents)
  r, enter     run the current cell
  R            run the current cell and the rest of the section
  j/k, ↓/↑     next / previous cell
  space, b     page down / up;  g, G  top, bottom
  n / p        next / previous section (n: next hit while searching)
  t, esc       back to the table of contents
  l            switch between English and Chinese, keeping the place
  /            search the chapter;  n, N  next, previous hit;  esc  end it
  a            run the cell's program with other arguments
  e            edit the cell or its program in $EDITOR (a scratch copy),
               then run it at once and show the diff with the recording
  w            write the edit back to the repository's file
  d            show / hide the diff of the last run with the recording
  ctrl-c       stop the running cell (the notebook goes on)
  q            quit: every program started is ended

  Any key closes this help.`, "\n")

// tocLines is the table of contents, and the line each section starts.
func (m *tuiModel) tocLines() ([]string, []int) {
	st := style{on: m.color}
	var lines []string
	var tops []int
	for i, s := range m.secs {
		tops = append(tops, len(lines))
		mark := "  "
		if i == m.toc {
			mark = st.cyan("▌ ")
		}
		t := fmt.Sprintf("%s %s  %s", s.Num, padRight(s.Name, 20), s.Doc(m.lang).Title)
		t = fit(t, m.w-2)
		if i == m.toc {
			t = st.bold(t)
		}
		lines = append(lines, mark+t)
		if progs := m.env.ch.Programs(s.EnDoc); len(progs) > 0 {
			lines = append(lines, mark+st.dim(fit("     programs: "+strings.Join(progs, " "), m.w-2)))
		}
	}
	return lines, tops
}

// tuiLayout is a section drawn at the window's width.
type tuiLayout struct {
	lines            []string
	cellTop, cellEnd []int
	blockLine        []int
}

// layout draws the open section: every block, each cell with its
// recorded output or its last run.
func (m *tuiModel) layout() *tuiLayout {
	doc := m.doc()
	st := style{on: m.color}
	lay := &tuiLayout{cellTop: make([]int, len(m.cells)), cellEnd: make([]int, len(m.cells)),
		blockLine: make([]int, len(doc.Blocks))}
	for i := range lay.cellTop {
		lay.cellTop[i] = -1
	}
	w := m.w - 2 // the gutter
	for bi, b := range doc.Blocks {
		lay.blockLine[bi] = len(lay.lines)
		var out []string
		cell := -1
		switch b.Kind {
		case notebook.HeadingBlock:
			out = headingLines(b, st)
		case notebook.ProseBlock:
			out = m.prose(bi, b.Markdown, w)
		case notebook.CodeBlock:
			if b.Fence.Info == "mermaid" {
				out = append(out, st.dim("(a mermaid diagram: GitHub draws it; its source follows)"))
			}
			out = append(out, codeLines(b.Fence.Content, w, st)...)
			out = append(out, "")
		case notebook.DirectiveBlock:
			if c, ok := m.dirCell[b.Directive.N]; ok {
				cell = c
			}
			out = m.directiveLines(b.Directive, cell, w, st)
		}
		mark := "  "
		if cell >= 0 && cell == m.cur {
			mark = st.cyan("▌ ")
		}
		if cell >= 0 && lay.cellTop[cell] < 0 {
			lay.cellTop[cell] = len(lay.lines)
		}
		for _, l := range out {
			lay.lines = append(lay.lines, mark+l)
		}
		if cell >= 0 {
			lay.cellEnd[cell] = len(lay.lines)
		}
	}
	for i := range lay.cellTop {
		if lay.cellTop[i] < 0 {
			lay.cellTop[i] = 0
		}
	}
	if m.sec+1 < len(m.secs) {
		n := m.secs[m.sec+1]
		lay.lines = append(lay.lines, "", st.dim(fit("  next (n): "+n.Num+" "+n.Name+" · "+n.Doc(m.lang).Title, m.w)))
	}
	return lay
}

func headingLines(b notebook.Block, st style) []string {
	t := b.Text
	switch b.Level {
	case 1:
		return []string{st.bold(t), st.cyan(strings.Repeat("═", runewidth.StringWidth(t))), ""}
	case 2:
		return []string{"", st.bold(t), st.dim(strings.Repeat("─", runewidth.StringWidth(t))), ""}
	}
	return []string{"", st.bold("▸ " + t), ""}
}

// prose renders Markdown once for each language, section and width.
func (m *tuiModel) prose(bi int, md string, w int) []string {
	key := fmt.Sprintf("%s/%d/%d/%d", m.lang, m.sec, bi, w)
	if l, ok := m.cache[key]; ok {
		return l
	}
	s := mdterm.Render([]byte(md), mdterm.Options{Width: w, Color: m.color})
	l := append(strings.Split(strings.TrimRight(s, "\n"), "\n"), "")
	m.cache[key] = l
	return l
}

func codeLines(code string, w int, st style) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(code, "\n"), "\n") {
		out = append(out, st.dim("│ ")+fit(strings.ReplaceAll(l, "\t", "    "), w-2))
	}
	return out
}

// generated is the index of the block a directive's run fills in, or
// -1 (an included file is not an output).
func generated(d *notebook.Directive) int {
	if d.Kind == "include" {
		return -1
	}
	for i, b := range d.Spec.Blocks {
		if b.Generated {
			return i
		}
	}
	return -1
}

func (m *tuiModel) directiveLines(d *notebook.Directive, cell int, w int, st style) []string {
	var out []string
	var run *cellRun
	if cell >= 0 {
		run = m.runs[cell]
	}
	switch d.Kind {
	case "include":
		out = append(out, st.dim("── "+d.File+" ──"))
		out = append(out, codeLines(d.Fence(0).Content, w, st)...)
	case "stdin":
		out = append(out, st.dim("standard input:"))
		out = append(out, codeLines(d.Fence(0).Content, w, st)...)
	case "cell":
		src, edited := m.cellSrc[d.N]
		if !edited {
			src = d.Fence(0).Content
		}
		label := fmt.Sprintf("[cell %d]", m.cells[cell].cellNo)
		if edited {
			label += " (edited: w writes it to the notes)"
		}
		out = append(out, st.bold(label))
		out = append(out, codeLines(src, w, st)...)
	case "run", "start":
		line := "$ " + strings.TrimSpace(d.Program+" "+joinArgs(m.argsOf(d.N)))
		if d.Kind == "start" {
			line += " &"
		}
		line = st.bold(fit(line, w))
		if _, ok := m.progEdit[d.Program]; ok {
			line += st.dim("  (edited copy: w writes it back)")
		}
		out = append(out, line)
	case "wait", "stop":
		out = append(out, st.dim(fmt.Sprintf("(%s %s)", d.Kind, d.Name)))
	}
	if gi := generated(d); gi >= 0 && run == nil {
		if f := d.Fence(gi); f != nil && f.Content != "" {
			for _, l := range strings.Split(strings.TrimRight(f.Content, "\n"), "\n") {
				out = append(out, "  "+st.dim(fit(l, w-2)))
			}
		}
	}
	if cell >= 0 && run != nil && d.N == m.cells[cell].dirs[len(m.cells[cell].dirs)-1] {
		out = append(out, m.runLines(cell, run, w, st)...)
	}
	out = append(out, "")
	return out
}

// runLines shows the last run of a cell: each program's output (the
// newest lines of each, so that a server and its client fit together),
// or the diff against the recording.
func (m *tuiModel) runLines(cell int, run *cellRun, w int, st style) []string {
	var out []string
	if m.diff[cell] {
		out = append(out, st.bold("diff: - recorded, + this run"))
		out = append(out, m.diffLines(cell, run, w, st)...)
	} else {
		limit := m.bodyHeight() - 6
		if len(run.panes) > 1 {
			limit = m.bodyHeight()/3 - 1
		}
		if limit < 4 {
			limit = 4
		}
		for _, p := range run.panes {
			if p.title != "" {
				out = append(out, st.bold(fit(p.title, w)))
			}
			lines := p.all()
			if len(lines) > limit {
				out = append(out, st.dim(fmt.Sprintf("  … %d lines above", len(lines)-limit+1)))
				lines = lines[len(lines)-limit+1:]
			}
			if len(lines) == 0 && !run.running {
				out = append(out, st.dim("  (no output)"))
			}
			for _, l := range lines {
				out = append(out, "  "+fit(l, w-2))
			}
			if p.status != "" {
				out = append(out, st.dim("  "+p.status))
			}
		}
	}
	for _, n := range run.notes {
		if strings.HasPrefix(n, "✗ ") {
			out = append(out, st.red(fit(n, w)))
		} else {
			out = append(out, st.dim(fit("  "+n, w)))
		}
	}
	switch {
	case run.running:
		out = append(out, st.cyan("running… (ctrl-c stops it)"))
	case run.stopped:
		out = append(out, st.red("stopped by ctrl-c"))
	default:
		same, n := m.compare(cell, run)
		verdict := fmt.Sprintf("done in %.2fs", run.took.Seconds())
		switch {
		case n == 0:
		case same:
			verdict += " · the same as the recorded output"
		case m.diff[cell]:
			verdict += " · differs from the recorded output (d hides the diff)"
		default:
			verdict += " · differs from the recorded output (d shows the diff)"
		}
		out = append(out, st.dim(verdict))
	}
	return out
}

// compare says whether a run's outputs are the recorded ones.
func (m *tuiModel) compare(cell int, run *cellRun) (same bool, n int) {
	same = true
	dirs := m.doc().Directives
	for _, dn := range m.cells[cell].dirs {
		d := dirs[dn]
		gi := generated(d)
		if gi < 0 {
			continue
		}
		fresh, ok := run.gen[notebook.Slot{Directive: dn, Block: gi}]
		if !ok {
			continue
		}
		n++
		rec := ""
		if f := d.Fence(gi); f != nil {
			rec = f.Content
		}
		if rec != fresh {
			same = false
		}
	}
	return same, n
}

func (m *tuiModel) diffLines(cell int, run *cellRun, w int, st style) []string {
	var out []string
	dirs := m.doc().Directives
	for _, dn := range m.cells[cell].dirs {
		d := dirs[dn]
		gi := generated(d)
		if gi < 0 {
			continue
		}
		fresh, ok := run.gen[notebook.Slot{Directive: dn, Block: gi}]
		what := d.Program
		if d.Name != "" {
			what = d.Name
		}
		if d.Kind == "cell" {
			what = fmt.Sprintf("cell %d", m.cellNoOf(dn))
		}
		rec := ""
		if f := d.Fence(gi); f != nil {
			rec = f.Content
		}
		switch {
		case !ok:
			out = append(out, st.dim("  "+what+": no fresh output (it failed)"))
		case rec == fresh:
			out = append(out, st.dim("  "+what+": the same as recorded"))
		default:
			out = append(out, "  "+what+":")
			for _, l := range strings.Split(diff(rec, fresh), "\n") {
				l = fit(l, w)
				switch {
				case strings.HasPrefix(l, "    - "):
					l = st.red(l)
				case strings.HasPrefix(l, "    + "):
					l = st.cyan(l)
				}
				out = append(out, l)
			}
		}
	}
	return out
}

func (m *tuiModel) cellNoOf(dn int) int {
	if c, ok := m.dirCell[dn]; ok {
		return m.cells[c].cellNo
	}
	return 0
}

// fit cuts s to w columns.
func fit(s string, w int) string {
	if w < 1 {
		return ""
	}
	if runewidth.StringWidth(s) <= w {
		return s
	}
	return runewidth.Truncate(s, w, "…")
}

func padRight(s string, w int) string {
	if n := runewidth.StringWidth(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

func lastGroup(cells []tuiCell) int {
	if n := len(cells) - 1; n >= 0 && cells[n].kind == "group" {
		return n
	}
	return -1
}

// usesGroup reports whether d's arguments name an address of a
// program started in group c ({srv.port}).
func usesGroup(d *notebook.Directive, c tuiCell, doc *notebook.Doc) bool {
	args := strings.Join(d.Args, " ")
	for _, n := range c.dirs {
		if s := doc.Directives[n]; s.Kind == "start" && strings.Contains(args, "{"+s.Name+".") {
			return true
		}
	}
	return false
}

// joinArgs writes arguments back as they would be typed: one with a
// space or a quote in it is quoted.
func joinArgs(args []string) string {
	var out []string
	for _, a := range args {
		switch {
		case a == "":
			a = "''"
		case !strings.ContainsAny(a, " \t'\""):
		case !strings.Contains(a, "'"):
			a = "'" + a + "'"
		default:
			a = strconv.Quote(a)
		}
		out = append(out, a)
	}
	return strings.Join(out, " ")
}
