package main

// Playing a section: every directive of the section is carried out in
// order. The same code serves three modes: play (show it in a terminal),
// check (compare generated blocks with fresh results) and update
// (rewrite them).

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

type mode int

const (
	modePlay mode = iota
	modeCheck
	modeUpdate
)

// engine holds what is common to every section of a run.
type engine struct {
	l       *launcher
	ch      *Chapter
	mode    mode
	lang    string
	out     io.Writer // the terminal
	timeout time.Duration
	style   style
	fails   []string
	checked int // generated blocks compared or written
}

// fail records a failure and, in play mode, shows it where it happened.
func (e *engine) fail(doc *Doc, line int, format string, args ...any) {
	msg := fmt.Sprintf("%s:%d: %s", e.rel(doc.Path), line,
		fmt.Sprintf(format, args...))
	e.fails = append(e.fails, msg)
	fmt.Fprintln(e.out, e.style.red("✗ "+msg))
}

func (e *engine) rel(path string) string {
	if r, err := filepath.Rel(e.l.root, path); err == nil {
		return r
	}
	return path
}

// bgProc is a program started in the background by nb:start.
type bgProc struct {
	p     *proc
	masks []*regexp.Regexp
	line  int
	ended bool
}

// sectionRun is the state of one section being played: background
// programs, their addresses, the pending standard input, the cells'
// interpreter.
type sectionRun struct {
	e     *engine
	doc   *Doc
	tmp   string
	bg    map[string]*bgProc
	order []string
	vars  map[string]string
	stdin *string
	cells *cellRunner
	// generated holds the fresh content of owned fences, by the index of
	// the directive in the document and 0 (its fence) or 1 (a cell's
	// output).
	generated map[[2]int]string
}

// runSection carries out the directives of doc. It returns the fresh
// content of the generated blocks.
func (e *engine) runSection(doc *Doc) map[[2]int]string {
	tmp, err := os.MkdirTemp("", "notebook-")
	if err != nil {
		e.fail(doc, 1, "temporary directory: %v", err)
		return nil
	}
	defer os.RemoveAll(tmp)
	s := &sectionRun{e: e, doc: doc, tmp: tmp, bg: map[string]*bgProc{},
		vars: map[string]string{"tmp": tmp}, generated: map[[2]int]string{}}
	defer s.cleanup()
	di := -1
	for _, b := range doc.Blocks {
		if b.Kind == "directive" {
			di++
			s.directive(di, b.Directive)
			continue
		}
		if e.mode == modePlay {
			e.show(b)
		}
	}
	return s.generated
}

// cleanup stops background programs nobody waited for: that is a
// mistake in the notes, reported as such.
func (s *sectionRun) cleanup() {
	for _, name := range s.order {
		b := s.bg[name]
		if !b.ended {
			b.p.stop(2 * time.Second)
			s.e.fail(s.doc, b.line, "background program %q was never "+
				"waited for or stopped (add nb:wait or nb:stop)", name)
		}
	}
	if s.cells != nil {
		s.cells.close()
	}
}

func (s *sectionRun) directive(di int, d *Directive) {
	e := s.e
	switch d.Kind {
	case "include":
		s.include(di, d)
	case "cell":
		s.cell(di, d)
	case "stdin":
		text := s.subst(d.Fence.Content)
		s.stdin = &text
		if e.mode == modePlay {
			fmt.Fprintln(e.out, e.style.dim("standard input:"))
			e.showCode(d.Fence.Content)
		}
	case "run":
		s.run(di, d)
	case "start":
		s.startBg(d)
	case "wait", "stop":
		s.finishBg(di, d)
	case "toc", "end":
		// Only meaningful in a chapter index.
	}
}

