package main

// Chapter-wide work: playing, checking and updating sections, the
// Chinese/English parity check and the chapter index.

import (
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

func runChapter(l *launcher, ch *Chapter, part string, o *options, stdout *os.File) error {
	secs, err := selectSections(ch, part)
	if err != nil {
		return err
	}
	e := &engine{l: l, ch: ch, lang: o.lang, out: stdout,
		timeout: o.timeout, style: newStyle(stdout)}
	switch {
	case o.check:
		e.mode = modeCheck
	case o.update:
		e.mode = modeUpdate
	}
	for _, p := range ch.Problems {
		if e.mode == modePlay {
			fmt.Fprintln(stdout, e.style.red("warning: "+e.rel(p)))
		} else {
			e.fails = append(e.fails, e.rel(p))
		}
	}
	if part == "" && e.mode != modePlay {
		e.index(secs)
	}
	for _, sec := range secs {
		if err := e.section(sec); err != nil {
			return err
		}
	}
	if len(e.fails) > 0 {
		fmt.Fprintf(stdout, "\n%s\n", e.style.red(fmt.Sprintf(
			"%d problem(s) in %s:", len(e.fails), ch.Name)))
		for _, f := range e.fails {
			fmt.Fprintln(stdout, "  "+firstLine(f))
		}
		return errFailed
	}
	if e.mode == modeCheck {
		fmt.Fprintf(stdout, "ok: %s, %d section(s), %d generated block(s) "+
			"match\n", ch.Name, len(secs), e.checked)
	}
	return nil
}

func (e *engine) section(sec Section) error {
	en, err := parseDoc(sec.En)
	if err != nil {
		return err
	}
	zh, err := parseDoc(sec.Zh)
	if err != nil {
		return err
	}
	began := time.Now()
	nfail := len(e.fails)
	if e.mode != modePlay {
		fmt.Fprintf(e.out, "%s %s/%s ... ", map[mode]string{
			modeCheck: "checking", modeUpdate: "updating"}[e.mode],
			e.ch.Name, sec.Name)
		if ps := parity(en, zh); len(ps) > 0 {
			// Outputs can't be shared between files that differ in
			// shape: the section is not run until they agree.
			e.fails = append(e.fails, ps...)
			fmt.Fprintln(e.out, e.style.red("zh/en differ"))
			for _, p := range ps {
				fmt.Fprintln(e.out, "  "+p)
			}
			return nil
		}
		// Results are printed after the progress line.
		saved := e.out
		var buf strings.Builder
		e.out = &buf
		gen := e.runSection(en)
		switch e.mode {
		case modeCheck:
			e.compare(en, gen)
			e.compare(zh, gen)
		case modeUpdate:
			for _, d := range []*Doc{en, zh} {
				if err := e.write(d, gen); err != nil {
					e.out = saved
					return err
				}
			}
		}
		e.out = saved
		status := e.style.cyan("ok")
		if len(e.fails) > nfail {
			status = e.style.red("FAILED")
		}
		fmt.Fprintf(e.out, "%s (%.1fs)\n", status, time.Since(began).Seconds())
		io.WriteString(e.out, buf.String())
		return nil
	}
	doc := en
	if e.lang == "zh" {
		doc = zh
	}
	e.runSection(doc)
	return nil
}

// ownedFences lists, for each directive index, the fences it owns.
func ownedFences(d *Doc) []*Directive {
	var out []*Directive
	for _, b := range d.Blocks {
		if b.Kind == "directive" {
			out = append(out, b.Directive)
		}
	}
	return out
}

// compare checks the generated blocks of doc against fresh results.
func (e *engine) compare(doc *Doc, gen map[[2]int]string) {
	for di, d := range ownedFences(doc) {
		for part := 0; part < 2; part++ {
			fresh, ok := gen[[2]int{di, part}]
			if !ok {
				continue // it failed, and that was reported
			}
			f := d.Fence
			if part == 1 {
				f = d.Output
			}
			e.checked++
			if f == nil {
				e.fail(doc, d.Line, "nb:%s has no generated block after "+
					"it (run -update)", d.Kind)
				continue
			}
			if f.Content != fresh {
				var what string
				if d.Kind == "include" {
					what = "code block differs from " + d.Words[0]
				} else {
					what = "recorded output differs from a fresh run"
				}
				e.fail(doc, f.Line, "nb:%s %s: %s (run -update)\n%s",
					d.Kind, strings.Join(d.Words, " "), what,
					diff(f.Content, fresh))
			}
		}
	}
}

// write replaces the generated blocks of doc and saves the file if it
// changed. A directive without its block gets one inserted.
func (e *engine) write(doc *Doc, gen map[[2]int]string) error {
	type edit struct {
		start, end int
		text       string
	}
	var edits []edit
	for di, d := range ownedFences(doc) {
		for part := 0; part < 2; part++ {
			fresh, ok := gen[[2]int{di, part}]
			if !ok {
				continue
			}
			e.checked++
			f := d.Fence
			after := d.End
			if part == 1 {
				f = d.Output
				if d.Fence != nil {
					after = closingEnd(doc.Src, d.Fence.End)
				}
			}
			if f != nil {
				edits = append(edits, edit{f.Start, f.End, fresh})
				continue
			}
			info := "text"
			if d.Kind == "include" && strings.HasSuffix(d.Words[0], ".go") {
				info = "go"
			}
			edits = append(edits, edit{after, after,
				"\n\n```" + info + "\n" + fresh + "```"})
		}
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start > edits[j].start })
	src := string(doc.Src)
	for _, ed := range edits {
		src = src[:ed.start] + ed.text + src[ed.end:]
	}
	if src == string(doc.Src) {
		return nil
	}
	return os.WriteFile(doc.Path, []byte(src), 0o644)
}

