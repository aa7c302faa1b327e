package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tcpnotebook/tcpnotebook/runner/notebook"
	"github.com/tcpnotebook/tcpnotebook/runner/sandbox"
)

// runner is one run over the chapters found.
type runner struct {
	*cli
	opts     *options
	l        *sandbox.Launcher
	root     string
	chapters []*notebook.Chapter
	out      *guardedWriter
	style    style
	width    int // columns of prose
}

func (r *runner) rel(path string) string {
	if rel, err := filepath.Rel(r.root, path); err == nil {
		return rel
	}
	return path
}

func (r *runner) chapterNames() []string {
	var names []string
	for _, c := range r.chapters {
		names = append(names, c.Name)
	}
	return names
}

// chapter finds a chapter by name, or says which there are.
func (r *runner) chapter(name string) (*notebook.Chapter, error) {
	for _, c := range r.chapters {
		if c.Name == name {
			return c, nil
		}
	}
	msg := fmt.Sprintf("unknown chapter %q", name)
	if s := suggest(name, r.chapterNames()); s != "" {
		msg += fmt.Sprintf("; did you mean %s?", s)
	} else {
		msg += "; chapters: " + strings.Join(r.chapterNames(), ", ")
	}
	return nil, usageError{msg}
}

// loadSections parses the sections of ch; a section that does not load
// is reported (its problems) and left out.
func loadSections(ch *notebook.Chapter) (ok []*notebook.Section, problems []string) {
	for _, s := range ch.Sections {
		if ps := s.Load(); len(ps) > 0 {
			problems = append(problems, ps...)
			continue
		}
		ok = append(ok, s)
	}
	return ok, problems
}

// selectSections returns the sections a part names: a section by name
// or number, a program that a section uses, or a unique prefix of one
// of those.
func (r *runner) selectSections(ch *notebook.Chapter, part string) ([]*notebook.Section, error) {
	if part == "" {
		return ch.Sections, nil
	}
	var names []string
	for _, s := range ch.Sections {
		n, _ := strconv.Atoi(s.Num)
		if s.Name == part || s.Num == part || strconv.Itoa(n) == part {
			return []*notebook.Section{s}, nil
		}
		names = append(names, s.Name)
	}
	// A program: the first section that runs or includes it.
	progs := map[string]*notebook.Section{}
	var progNames []string
	for _, s := range ch.Sections {
		if s.EnDoc == nil {
			s.Load()
		}
		if s.EnDoc == nil {
			continue
		}
		for _, p := range ch.Programs(s.EnDoc) {
			if progs[p] == nil {
				progs[p] = s
				progNames = append(progNames, p)
			}
		}
	}
	if s := progs[part]; s != nil {
		return []*notebook.Section{s}, nil
	}
	// A prefix of exactly one name, in any case.
	all := append(append([]string{}, names...), progNames...)
	var hits []string
	for _, n := range all {
		if strings.HasPrefix(n, strings.ToLower(part)) {
			hits = append(hits, n)
		}
	}
	if len(hits) == 1 {
		return r.selectSections(ch, hits[0])
	}
	msg := fmt.Sprintf("%s has no section or program %q", ch.Name, part)
	switch {
	case len(hits) > 1:
		msg += fmt.Sprintf("; it starts %s", strings.Join(hits, ", "))
	case suggest(part, all) != "":
		msg += fmt.Sprintf("; did you mean %s?", suggest(part, all))
	}
	return nil, usageError{msg + " (runner -list shows them all)"}
}

// suggest returns the name closest to what was typed, if it is close:
// case and punctuation ignored, then edit distance.
func suggest(typed string, names []string) string {
	norm := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == '-' || r == '_' || r == ' ' {
				return -1
			}
			return r
		}, strings.ToLower(s))
	}
	best, bestD := "", 1<<30
	for _, n := range names {
		d := editDistance(norm(typed), norm(n))
		if d < bestD {
			best, bestD = n, d
		}
	}
	if bestD <= 2 || (bestD <= len(typed)/3 && bestD < 5) {
		return best
	}
	return ""
}

// editDistance is Levenshtein's distance between a and b, in runes.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	prev := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur := make([]int, len(y)+1)
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(y)]
}

// list prints every chapter, its sections with their numbers and the
// programs each runs. A section that does not load is listed with its
// problem.
func (r *runner) list() error {
	w := r.out
	for _, ch := range r.chapters {
		title := ""
		if d, err := notebook.ParseFile(ch.IndexFile(r.opts.lang)); err == nil {
			title = d.Title
		}
		fmt.Fprintf(w, "%s  %s\n", ch.Name, title)
		for _, p := range ch.Problems {
			fmt.Fprintf(w, "  ! %s\n", r.rel(p))
		}
		for _, s := range ch.Sections {
			if ps := s.Load(); len(ps) > 0 {
				fmt.Fprintf(w, "  %s %-22s (does not load: %s)\n", s.Num, s.Name, r.rel(ps[0]))
				continue
			}
			fmt.Fprintf(w, "  %s %-22s %s\n", s.Num, s.Name, s.Doc(r.opts.lang).Title)
			if progs := ch.Programs(s.EnDoc); len(progs) > 0 {
				fmt.Fprintf(w, "     %-22s programs: %s\n", "", strings.Join(progs, " "))
			}
		}
	}
	return w.err
}

