package main

// Carrying out a section: every directive in order, the same way
// whether the section is played, checked or updated. What differs is
// the view, which shows (play) or stays quiet (check, update), and what
// happens to the fresh blocks afterwards.

import (
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/tcpnotebook/tcpnotebook/runner/notebook"
	"github.com/tcpnotebook/tcpnotebook/runner/sandbox"
)

// view is what a section run shows as it goes.
type view interface {
	block(b notebook.Block)             // prose, a heading, a code block
	code(title, text string)            // an included file, a cell, stdin
	command(line, dir string) io.Writer // a program starts; where its output goes live
	status(code int, sig string)        // how a foreground program ended
	output(title, text string)          // a background program's or a cell's output
	note(text string)                   // a remark (readiness, compiled, not compared)
	failure(msg string)                 // something went wrong, at file:line
}

// procWatcher is a view that can stop what a section started (the
// interactive view's Ctrl-C): it is told of every child as it starts.
type procWatcher interface {
	started(p *sandbox.Proc, c *sandbox.Cells)
}

// quiet is the view of -check and -update: nothing is shown while the
// section runs; failures are reported at the end.
type quiet struct{}

func (quiet) block(notebook.Block)             {}
func (quiet) code(string, string)              {}
func (quiet) command(string, string) io.Writer { return nil }
func (quiet) status(int, string)               {}
func (quiet) output(string, string)            {}
func (quiet) note(string)                      {}
func (quiet) failure(string)                   {}

// bgProc is a program started in the background by nb:start.
type bgProc struct {
	p     *sandbox.Proc
	masks []*regexp.Regexp
	ended bool
}

// sectionRun is one section being carried out.
type sectionRun struct {
	r       *runner
	ch      *notebook.Chapter
	doc     *notebook.Doc
	v       view
	tmp     string
	bg      map[string]*bgProc
	vars    map[string]string
	stdin   *string
	cells   *sandbox.Cells
	gen     notebook.Generated
	fails   []string
	skipped []string // outputs not compared for want of a capability
}

// runSection carries out the directives of doc and returns the fresh
// generated blocks and the failures, each at file:line.
func (r *runner) runSection(ch *notebook.Chapter, doc *notebook.Doc, v view) *sectionRun {
	s := &sectionRun{r: r, ch: ch, doc: doc, v: v, bg: map[string]*bgProc{},
		vars: map[string]string{}, gen: notebook.Generated{}}
	tmp, err := r.l.TempDir()
	if err != nil {
		s.fail(1, "temporary directory: %v", err)
		return s
	}
	s.tmp = tmp
	s.vars["tmp"] = tmp
	defer s.cleanup()
	for _, b := range doc.Blocks {
		if r.out.err != nil {
			return s // nobody reads any more
		}
		if b.Kind == notebook.DirectiveBlock {
			s.directive(b.Directive)
			continue
		}
		v.block(b)
	}
	return s
}

func (s *sectionRun) fail(line int, format string, args ...any) {
	msg := fmt.Sprintf("%s:%d: %s", s.r.rel(s.doc.Path), line, fmt.Sprintf(format, args...))
	s.fails = append(s.fails, msg)
	s.v.failure(msg)
}

// cleanup stops what is still running (the parser makes sure every
// background program is waited for or stopped: only a failure leaves
// one running).
func (s *sectionRun) cleanup() {
	for _, b := range s.bg {
		if !b.ended {
			b.p.Stop(2 * time.Second)
		}
	}
	if s.cells != nil {
		s.cells.Close()
	}
}

func (s *sectionRun) directive(d *notebook.Directive) {
	switch d.Kind {
	case "include":
		s.include(d)
	case "cell":
		s.cell(d)
	case "stdin":
		text := s.subst(d.Fence(0).Content)
		s.stdin = &text
		s.v.code("standard input", d.Fence(0).Content)
	case "run":
		s.run(d)
	case "start":
		s.start(d)
	case "wait", "stop":
		s.finish(d)
	}
}

func (s *sectionRun) include(d *notebook.Directive) {
	text, err := notebook.ReadInclude(filepath.Join(s.ch.Dir, d.File), d.Opts.Region)
	if err != nil {
		s.fail(d.Line, "nb:include: %v", err)
		return
	}
	s.gen.Set(d, 0, text)
	s.v.code(d.File, text)
}