// closingEnd returns the offset just after the closing fence line of a
// block whose content ends at contentEnd.
func closingEnd(src []byte, contentEnd int) int {
	k := strings.IndexByte(string(src[contentEnd:]), '\n')
	if k < 0 {
		return len(src)
	}
	return contentEnd + k
}

// parity lists the differences in structure between the English and
// Chinese files of a section: headings (levels), directives, and fenced
// blocks (owned blocks and Go code must be equal; other blocks, such as
// C fragments with translated comments or diagrams, the same kind).
func parity(en, zh *Doc) []string {
	a, b := shape(en), shape(zh)
	var out []string
	for k := 0; k < len(a) || k < len(b); k++ {
		switch {
		case k >= len(a):
			out = append(out, fmt.Sprintf("%s:%d: %s has no counterpart "+
				"in %s", zh.Path, b[k].line, b[k].what, filepath.Base(en.Path)))
		case k >= len(b):
			out = append(out, fmt.Sprintf("%s:%d: %s has no counterpart "+
				"in %s", en.Path, a[k].line, a[k].what, filepath.Base(zh.Path)))
		case a[k].key != b[k].key:
			out = append(out, fmt.Sprintf("%s:%d: %s, but %s:%d: %s",
				en.Path, a[k].line, a[k].what, filepath.Base(zh.Path),
				b[k].line, b[k].what))
		}
		if len(out) > 0 {
			break // later items are out of step anyway
		}
	}
	return out
}

type shapeItem struct {
	key, what string
	line      int
}

func shape(d *Doc) []shapeItem {
	var out []shapeItem
	owned := map[*Fence]bool{}
	for _, b := range d.Blocks {
		if b.Directive != nil {
			owned[b.Directive.Fence] = true
			owned[b.Directive.Output] = true
		}
	}
	for _, b := range d.Blocks {
		switch b.Kind {
		case "heading":
			out = append(out, shapeItem{fmt.Sprintf("h%d", b.Level),
				fmt.Sprintf("a level-%d heading", b.Level), b.Line})
		case "directive":
			d := b.Directive
			key := "nb:" + d.Kind + " " + strings.Join(d.Words, " ")
			out = append(out, shapeItem{key, key, b.Line})
			for _, f := range []*Fence{d.Fence, d.Output} {
				if f != nil && (d.Kind == "cell" || d.Kind == "stdin") {
					out = append(out, shapeItem{"fence " + f.Info + "\n" +
						f.Content, "a hand-written " + f.Info + " block",
						f.Line})
				}
			}
		case "fence":
			f := b.Fence
			key := "fence " + f.Info
			if f.Info == "go" {
				key += "\n" + f.Content
			}
			out = append(out, shapeItem{key, "a " + f.Info + " block", f.Line})
		}
	}
	return out
}