func (s *sectionRun) include(di int, d *Directive) {
	e := s.e
	if len(d.Words) < 1 {
		e.fail(s.doc, d.Line, "nb:include needs a file")
		return
	}
	file := d.Words[0]
	region := ""
	for _, w := range d.Words[1:] {
		if v, ok := strings.CutPrefix(w, "region="); ok {
			region = v
		} else {
			e.fail(s.doc, d.Line, "nb:include: unknown option %q", w)
			return
		}
	}
	text, err := readInclude(filepath.Join(e.ch.Dir, file), region)
	if err != nil {
		e.fail(s.doc, d.Line, "nb:include: %v", err)
		return
	}
	s.generated[[2]int{di, 0}] = text
	if e.mode == modePlay {
		fmt.Fprintln(e.out, e.style.bold("── "+file+" ──"))
		e.showCode(text)
	}
}

// readInclude reads a file, or the region of it between
// "// region NAME" and "// endregion NAME" lines.
func readInclude(path, region string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	text := string(b)
	if region == "" {
		return text, nil
	}
	var out []string
	in, found := false, false
	for _, line := range strings.SplitAfter(text, "\n") {
		t := strings.TrimSpace(line)
		switch t {
		case "// region " + region:
			in, found = true, true
			continue
		case "// endregion " + region:
			in = false
			continue
		}
		if in && !strings.HasPrefix(t, "// region ") &&
			!strings.HasPrefix(t, "// endregion ") {
			out = append(out, line)
		}
	}
	if !found {
		return "", fmt.Errorf("%s has no region %q", path, region)
	}
	return dedent(strings.Join(out, "")), nil
}

// dedent removes the tabs common to all non-blank lines.
func dedent(s string) string {
	lines := strings.SplitAfter(s, "\n")
	common := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, "\t"))
		if common < 0 || n < common {
			common = n
		}
	}
	if common <= 0 {
		return s
	}
	for k, l := range lines {
		if len(l) >= common && strings.TrimSpace(l) != "" {
			lines[k] = l[common:]
		}
	}
	return strings.Join(lines, "")
}

func (s *sectionRun) cell(di int, d *Directive) {
	e := s.e
	if e.mode == modePlay {
		e.showCode(d.Fence.Content)
	}
	if s.cells == nil {
		c, err := e.l.startCells(s.tmp)
		if err != nil {
			e.fail(s.doc, d.Line, "start interpreter: %v", err)
			return
		}
		s.cells = c
	}
	out, res, err := s.cells.run(cell{File: e.rel(s.doc.Path),
		Line: d.Fence.Line + 1, Src: d.Fence.Content}, e.timeout)
	if e.mode == modePlay {
		e.showOutput(out)
	}
	switch {
	case err == errTimeout:
		e.fail(s.doc, d.Line, "cell timed out after %v", e.timeout)
	case err != nil:
		e.fail(s.doc, d.Line, "cell: %v", err)
	case res.Compile:
		e.fail(s.doc, d.Line, "cell does not compile: %s", res.Err)
	case res.Err != "":
		e.fail(s.doc, d.Line, "cell panicked: %s", res.Err)
	default:
		s.generated[[2]int{di, 1}] = normalize(out)
	}
}

// runOpts are the options of nb:run and nb:start.
type runOpts struct {
	name    string // start only
	timeout time.Duration
	exit    int
	masks   []*regexp.Regexp
	ready   *regexp.Regexp
	program string
	args    []string
	// needs names a capability without which the program prints
	// something else (a recorded fallback): its output is then shown
	// but neither compared nor recorded.
	needs string
}

var defaultReady = regexp.MustCompile(`listening on (\S+)`)