// play shows a chapter, or part of it, as it runs.
func (r *runner) play(ch *notebook.Chapter, part string) error {
	secs, err := r.selectSections(ch, part)
	if err != nil {
		return err
	}
	began := time.Now()
	v := &playView{r: r}
	var fails []string
	ran := 0
	if part == "" { // a problem of another section is not this part's
		for _, p := range ch.Problems {
			fails = append(fails, r.rel(p))
			v.failure(r.rel(p))
		}
	}
	for k, sec := range secs {
		if ps := sec.Load(); len(ps) > 0 {
			for _, p := range ps {
				fails = append(fails, r.rel(p))
				v.failure(r.rel(p) + " (the section is left out)")
			}
			continue
		}
		s := r.runSection(ch, sec.Doc(r.opts.lang), v)
		fails = append(fails, s.fails...)
		ran++
		if r.out.err != nil {
			return errBrokenPipe
		}
		if len(secs) == 1 || k == len(secs)-1 {
			v.next(ch, sec)
		}
	}
	v.summary(ran, v.programs, fails, time.Since(began))
	if r.out.err != nil {
		return errBrokenPipe
	}
	if len(fails) > 0 {
		return errFailed
	}
	return nil
}

// verifyAll checks or updates every chapter, and reports every bad one.
func (r *runner) verifyAll() error {
	failed := false
	for _, ch := range r.chapters {
		if err := r.verify(ch, ""); err != nil {
			if !errors.Is(err, errFailed) {
				return err
			}
			failed = true
		}
	}
	if failed {
		return errFailed
	}
	return nil
}

// verify checks (-check) or rewrites (-update) the generated blocks of
// a chapter or part of it, and its index when the whole chapter is
// done. Each section is reported on a line of its own; a section that
// fails does not stop the others.
func (r *runner) verify(ch *notebook.Chapter, part string) error {
	secs, err := r.selectSections(ch, part)
	if err != nil {
		return err
	}
	w := r.out
	var fails []string
	if part == "" { // a problem of another section is not this part's
		for _, p := range ch.Problems {
			fails = append(fails, r.rel(p))
		}
	}
	// Every section's title, for the navigation of those checked.
	for _, s := range ch.Sections {
		if s.EnDoc == nil {
			s.Load()
		}
	}
	checked := 0
	for _, sec := range secs {
		began := time.Now()
		verb := "checking"
		if r.opts.update {
			verb = "updating"
		}
		fmt.Fprintf(w, "%s %s/%s ... ", verb, ch.Name, sec.Name)
		var report []string
		if ps := sec.Load(); len(ps) > 0 {
			for _, p := range ps {
				report = append(report, r.rel(p))
			}
		} else {
			s := r.runSection(ch, sec.EnDoc, quiet{})
			report = append(report, s.fails...)
			for _, doc := range []*notebook.Doc{sec.EnDoc, sec.ZhDoc} {
				lang := "en"
				if doc == sec.ZhDoc {
					lang = "zh"
				}
				nav := ch.Nav(sec, lang)
				if r.opts.update {
					n, err := r.rewrite(doc, s.gen, nav)
					checked += n
					if err != nil {
						report = append(report, err.Error())
					}
					continue
				}
				ms, n := notebook.Compare(doc, s.gen)
				checked += n
				for _, m := range ms {
					report = append(report, r.rel(m.String())+"\n"+diff(m.Recorded, m.Fresh))
				}
				if start, end, ok := doc.Region("nav"); !ok {
					report = append(report, fmt.Sprintf("%s: no <!-- nb:nav --> at "+
						"its end (run -update)", r.rel(doc.Path)))
				} else if old := string(doc.Src[start:end]); old != nav {
					report = append(report, fmt.Sprintf("%s: the navigation is out "+
						"of date (run -update)\n%s", r.rel(doc.Path), diff(old, nav)))
				}
			}
			for _, sk := range s.skipped {
				fmt.Fprintln(w) // keep the progress line whole
				fmt.Fprint(w, "  "+sk)
			}
		}
		if len(report) == 0 {
			fmt.Fprintf(w, "%s (%.1fs)\n", r.style.cyan("ok"), time.Since(began).Seconds())
		} else {
			fmt.Fprintf(w, "%s (%.1fs)\n", r.style.red("FAILED"), time.Since(began).Seconds())
			for _, p := range report {
				fmt.Fprintln(w, r.style.red("✗ ")+p)
			}
		}
		fails = append(fails, report...)
		if w.err != nil {
			return errBrokenPipe
		}
	}
	if part == "" {
		fails = append(fails, r.index(ch)...)
	}
	if len(fails) > 0 {
		fmt.Fprintf(w, "\n%s\n", r.style.red(fmt.Sprintf("%d problem(s) in %s:", len(fails), ch.Name)))
		for _, f := range fails {
			fmt.Fprintln(w, "  "+firstLine(f))
		}
		return errFailed
	}
	if r.opts.check {
		fmt.Fprintf(w, "ok: %s, %d section(s), %d generated block(s) match\n",
			ch.Name, len(secs), checked)
	}
	return nil
}

