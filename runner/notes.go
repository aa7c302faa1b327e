package main

// Reading the notes. A chapter is a directory of markdown files parsed
// with goldmark; the runner looks at the top-level blocks only: headings
// and prose (rendered in the terminal), fenced code blocks, and HTML
// comments of the form <!-- nb:KIND ARGS --> (directives).

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// Fence is a fenced code block and where its content sits in the file.
type Fence struct {
	Info    string // the info string: "go", "text", "mermaid"
	Content string // the lines between the fences, each ending in \n
	Line    int    // line of the opening fence (1-based)
	Start   int    // byte offset of the content in the file
	End     int    // byte offset just after the content
}

// Directive is an <!-- nb:... --> comment and the fence it owns.
type Directive struct {
	Kind  string   // include, cell, stdin, run, start, wait, stop
	Words []string // the words after nb:KIND
	Line  int
	Start int // byte offsets of the comment in the file
	End   int
	Fence *Fence // the block it owns (nil if none follows)
	// Output is the second fence of a cell: what the cell printed.
	Output *Fence
}

// Block is one top-level element of a notes file, in document order.
type Block struct {
	Kind      string // "heading", "prose", "fence", "directive"
	Level     int    // heading level
	Text      string // heading or prose text, rendered for a terminal
	Fence     *Fence
	Directive *Directive
	Line      int
}

// Doc is a parsed notes file.
type Doc struct {
	Path   string
	Src    []byte
	Blocks []Block
	Title  string // the first level-1 heading
}

// Section is one section of a chapter in both languages.
type Section struct {
	Num  string // "02"
	Name string // "byte-order"
	En   string // path of the English file
	Zh   string // path of the Chinese file
}

// Chapter is a directory of sections and programs.
type Chapter struct {
	Name     string
	Dir      string
	Sections []Section
	Problems []string // sections that could not be read
}

var sectionFile = regexp.MustCompile(`^(\d\d)-([a-z0-9-]+)\.md$`)

// loadChapter lists the sections of the chapter in dir, in file order.
func loadChapter(dir string) (*Chapter, error) {
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
		ch.Sections = append(ch.Sections, Section{
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
			return nil, fmt.Errorf("two sections named %q", a.Name)
		}
	}
	return ch, nil
}

var md = goldmark.New(goldmark.WithExtensions(extension.GFM))

// parseDoc parses a notes file into blocks and attaches each owned fence
// to its directive.
func parseDoc(path string) (*Doc, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseSrc(path, src)
}

func parseSrc(path string, src []byte) (*Doc, error) {
	root := md.Parser().Parse(text.NewReader(src))
	d := &Doc{Path: path, Src: src}
	lineOf := lineIndex(src)
	for n := root.FirstChild(); n != nil; n = n.NextSibling() {
		switch n := n.(type) {
		case *ast.Heading:
			t := inlineText(n, src)
			d.Blocks = append(d.Blocks, Block{Kind: "heading",
				Level: n.Level, Text: t, Line: lineOf(firstOffset(n))})
			if n.Level == 1 && d.Title == "" {
				d.Title = t
			}
		case *ast.FencedCodeBlock:
			f := fenceOf(n, src, lineOf)
			d.Blocks = append(d.Blocks, Block{Kind: "fence", Fence: f,
				Line: f.Line})
		case *ast.HTMLBlock:
			raw := linesText(n.Lines(), src)
			if n.HasClosure() {
				raw += string(n.ClosureLine.Value(src))
			}
			dir, ok, err := parseDirective(raw)
			line := lineOf(firstOffset(n))
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %v", path, line, err)
			}
			if !ok {
				continue // an ordinary HTML comment or tag
			}
			dir.Line = line
			dir.Start = firstOffset(n)
			dir.End = dir.Start + len(strings.TrimRight(raw, "\n"))
			d.Blocks = append(d.Blocks, Block{Kind: "directive",
				Directive: dir, Line: line})
		default:
			if isNavLink(n) {
				continue // "[中文](x.zh.md)": a link for GitHub readers
			}
			t := strings.TrimSpace(proseText(n, src))
			if t != "" {
				d.Blocks = append(d.Blocks, Block{Kind: "prose",
					Text: t, Line: lineOf(firstOffset(n))})
			}
		}
	}
	if err := d.attach(); err != nil {
		return nil, err
	}
	return d, nil
}

// owns reports how many fences a directive of this kind owns.
func owns(kind string) int {
	switch kind {
	case "include", "stdin", "run", "wait", "stop":
		return 1
	case "cell":
		return 2
	}
	return 0
}

