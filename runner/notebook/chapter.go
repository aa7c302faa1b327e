package notebook

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Chapter is a directory under chapters/: an index (README.md and
// README.zh.md), sections, and one directory per program.
type Chapter struct {
	Name     string
	Dir      string
	Sections []*Section
	// Problems are what keeps part of the chapter from playing (a
	// section without its twin, a file that does not parse); the rest
	// plays, and -check reports them.
	Problems []string
}

// Section is one section of a chapter in both languages. Load parses
// it.
type Section struct {
	Chapter *Chapter
	Num     string // "02"
	Name    string // "byte-order"
	En, Zh  string // the files
	// Set by Load.
	EnDoc, ZhDoc *Doc
}

var sectionFile = regexp.MustCompile(`^(\d\d)-([a-z0-9-]+)\.md$`)

// LoadChapters finds every chapter under root/chapters, in name order.
// A directory is a chapter when it has sections or an index.
func LoadChapters(root string) ([]*Chapter, error) {
	ents, err := os.ReadDir(filepath.Join(root, "chapters"))
	if err != nil {
		return nil, err
	}
	var chs []*Chapter
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		ch, err := LoadChapter(filepath.Join(root, "chapters", e.Name()))
		if err != nil {
			return nil, err
		}
		if len(ch.Sections) > 0 || ch.hasIndex() {
			chs = append(chs, ch)
		}
	}
	return chs, nil
}

func (ch *Chapter) hasIndex() bool {
	_, err := os.Stat(filepath.Join(ch.Dir, "README.md"))
	return err == nil
}

// LoadChapter lists the sections of the chapter in dir, in file order.
// It does not parse them.
func LoadChapter(dir string) (*Chapter, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	ch := &Chapter{Name: filepath.Base(dir), Dir: dir}
	for _, e := range ents {
		m := sectionFile.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		zh := filepath.Join(dir, m[1]+"-"+m[2]+".zh.md")
		if _, err := os.Stat(zh); err != nil {
			// One unfinished section must not stop the others from
			// playing: it is left out, and -check reports it.
			ch.Problems = append(ch.Problems, fmt.Sprintf(
				"%s has no Chinese twin %s (the section is left out)",
				filepath.Join(dir, e.Name()), filepath.Base(zh)))
			continue
		}
		ch.Sections = append(ch.Sections, &Section{Chapter: ch,
			Num: m[1], Name: m[2],
			En: filepath.Join(dir, e.Name()), Zh: zh,
		})
	}
	sort.Slice(ch.Sections, func(i, j int) bool {
		return ch.Sections[i].Num+ch.Sections[i].Name <
			ch.Sections[j].Num+ch.Sections[j].Name
	})
	for i := 1; i < len(ch.Sections); i++ {
		a, b := ch.Sections[i-1], ch.Sections[i]
		if a.Name == b.Name {
			return nil, fmt.Errorf("%s: two sections named %q", dir, a.Name)
		}
	}
	return ch, nil
}

// Load parses both files of the section and checks them: their
// directives, that they have the same structure, and that every file
// and program they name exists. It returns every problem found, each
// with a file and line.
func (s *Section) Load() []string {
	var problems []string
	en, err := ParseFile(s.En)
	if err != nil {
		problems = append(problems, err.Error())
	}
	zh, err := ParseFile(s.Zh)
	if err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return problems
	}
	if ps := Parity(en, zh); len(ps) > 0 {
		return ps
	}
	for _, d := range en.Directives {
		if p := s.Chapter.checkRefs(d); p != "" {
			problems = append(problems, fmt.Sprintf("%s:%d: %s", en.Path, d.Line, p))
		}
		if d.Spec.Index {
			problems = append(problems, fmt.Sprintf("%s:%d: nb:%s belongs in "+
				"the chapter index, not in a section", en.Path, d.Line, d.Kind))
		}
		if d.Kind == "nav" && d.Line != lastNav(en) {
			problems = append(problems, fmt.Sprintf("%s:%d: a section has one "+
				"nb:nav, at its end", en.Path, d.Line))
		}
	}
	if len(problems) == 0 {
		s.EnDoc, s.ZhDoc = en, zh
	}
	return problems
}

// Doc returns the loaded file of the section in lang (en or zh).
func (s *Section) Doc(lang string) *Doc {
	if lang == "zh" {
		return s.ZhDoc
	}
	return s.EnDoc
}

// checkRefs checks that what a directive names exists.
func (ch *Chapter) checkRefs(d *Directive) string {
	switch {
	case d.Spec.File:
		if _, err := ReadInclude(filepath.Join(ch.Dir, d.File), d.Opts.Region); err != nil {
			return fmt.Sprintf("nb:include: %v", err)
		}
	case d.Spec.Program:
		if _, err := ProgramFile(filepath.Join(ch.Dir, d.Program)); err != nil {
			return fmt.Sprintf("nb:%s: no program %q in %s", d.Kind, d.Program, ch.Name)
		}
	}
	return ""
}

// Programs lists the programs (package main) a section includes or
// runs, in order of appearance, each once; packages whose code it only
// shows are left out.
func (ch *Chapter) Programs(doc *Doc) []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range doc.Directives {
		p := ""
		switch {
		case d.Spec.File:
			p = strings.SplitN(d.File, "/", 2)[0]
		case d.Spec.Program:
			p = d.Program
		}
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		if IsProgram(filepath.Join(ch.Dir, p)) {
			out = append(out, p)
		}
	}
	return out
}

// AllPrograms lists every program directory of the chapter, sorted.
func (ch *Chapter) AllPrograms() []string {
	ents, _ := os.ReadDir(ch.Dir)
	var out []string
	for _, e := range ents {
		if e.IsDir() && IsProgram(filepath.Join(ch.Dir, e.Name())) {
			out = append(out, e.Name())
		}
	}
	return out
}

// ProgramFile returns the one non-test Go file of a program directory.
func ProgramFile(dir string) (string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return "", err
	}
	var files []string
	for _, m := range matches {
		if !strings.HasSuffix(m, "_test.go") {
			files = append(files, m)
		}
	}
	switch len(files) {
	case 0:
		return "", fmt.Errorf("%s: no Go file", dir)
	case 1:
		return files[0], nil
	}
	return "", fmt.Errorf("%s: %d Go files; a program is one file",
		dir, len(files))
}

// IsProgram reports whether dir holds a program (package main), not a
// package that programs import.
func IsProgram(dir string) bool {
	f, err := ProgramFile(dir)
	if err != nil {
		return false
	}
	file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly)
	return err == nil && file.Name.Name == "main"
}

// ReadInclude returns what nb:include shows of a file: all of it, or
// the lines between "// region NAME" and "// endregion NAME" (other
// region markers dropped), with their common indentation removed.
func ReadInclude(path, region string) (string, error) {
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

// lastNav is the line of the last nb:nav of doc.
func lastNav(doc *Doc) int {
	line := 0
	for _, d := range doc.Directives {
		if d.Kind == "nav" {
			line = d.Line
		}
	}
	return line
}