// rewrite writes doc with its generated blocks and its navigation
// replaced (the navigation added at the end where it is missing), if
// that changes it. It returns how many blocks it wrote.
func (r *runner) rewrite(doc *notebook.Doc, gen notebook.Generated, nav string) (int, error) {
	_, n := notebook.Compare(doc, gen)
	src := notebook.Rewrite(doc, gen)
	// Rewrite kept every byte before the nav region's end, or moved it
	// by the same amount: the region is found again in the new text.
	if fresh, err := notebook.Parse(doc.Path, src); err == nil {
		if start, end, ok := fresh.Region("nav"); ok {
			src = append(append(append([]byte{}, src[:start]...), nav...), src[end:]...)
		} else {
			src = append(append([]byte(strings.TrimRight(string(src), "\n")),
				"\n\n<!-- nb:nav -->"...), append([]byte(nav), "<!-- nb:end -->\n"...)...)
		}
	}
	if string(src) == string(doc.Src) {
		return n, nil
	}
	// What -update writes must parse to the same structure, or it would
	// have changed something it does not own.
	if _, err := notebook.Parse(doc.Path, src); err != nil {
		return n, fmt.Errorf("%s: not written: the rewritten file would not parse: %v",
			r.rel(doc.Path), err)
	}
	return n, writeNotes(doc.Path, src)
}

// writeNotes writes a notes file atomically, unless a signal is ending
// the runner: a section cut short must not be half recorded.
func writeNotes(path string, src []byte) error {
	writeMu.Lock()
	defer writeMu.Unlock()
	if stopping.Load() {
		return errors.New("stopped")
	}
	return notebook.WriteFile(path, src)
}

// index checks or rewrites the table of contents of both chapter
// indexes. Sections that do not load keep their name in it.
func (r *runner) index(ch *notebook.Chapter) []string {
	var fails []string
	for _, lang := range []string{"en", "zh"} {
		path := ch.IndexFile(lang)
		doc, err := notebook.ParseFile(path)
		if err != nil {
			fails = append(fails, fmt.Sprintf("%s: %v (the chapter index)", r.rel(path), err))
			continue
		}
		start, end, err := notebook.IndexTOC(doc)
		if err != nil {
			fails = append(fails, r.rel(err.Error()))
			continue
		}
		fresh := ch.TOC(lang)
		old := string(doc.Src[start:end])
		if old == fresh {
			continue
		}
		if r.opts.check {
			fails = append(fails, fmt.Sprintf("%s: table of contents is out of "+
				"date (run -update)\n%s", r.rel(path), diff(old, fresh)))
			continue
		}
		src := string(doc.Src[:start]) + fresh + string(doc.Src[end:])
		if err := writeNotes(path, []byte(src)); err != nil {
			fails = append(fails, err.Error())
		}
	}
	return fails
}

// runProgram interprets one program with the user's arguments and the
// runner's own standard input and output.
func (r *runner) runProgram(ch *notebook.Chapter, name string, args []string) error {
	dir := filepath.Join(ch.Dir, name)
	if !notebook.IsProgram(dir) {
		progs := ch.AllPrograms()
		msg := fmt.Sprintf("%s has no program %q", ch.Name, name)
		if s := suggest(name, progs); s != "" {
			msg += fmt.Sprintf("; did you mean %s?", s)
		}
		return usageError{msg + " (runner -list shows them all)"}
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	cmd := r.l.Command(dir, wd, args)
	cmd.SysProcAttr = nil // stay in the terminal's process group (Ctrl-C)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = r.stdin, r.stdout, r.stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	programPid.Store(int64(cmd.Process.Pid))
	defer programPid.Store(0)
	if err := cmd.Wait(); err != nil {
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return exitStatus(128 + int(ws.Signal()))
		}
		if cmd.ProcessState != nil {
			if code := cmd.ProcessState.ExitCode(); code > 0 {
				if code == sandbox.ExitCompile {
					return fmt.Errorf("%s does not compile", name)
				}
				return exitStatus(code)
			}
		}
		return err
	}
	return nil
}

// programPid is the program run on its own with "--": a signal sent to
// the runner alone (kill PID) is passed on to it, which decides what to
// do with it, as it would compiled.
var programPid atomic.Int64

func passOn(sig os.Signal) {
	if pid := int(programPid.Load()); pid != 0 {
		syscall.Kill(pid, sig.(syscall.Signal))
	}
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
			return err == nil && caps&(1<<notebook.Capabilities[name]) != 0
		}
	}
	return false
}