// attach gives each directive the fences that follow it. A fence owned
// by a directive must follow it directly (only blank lines between).
func (d *Doc) attach() error {
	var out []Block
	for i := 0; i < len(d.Blocks); i++ {
		b := d.Blocks[i]
		if b.Kind != "directive" {
			out = append(out, b)
			continue
		}
		dir := b.Directive
		want := owns(dir.Kind)
		for k := 0; k < want; k++ {
			if i+1 < len(d.Blocks) && d.Blocks[i+1].Kind == "fence" {
				i++
				if k == 0 {
					dir.Fence = d.Blocks[i].Fence
				} else {
					dir.Output = d.Blocks[i].Fence
				}
			}
		}
		if dir.Kind == "cell" && dir.Fence == nil {
			return fmt.Errorf("%s:%d: nb:cell must be followed by a "+
				"fenced go block", d.Path, dir.Line)
		}
		if dir.Kind == "stdin" && dir.Fence == nil {
			return fmt.Errorf("%s:%d: nb:stdin must be followed by a "+
				"fenced block", d.Path, dir.Line)
		}
		out = append(out, b)
	}
	d.Blocks = out
	return nil
}

var directiveRE = regexp.MustCompile(`^<!--\s*nb:([a-z]+)\b(.*?)-->\s*$`)

var kinds = map[string]bool{"include": true, "cell": true, "stdin": true,
	"run": true, "start": true, "wait": true, "stop": true, "toc": true,
	"end": true}

// parseDirective reads "<!-- nb:kind words -->". It reports ok=false for
// any other HTML. The regexp reads one HTML comment that goldmark has
// already isolated as a block, not markdown.
func parseDirective(raw string) (*Directive, bool, error) {
	raw = strings.TrimSpace(raw)
	if !strings.HasPrefix(raw, "<!--") {
		return nil, false, nil
	}
	m := directiveRE.FindStringSubmatch(strings.ReplaceAll(raw, "\n", " "))
	if m == nil {
		if strings.Contains(raw, "nb:") {
			return nil, false, fmt.Errorf("malformed directive %q", raw)
		}
		return nil, false, nil
	}
	if !kinds[m[1]] {
		return nil, false, fmt.Errorf("unknown directive nb:%s", m[1])
	}
	words, err := splitWords(m[2])
	if err != nil {
		return nil, false, fmt.Errorf("nb:%s: %v", m[1], err)
	}
	return &Directive{Kind: m[1], Words: words}, true, nil
}

// splitWords splits like a shell: spaces separate, single and double
// quotes group, a backslash outside single quotes escapes a quote or a
// space and is otherwise kept (so regular expressions read naturally).
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	in := false
	var quote rune
	rs := []rune(s)
	for k := 0; k < len(rs); k++ {
		r := rs[k]
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else if r == '\\' && quote == '"' && k+1 < len(rs) &&
				rs[k+1] == '"' {
				k++
				cur.WriteRune('"')
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == '\\' && k+1 < len(rs) &&
			strings.ContainsRune(`'" `, rs[k+1]):
			k++
			cur.WriteRune(rs[k])
			in = true
		case r == ' ' || r == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote")
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}

func fenceOf(n *ast.FencedCodeBlock, src []byte, lineOf func(int) int) *Fence {
	f := &Fence{}
	if n.Info != nil {
		f.Info = strings.TrimSpace(string(n.Info.Segment.Value(src)))
	}
	lines := n.Lines()
	f.Content = linesText(lines, src)
	if lines.Len() > 0 {
		f.Start = lines.At(0).Start
		f.End = lines.At(lines.Len() - 1).Stop
	} else {
		// An empty block: its content starts after the opening line.
		off := 0
		if n.Info != nil {
			off = n.Info.Segment.Stop
		} else {
			off = fenceLineStart(n, src)
		}
		if k := bytes.IndexByte(src[off:], '\n'); k >= 0 {
			off += k + 1
		} else {
			off = len(src)
		}
		f.Start, f.End = off, off
	}
	// The opening fence is the line before the content.
	f.Line = lineOf(f.Start) - 1
	return f
}

// fenceLineStart finds the opening fence of a block with neither info
// nor content by scanning back from the next block; such blocks are
// rare, and the runner requires an info string on owned fences.
func fenceLineStart(n ast.Node, src []byte) int {
	if p := n.PreviousSibling(); p != nil && p.Lines().Len() > 0 {
		return p.Lines().At(p.Lines().Len() - 1).Stop
	}
	return 0
}

func linesText(lines *text.Segments, src []byte) string {
	var b strings.Builder
	for k := 0; k < lines.Len(); k++ {
		seg := lines.At(k)
		b.Write(seg.Value(src))
	}
	return b.String()
}

// firstOffset returns the byte offset of the first line of a block.
func firstOffset(n ast.Node) int {
	if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
		return n.Lines().At(0).Start
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if off := firstOffset(c); off >= 0 {
			return off
		}
	}
	if t, ok := n.(*ast.Text); ok {
		return t.Segment.Start
	}
	return -1
}

// lineIndex returns a function from byte offset to 1-based line.
func lineIndex(src []byte) func(int) int {
	var starts []int
	starts = append(starts, 0)
	for k, c := range src {
		if c == '\n' {
			starts = append(starts, k+1)
		}
	}
	return func(off int) int {
		if off < 0 {
			return 0
		}
		return sort.Search(len(starts), func(i int) bool {
			return starts[i] > off
		})
	}
}