// index checks or rewrites the table of contents of the chapter's
// README.md and README.zh.md.
func (e *engine) index(secs []Section) {
	for _, lang := range []string{"en", "zh"} {
		name := "README.md"
		if lang == "zh" {
			name = "README.zh.md"
		}
		path := filepath.Join(e.ch.Dir, name)
		doc, err := parseDoc(path)
		if err != nil {
			e.fails = append(e.fails, fmt.Sprintf("%s: %v (the chapter "+
				"index)", e.rel(path), err))
			continue
		}
		var toc, end *Directive
		for _, b := range doc.Blocks {
			if d := b.Directive; d != nil && d.Kind == "toc" {
				toc = d
			} else if d != nil && d.Kind == "end" && toc != nil && end == nil {
				end = d
			}
		}
		if toc == nil || end == nil {
			e.fail(doc, 1, "the index needs <!-- nb:toc --> and "+
				"<!-- nb:end --> around its table of contents")
			continue
		}
		var b strings.Builder
		b.WriteString("\n\n")
		for k, s := range secs {
			file := s.En
			if lang == "zh" {
				file = s.Zh
			}
			title := s.Name
			var progs []string
			if d, err := parseDoc(file); err == nil {
				if d.Title != "" {
					title = d.Title
				}
				for _, p := range programsOf(e.ch, d) {
					progs = append(progs, "[`"+p+"`]("+p+"/"+p+".go)")
				}
			}
			fmt.Fprintf(&b, "%d. [%s](%s)", k+1, title, filepath.Base(file))
			if len(progs) > 0 {
				b.WriteString(": " + strings.Join(progs, ", "))
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
		fresh := b.String()
		old := string(doc.Src[toc.End:end.Start])
		if old == fresh {
			continue
		}
		if e.mode == modeCheck {
			e.fail(doc, toc.Line, "table of contents is out of date "+
				"(run -update)\n%s", diff(old, fresh))
			continue
		}
		src := string(doc.Src[:toc.End]) + fresh + string(doc.Src[end.Start:])
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			e.fails = append(e.fails, err.Error())
		}
	}
}

// diff shows the lines that differ between recorded (-) and fresh (+),
// with a line of context; long outputs show the first differences only.
func diff(a, b string) string {
	x := strings.Split(strings.TrimSuffix(a, "\n"), "\n")
	y := strings.Split(strings.TrimSuffix(b, "\n"), "\n")
	if len(x) > 3000 || len(y) > 3000 {
		for k := 0; k < len(x) && k < len(y); k++ {
			if x[k] != y[k] {
				return fmt.Sprintf("    line %d:\n    - %s\n    + %s", k+1, x[k], y[k])
			}
		}
		return fmt.Sprintf("    %d lines recorded, %d lines now", len(x), len(y))
	}
	// Longest common subsequence, then walk it.
	n, m := len(x), len(y)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else if lcs[i+1][j] >= lcs[i][j+1] {
				lcs[i][j] = lcs[i+1][j]
			} else {
				lcs[i][j] = lcs[i][j+1]
			}
		}
	}
	var out []string
	shown := 0
	i, j := 0, 0
	for (i < n || j < m) && shown < 40 {
		switch {
		case i < n && j < m && x[i] == y[j]:
			i++
			j++
			continue
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			out = append(out, "    + "+y[j])
			j++
		default:
			out = append(out, "    - "+x[i])
			i++
		}
		shown++
	}
	if a == "" {
		out = append([]string{"    (the recorded block is empty)"}, out...)
	}
	return strings.Join(out, "\n")
}

// isProgram reports whether dir holds a program (package main), not a
// package that programs import.
func isProgram(dir string) bool {
	f, err := programFile(dir)
	if err != nil {
		return false
	}
	file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly)
	return err == nil && file.Name.Name == "main"
}