func (s *sectionRun) cell(d *notebook.Directive) {
	src := d.Fence(0)
	s.v.code("", src.Content)
	if s.cells == nil {
		c, err := s.r.l.StartCells(s.tmp)
		if err != nil {
			s.fail(d.Line, "start interpreter: %v", err)
			return
		}
		s.cells = c
		if w, ok := s.v.(procWatcher); ok {
			w.started(nil, c)
		}
	}
	out, res, err := s.cells.Run(sandbox.Cell{File: s.r.rel(s.doc.Path),
		Line: src.Line + 1, Src: src.Content}, s.r.opts.timeout)
	s.v.output("", out)
	switch {
	case err == sandbox.ErrTimeout:
		s.fail(d.Line, "cell timed out after %v", s.r.opts.timeout)
	case err != nil:
		s.fail(d.Line, "cell: %v", err)
	case res.Compile:
		s.fail(d.Line, "cell does not compile: %s", res.Err)
	case res.Err != "":
		s.fail(d.Line, "cell panicked: %s", res.Err)
	default:
		s.gen.Set(d, 1, normalize(out))
	}
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

func (s *sectionRun) timeout(d *notebook.Directive) time.Duration {
	if d.Opts.Timeout > 0 {
		return d.Opts.Timeout
	}
	return s.r.opts.timeout
}

func (s *sectionRun) run(d *notebook.Directive) {
	p, ok := s.launch(d, false)
	if !ok {
		return
	}
	if err := p.Wait(s.timeout(d)); err == sandbox.ErrTimeout {
		s.fail(d.Line, "%s timed out after %v (raise it with "+
			"timeout= on the directive or -timeout)", d.Program, s.timeout(d))
		return
	}
	out, ok := s.judge(d, d.Program, p, d.Opts.Exit)
	code, sig := p.Status()
	s.v.status(code, sig)
	if ok && d.Opts.Needs != "" && !hasCapability(d.Opts.Needs) {
		msg := fmt.Sprintf("%s:%d: %s not compared: it needs CAP_%s "+
			"(run as root to check it)", s.r.rel(s.doc.Path), d.Line,
			d.Program, strings.ToUpper(d.Opts.Needs))
		s.skipped = append(s.skipped, msg)
		return
	}
	if ok {
		s.gen.Set(d, 0, mask(out, d.Opts.Masks))
	}
}

// launch starts the program of a run or start directive with the
// pending standard input. It reports failures itself.
func (s *sectionRun) launch(d *notebook.Directive, background bool) (*sandbox.Proc, bool) {
	stdin := s.stdin
	s.stdin = nil
	dir := filepath.Join(s.ch.Dir, d.Program)
	var args []string
	for _, a := range d.Args {
		args = append(args, s.subst(a))
	}
	line := "$ " + strings.TrimSpace(d.Program+" "+strings.Join(args, " "))
	if background {
		line += " &"
	}
	// A background program's writer is nil in the stream (its output is
	// shown when it ends); the interactive view shows it live.
	echo := s.v.command(line, dir)
	p, err := sandbox.Start(s.r.l.Command(dir, s.tmp, args), stdin, echo)
	if err != nil {
		s.fail(d.Line, "start %s: %v", d.Program, err)
		return nil, false
	}
	if w, ok := s.v.(procWatcher); ok {
		w.started(p, nil)
	}
	return p, true
}

// judge turns a finished child into its recorded output and says
// whether it ended as the notes expect.
func (s *sectionRun) judge(d *notebook.Directive, prog string, p *sandbox.Proc, want int) (string, bool) {
	out := normalize(trimTrace(p.Output()))
	code, sig := p.Status()
	switch {
	case code == sandbox.ExitCompile:
		s.fail(d.Line, "%s does not compile: %s", prog, firstLine(out))
		return out, false
	case code == -1:
		out += "[signal: " + sig + "]\n"
	case code != 0:
		out += fmt.Sprintf("[exit status %d]\n", code)
	}
	if msg, ok := panicMessage(out); ok && code == 2 && want != 2 {
		s.fail(d.Line, "%s panicked: %s", prog, msg)
		return out, false
	}
	if code != want && !(d.Kind == "stop" && code == -1) {
		s.fail(d.Line, "%s: exit status %d, the notes expect %d "+
			"(exit=N on the directive)", prog, code, want)
		return out, false
	}
	return out, true
}

func (s *sectionRun) start(d *notebook.Directive) {
	p, ok := s.launch(d, true)
	if !ok {
		return
	}
	b := &bgProc{p: p, masks: d.Opts.Masks}
	s.bg[d.Name] = b
	ready := d.Opts.Ready
	if ready == nil {
		ready = notebook.DefaultReady
	}
	addr, err := p.AwaitReady(ready, s.timeout(d))
	if err != nil {
		b.ended = true
		p.Stop(time.Second)
		s.fail(d.Line, "%s: %v; its output:\n%s", d.Program, err,
			indent(p.Output(), "  "))
		return
	}
	s.vars[d.Name+".addr"] = addr
	host, port := splitAddr(addr)
	s.vars[d.Name+".host"] = host
	s.vars[d.Name+".port"] = port
	s.v.note("(" + d.Name + " is ready at " + addr + ")")
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

func (s *sectionRun) finish(d *notebook.Directive) {
	b := s.bg[d.Name]
	if b == nil || b.ended {
		return // it failed at start, and that was reported
	}
	b.ended = true
	if d.Kind == "stop" {
		b.p.Stop(2 * time.Second)
	} else if err := b.p.Wait(s.timeout(d)); err == sandbox.ErrTimeout {
		s.fail(d.Line, "%s did not exit within %v; killed", d.Name, s.timeout(d))
		s.v.output("output of "+d.Name, b.p.Output())
		return
	}
	s.v.output("output of "+d.Name, b.p.Output())
	code, sig := b.p.Status()
	s.v.status(code, sig)
	if out, ok := s.judge(d, d.Name, b.p, 0); ok {
		s.gen.Set(d, 0, mask(out, b.masks))
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