func (s *sectionRun) parseOpts(d *Directive, named bool) (*runOpts, error) {
	o := &runOpts{timeout: s.e.timeout, ready: defaultReady}
	words := d.Words
	if named {
		if len(words) == 0 {
			return nil, fmt.Errorf("nb:%s needs a name", d.Kind)
		}
		o.name, words = words[0], words[1:]
	}
	for len(words) > 0 {
		k, v, ok := strings.Cut(words[0], "=")
		if !ok || strings.ContainsAny(k, "/.{") {
			break
		}
		words = words[1:]
		switch k {
		case "timeout":
			t, err := time.ParseDuration(v)
			if err != nil || t <= 0 {
				return nil, fmt.Errorf("bad timeout %q", v)
			}
			o.timeout = t
		case "exit":
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("bad exit status %q", v)
			}
			o.exit = n
		case "needs":
			if _, known := capabilities[v]; !known {
				return nil, fmt.Errorf("needs=%q: the runner knows net_raw and net_admin", v)
			}
			o.needs = v
		case "mask", "ready":
			// Multi-line mode: ^ and $ match at each line.
			re, err := regexp.Compile("(?m)" + v)
			if err != nil {
				return nil, fmt.Errorf("bad %s: %v", k, err)
			}
			if k == "mask" {
				o.masks = append(o.masks, re)
			} else {
				o.ready = re
			}
		default:
			return nil, fmt.Errorf("unknown option %q", k)
		}
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("nb:%s needs a program", d.Kind)
	}
	o.program = words[0]
	for _, w := range words[1:] {
		o.args = append(o.args, s.subst(w))
	}
	return o, nil
}

var varRE = regexp.MustCompile(`\{([a-z][a-z0-9_-]*(?:\.[a-z]+)?)\}`)