// inlineText flattens a node's inline children to plain text.
func inlineText(n ast.Node, src []byte) string {
	var b strings.Builder
	var walk func(ast.Node)
	walk = func(n ast.Node) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Text:
				b.Write(c.Segment.Value(src))
				if c.SoftLineBreak() || c.HardLineBreak() {
					b.WriteByte(' ')
				}
			case *ast.String:
				b.Write(c.Value)
			case *ast.CodeSpan:
				b.WriteString("`")
				walk(c)
				b.WriteString("`")
			case *ast.RawHTML:
				// Inline HTML is not prose.
			default:
				walk(c)
			}
		}
	}
	walk(n)
	return b.String()
}

// proseText renders a block of prose (paragraph, list, quote, table) as
// terminal text: inline markup dropped, list items bulleted.
func proseText(n ast.Node, src []byte) string {
	b := &strings.Builder{}
	var walk func(n ast.Node, indent string)
	walk = func(n ast.Node, indent string) {
		switch n := n.(type) {
		case *ast.Paragraph, *ast.TextBlock:
			b.WriteString(indent + inlineText(n, src) + "\n")
		case *ast.List:
			k := n.Start
			for it := n.FirstChild(); it != nil; it = it.NextSibling() {
				mark := "• "
				if n.IsOrdered() {
					mark = fmt.Sprintf("%d. ", k)
					k++
				}
				old := b
				b = &strings.Builder{}
				for c := it.FirstChild(); c != nil; c = c.NextSibling() {
					walk(c, "")
				}
				item := b.String()
				b = old
				lines := strings.Split(strings.TrimRight(item, "\n"), "\n")
				for j, l := range lines {
					if j == 0 {
						b.WriteString(indent + mark + l + "\n")
					} else {
						b.WriteString(indent + "  " + l + "\n")
					}
				}
			}
		case *ast.Blockquote:
			old := b
			b = &strings.Builder{}
			for c := n.FirstChild(); c != nil; c = c.NextSibling() {
				walk(c, "")
			}
			q := b.String()
			b = old
			for _, l := range strings.Split(strings.TrimRight(q, "\n"), "\n") {
				b.WriteString(indent + "│ " + l + "\n")
			}
		case *ast.FencedCodeBlock:
			b.WriteString(linesText(n.Lines(), src))
		case *ast.ThematicBreak:
			b.WriteString(indent + "────\n")
		default:
			if n.Kind().String() == "Table" {
				b.WriteString(tableText(n, src))
				return
			}
			if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
				b.WriteString(linesText(n.Lines(), src))
				return
			}
			for c := n.FirstChild(); c != nil; c = c.NextSibling() {
				walk(c, indent)
			}
		}
	}
	walk(n, "")
	return b.String()
}

// tableText renders a GFM table as aligned columns.
func tableText(n ast.Node, src []byte) string {
	var rows [][]string
	for r := n.FirstChild(); r != nil; r = r.NextSibling() {
		var row []string
		for c := r.FirstChild(); c != nil; c = c.NextSibling() {
			row = append(row, inlineText(c, src))
		}
		rows = append(rows, row)
	}
	var widths []int
	for _, row := range rows {
		for k, c := range row {
			for len(widths) <= k {
				widths = append(widths, 0)
			}
			if w := displayWidth(c); w > widths[k] {
				widths[k] = w
			}
		}
	}
	var b strings.Builder
	for ri, row := range rows {
		for k, c := range row {
			b.WriteString(c)
			if k < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[k]-displayWidth(c)+2))
			}
		}
		b.WriteString("\n")
		if ri == 0 {
			for k, w := range widths {
				b.WriteString(strings.Repeat("─", w))
				if k < len(widths)-1 {
					b.WriteString("  ")
				}
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// displayWidth counts terminal columns: CJK characters take two.
func displayWidth(s string) int {
	w := 0
	for _, r := range s {
		switch {
		case r >= 0x1100 && (r <= 0x115f || (r >= 0x2e80 && r <= 0xa4cf) ||
			(r >= 0xac00 && r <= 0xd7a3) || (r >= 0xf900 && r <= 0xfaff) ||
			(r >= 0xfe30 && r <= 0xfe4f) || (r >= 0xff00 && r <= 0xff60) ||
			(r >= 0xffe0 && r <= 0xffe6)):
			w += 2
		default:
			w++
		}
	}
	return w
}

// isNavLink reports whether a block is a paragraph holding nothing but
// a link to another markdown file, such as the link to the other
// language at the top of a section.
func isNavLink(n ast.Node) bool {
	p, ok := n.(*ast.Paragraph)
	if !ok || p.ChildCount() != 1 {
		return false
	}
	l, ok := p.FirstChild().(*ast.Link)
	return ok && strings.HasSuffix(string(l.Destination), ".md")
}
