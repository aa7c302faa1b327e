package notebook

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Slot names one generated block: the directive's number in its file
// (the same in both languages, which Parity guarantees) and which of
// its blocks.
type Slot struct{ Directive, Block int }

// Generated holds fresh contents for generated blocks, by slot.
type Generated map[Slot]string

// Set records the fresh content of block i of d.
func (g Generated) Set(d *Directive, i int, text string) {
	g[Slot{d.N, i}] = text
}

// Mismatch is a generated block whose recorded content is not the
// fresh one.
type Mismatch struct {
	Doc       *Doc
	Directive *Directive
	Line      int    // where the block is (or its directive, if missing)
	Missing   bool   // no block yet
	Recorded  string // what the file holds
	Fresh     string
}

func (m Mismatch) String() string {
	d := m.Directive
	if m.Missing {
		return fmt.Sprintf("%s:%d: nb:%s has no generated block after it (run -update)",
			m.Doc.Path, m.Line, d.Kind)
	}
	what := "recorded output differs from a fresh run"
	if d.Spec.File {
		what = "code block differs from " + d.File
	}
	return fmt.Sprintf("%s:%d: nb:%s %s: %s (run -update)", m.Doc.Path, m.Line,
		d.Kind, strings.Join(d.Words, " "), what)
}

// Compare returns the generated blocks of doc that differ from gen,
// and how many blocks it compared.
func Compare(doc *Doc, gen Generated) ([]Mismatch, int) {
	var out []Mismatch
	n := 0
	for _, d := range doc.Directives {
		for i := range d.Spec.Blocks {
			fresh, ok := gen[Slot{d.N, i}]
			if !ok {
				continue // not run (it failed, and that was reported)
			}
			n++
			f := d.Fence(i)
			switch {
			case f == nil:
				out = append(out, Mismatch{Doc: doc, Directive: d, Line: d.Line,
					Missing: true, Fresh: fresh})
			case f.Content != fresh:
				out = append(out, Mismatch{Doc: doc, Directive: d, Line: f.Line,
					Recorded: f.Content, Fresh: fresh})
			}
		}
	}
	return out, n
}

// Rewrite returns doc's source with its generated blocks replaced by
// gen; a generated block not yet in the file is inserted after its
// directive (or after the block before it). Nothing else changes: the
// parser has made sure that every block replaced is one the runner
// writes.
func Rewrite(doc *Doc, gen Generated) []byte {
	type edit struct {
		start, end int
		text       string
	}
	var edits []edit
	for _, d := range doc.Directives {
		after := d.End
		for i, owned := range d.Spec.Blocks {
			f := d.Fence(i)
			fresh, ok := gen[Slot{d.N, i}]
			switch {
			case !owned.Generated || !ok:
			case f != nil:
				edits = append(edits, edit{f.Start, f.End, fresh})
			default:
				edits = append(edits, edit{after, after,
					"\n\n```" + d.FenceInfo(i) + "\n" + fresh + "```"})
			}
			if f != nil {
				after = closingEnd(doc.Src, f.End)
			}
		}
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start > edits[j].start })
	src := string(doc.Src)
	for _, ed := range edits {
		src = src[:ed.start] + ed.text + src[ed.end:]
	}
	return []byte(src)
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

// WriteFile replaces the file at path with data atomically: a
// temporary file in the same directory, synced, then renamed over it.
// An interrupted write leaves the old file whole. The file keeps its
// permissions.
func WriteFile(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename there is nothing to remove
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Parity lists the differences in structure between the English and
// Chinese files of a section: headings (levels), directives, and fenced
// blocks (owned blocks and Go code must be equal; other blocks, such as
// C fragments with translated comments or diagrams, the same kind). It
// stops at the first difference: later items are out of step anyway.
func Parity(en, zh *Doc) []string {
	a, b := shape(en), shape(zh)
	for k := 0; k < len(a) || k < len(b); k++ {
		switch {
		case k >= len(a):
			return []string{fmt.Sprintf("%s:%d: %s has no counterpart "+
				"in %s", zh.Path, b[k].line, b[k].what, filepath.Base(en.Path))}
		case k >= len(b):
			return []string{fmt.Sprintf("%s:%d: %s has no counterpart "+
				"in %s", en.Path, a[k].line, a[k].what, filepath.Base(zh.Path))}
		case a[k].key != b[k].key:
			return []string{fmt.Sprintf("%s:%d: %s, but %s:%d: %s",
				en.Path, a[k].line, a[k].what, filepath.Base(zh.Path),
				b[k].line, b[k].what)}
		}
	}
	return nil
}

type shapeItem struct {
	key, what string
	line      int
}

func shape(d *Doc) []shapeItem {
	var out []shapeItem
	for _, b := range d.Blocks {
		switch b.Kind {
		case HeadingBlock:
			out = append(out, shapeItem{fmt.Sprintf("h%d", b.Level),
				fmt.Sprintf("a level-%d heading", b.Level), b.Line})
		case DirectiveBlock:
			d := b.Directive
			key := "nb:" + d.Kind + " " + strings.Join(d.Words, " ")
			out = append(out, shapeItem{key, key, b.Line})
			for i, f := range d.Fences {
				if f != nil && !d.Spec.Blocks[i].Generated {
					out = append(out, shapeItem{"fence " + f.Info + "\n" +
						f.Content, "a hand-written " + f.Info + " block",
						f.Line})
				}
			}
		case CodeBlock:
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