// subst replaces {tmp}, {NAME.addr}, {NAME.host} and {NAME.port}.
func (s *sectionRun) subst(w string) string {
	return varRE.ReplaceAllStringFunc(w, func(m string) string {
		if v, ok := s.vars[m[1:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

func (s *sectionRun) programDir(name string) (string, error) {
	dir := filepath.Join(s.e.ch.Dir, name)
	if _, err := programFile(dir); err != nil {
		return "", fmt.Errorf("unknown program %q: %v", name, err)
	}
	return dir, nil
}

func (s *sectionRun) run(di int, d *Directive) {
	e := s.e
	o, err := s.parseOpts(d, false)
	if err != nil {
		e.fail(s.doc, d.Line, "%v", err)
		return
	}
	p, ok := s.launch(d, o, false)
	if !ok {
		return
	}
	if err := p.wait(o.timeout); err == errTimeout {
		e.fail(s.doc, d.Line, "%s timed out after %v (raise it with "+
			"timeout= on the directive or -timeout)", o.program, o.timeout)
		return
	}
	out, ok := s.judge(d, o.program, p, o.exit)
	if e.mode == modePlay {
		s.showStatus(p)
		fmt.Fprintln(e.out)
	}
	if ok && o.needs != "" && !hasCapability(o.needs) {
		if e.mode != modePlay {
			fmt.Fprintf(e.out, "  %s:%d: %s not compared: it needs "+
				"CAP_%s (run as root to check it)\n",
				e.rel(s.doc.Path), d.Line, o.program, strings.ToUpper(o.needs))
		}
		return
	}
	if ok {
		s.generated[[2]int{di, 0}] = mask(out, o.masks)
	}
}

// launch starts the program of a run or start directive with the
// pending standard input, showing its command line when playing; a
// foreground program's output is shown live as well. It reports
// failures itself.
func (s *sectionRun) launch(d *Directive, o *runOpts, background bool) (*proc, bool) {
	e := s.e
	stdin := s.stdin
	s.stdin = nil
	dir, err := s.programDir(o.program)
	if err != nil {
		e.fail(s.doc, d.Line, "%v", err)
		return nil, false
	}
	var live io.Writer
	if e.mode == modePlay {
		line := "$ " + o.program + " " + strings.Join(o.args, " ")
		if background {
			line += " &"
		} else {
			live = &indentWriter{w: e.out, prefix: "  "}
		}
		fmt.Fprintln(e.out, e.style.bold(line))
		e.noteCompiled(dir)
	}
	p, err := start(e.l.command(dir, s.tmp, o.args), stdin, live)
	if err != nil {
		e.fail(s.doc, d.Line, "start %s: %v", o.program, err)
		return nil, false
	}
	return p, true
}

// judge turns a finished child into its recorded output and says
// whether it ended as the notes expect.
func (s *sectionRun) judge(d *Directive, prog string, p *proc, want int) (string, bool) {
	e := s.e
	out := normalize(trimTrace(p.output()))
	code, sig := p.status()
	switch {
	case code == exitCompile:
		e.fail(s.doc, d.Line, "%s does not compile: %s", prog,
			firstLine(out))
		return out, false
	case code == -1:
		out += "[signal: " + sig + "]\n"
	case code != 0:
		out += fmt.Sprintf("[exit status %d]\n", code)
	}
	if msg, ok := panicMessage(out); ok && code == 2 && want != 2 {
		e.fail(s.doc, d.Line, "%s panicked: %s", prog, msg)
		return out, false
	}
	if code != want && !(d.Kind == "stop" && code == -1) {
		e.fail(s.doc, d.Line, "%s: exit status %d, the notes expect %d "+
			"(exit=N on the directive)", prog, code, want)
		return out, false
	}
	return out, true
}

func (s *sectionRun) showStatus(p *proc) {
	code, sig := p.status()
	switch {
	case code == -1:
		fmt.Fprintln(s.e.out, s.e.style.dim("  [signal: "+sig+"]"))
	case code != 0:
		fmt.Fprintln(s.e.out, s.e.style.dim(fmt.Sprintf(
			"  [exit status %d]", code)))
	}
}

func (s *sectionRun) startBg(d *Directive) {
	e := s.e
	o, err := s.parseOpts(d, true)
	if err != nil {
		e.fail(s.doc, d.Line, "%v", err)
		return
	}
	if _, dup := s.bg[o.name]; dup {
		e.fail(s.doc, d.Line, "background program %q already started",
			o.name)
		return
	}
	p, ok := s.launch(d, o, true)
	if !ok {
		return
	}
	b := &bgProc{p: p, masks: o.masks, line: d.Line}
	s.bg[o.name] = b
	s.order = append(s.order, o.name)
	addr, err := p.awaitReady(o.ready, o.timeout)
	if err != nil {
		b.ended = true
		p.stop(time.Second)
		e.fail(s.doc, d.Line, "%s: %v; its output:\n%s", o.program, err,
			indent(p.output(), "  "))
		return
	}
	s.vars[o.name+".addr"] = addr
	host, port := splitAddr(addr)
	s.vars[o.name+".host"] = host
	s.vars[o.name+".port"] = port
	if e.mode == modePlay {
		fmt.Fprintln(e.out, e.style.dim("  ("+o.name+" is ready at "+
			addr+")"))
	}
}

// splitAddr splits "127.0.0.1:80" or "[::1]:80" or "::1:80".
func splitAddr(a string) (string, string) {
	k := strings.LastIndex(a, ":")
	if k < 0 {
		return a, ""
	}
	host := strings.TrimSuffix(strings.TrimPrefix(a[:k], "["), "]")
	return host, a[k+1:]
}

func (s *sectionRun) finishBg(di int, d *Directive) {
	e := s.e
	if len(d.Words) < 1 {
		e.fail(s.doc, d.Line, "nb:%s needs the name of a background "+
			"program", d.Kind)
		return
	}
	name := d.Words[0]
	timeout := e.timeout
	for _, w := range d.Words[1:] {
		v, ok := strings.CutPrefix(w, "timeout=")
		t, err := time.ParseDuration(v)
		if !ok || err != nil || t <= 0 {
			e.fail(s.doc, d.Line, "nb:%s: bad option %q", d.Kind, w)
			return
		}
		timeout = t
	}
	b, ok := s.bg[name]
	if !ok {
		e.fail(s.doc, d.Line, "nb:%s: no background program %q",
			d.Kind, name)
		return
	}
	if b.ended {
		return // already failed at start, or waited for
	}
	b.ended = true
	if d.Kind == "stop" {
		b.p.stop(2 * time.Second)
	} else if err := b.p.wait(timeout); err == errTimeout {
		e.fail(s.doc, d.Line, "%s did not exit within %v; killed",
			name, timeout)
		if e.mode == modePlay {
			e.showOutput(b.p.output())
		}
		return
	}
	if e.mode == modePlay {
		fmt.Fprintln(e.out, e.style.bold("── output of "+name+" ──"))
		e.showOutput(b.p.output())
		s.showStatus(b.p)
	}
	out, ok := s.judge(d, name, b.p, 0)
	if ok {
		s.generated[[2]int{di, 0}] = mask(out, b.masks)
	}
}

// normalize makes output end in exactly one newline (or be empty).
func normalize(s string) string {
	if s == "" {
		return ""
	}
	return strings.TrimRight(s, "\n") + "\n"
}

// mask replaces each capture group of each match (or the whole match
// when the expression has no group) by "*".
func mask(s string, res []*regexp.Regexp) string {
	for _, re := range res {
		var b strings.Builder
		last := 0
		for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
			spans := [][2]int{{m[0], m[1]}}
			if len(m) > 2 {
				spans = spans[:0]
				for g := 2; g+1 < len(m); g += 2 {
					if m[g] >= 0 {
						spans = append(spans, [2]int{m[g], m[g+1]})
					}
				}
			}
			for _, sp := range spans {
				if sp[0] < last {
					continue
				}
				b.WriteString(s[last:sp[0]])
				b.WriteString("*")
				last = sp[1]
			}
		}
		b.WriteString(s[last:])
		s = b.String()
	}
	return s
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if k := strings.IndexByte(s, '\n'); k >= 0 {
		return s[:k]
	}
	return s
}

func indent(s, prefix string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return prefix + "(no output)"
	}
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// indentWriter prefixes every line written through it.
type indentWriter struct {
	w      io.Writer
	prefix string
	mid    bool
}

func (iw *indentWriter) Write(p []byte) (int, error) {
	for _, line := range strings.SplitAfter(string(p), "\n") {
		if line == "" {
			continue
		}
		if !iw.mid {
			io.WriteString(iw.w, iw.prefix)
		}
		io.WriteString(iw.w, line)
		iw.mid = !strings.HasSuffix(line, "\n")
	}
	return len(p), nil
}

// panicMessage finds a panic in a program's output: yaegi's line with
// the position ("file:L:C: panic: func(...)") and the runtime's line
// with the value ("panic: value").
func panicMessage(out string) (string, bool) {
	var where, what string
	for _, l := range strings.Split(out, "\n") {
		if k := strings.Index(l, ": panic: "); k > 0 && where == "" &&
			!strings.HasPrefix(l, "panic: ") {
			where = l[:k]
		}
		if v, ok := strings.CutPrefix(l, "panic: "); ok && what == "" {
			what = strings.TrimSuffix(v, " [recovered, repanicked]")
			what = strings.TrimSuffix(what, " [recovered]")
		}
	}
	switch {
	case what == "":
		return "", false
	case where != "":
		return "panic: " + what + " (at " + where + ")", true
	}
	return "panic: " + what, true
}

// trimTrace cuts the goroutine dump that follows a panic: it shows the
// interpreter's insides, not the program's.
func trimTrace(out string) string {
	k := strings.Index(out, "\ngoroutine ")
	if k < 0 || !strings.Contains(out[:k], "panic: ") {
		return out
	}
	return out[:k+1] + "[goroutine dump trimmed]\n"
}

// noteCompiled tells the reader when a program is not interpreted.
func (e *engine) noteCompiled(dir string) {
	if r := compiledReason(dir); r != "" {
		fmt.Fprintln(e.out, e.style.dim("  (the interpreter cannot run "+
			filepath.Base(dir)+": "+r+"; it runs with go run instead)"))
	}
}

// capabilities maps the names needs= takes to their bit in the
// kernel's capability sets (linux/capability.h).
var capabilities = map[string]uint{
	"net_admin": 12, // namespaces, links, routes, TUN devices
	"net_raw":   13, // raw and packet sockets
}

// hasCapability reports whether this process has the named capability
// in its effective set (CapEff in /proc/self/status).
func hasCapability(name string) bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && caps&(1<<capabilities[name]) != 0
		}
	}
	return false
}
