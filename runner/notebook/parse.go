package notebook

import (
	"bytes"
	"fmt"
	"os"
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

// Directive is an <!-- nb:... --> comment, its parsed words and the
// fences it owns.
type Directive struct {
	Spec  *Spec
	Kind  string   // Spec.Name
	Words []string // the words after nb:KIND, as written
	N     int      // its number among the directives of its file
	Line  int
	Start int // byte offsets of the comment in the file
	End   int
	// Fences are the owned blocks, one per Spec.Blocks entry; a
	// generated block not yet written is nil.
	Fences []*Fence

	Name    string   // the background program (start, wait, stop)
	Program string   // run, start
	Args    []string // the program's arguments, {vars} not yet replaced
	File    string   // include
	Opts    Opts

	seen map[string]bool // options given, while binding
}

// Fence returns the i-th owned block, or nil.
func (d *Directive) Fence(i int) *Fence {
	if i < len(d.Fences) {
		return d.Fences[i]
	}
	return nil
}

// BlockKind tells what a Block is.
type BlockKind int

const (
	HeadingBlock   BlockKind = iota
	ProseBlock               // paragraphs, lists, quotes, tables
	CodeBlock                // a fenced block no directive owns
	DirectiveBlock           // a directive (its fences are in it)
)

// Block is one top-level element of a notes file, in document order.
// Prose keeps its Markdown source: rendering it is the reader's job.
type Block struct {
	Kind      BlockKind
	Level     int    // heading level
	Text      string // a heading's text, inline markup removed
	Markdown  string // prose: the block's Markdown source
	Fence     *Fence
	Directive *Directive
	Line      int
	// Generated: inside a region the runner writes (nb:nav … nb:end),
	// which a reader of the terminal does not need.
	Generated bool
}

// Doc is a parsed notes file.
type Doc struct {
	Path       string
	Src        []byte
	Blocks     []Block
	Directives []*Directive
	Title      string // the first level-1 heading
}

var md = goldmark.New(goldmark.WithExtensions(extension.GFM))

// ParseFile reads and parses a notes file.
func ParseFile(path string) (*Doc, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, src)
}

// Parse parses a notes file: headings, prose, fenced blocks and
// directives, each directive checked against its Spec and given the
// fences it owns. Every error names the file and line.
func Parse(path string, src []byte) (*Doc, error) {
	root := md.Parser().Parse(text.NewReader(src))
	d := &Doc{Path: path, Src: src}
	lineOf := lineIndex(src)
	errorf := func(line int, format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", path, line, fmt.Sprintf(format, args...))
	}
	for n := root.FirstChild(); n != nil; n = n.NextSibling() {
		switch n := n.(type) {
		case *ast.Heading:
			t := inlineText(n, src)
			d.Blocks = append(d.Blocks, Block{Kind: HeadingBlock,
				Level: n.Level, Text: t, Line: lineOf(firstOffset(n))})
			if n.Level == 1 && d.Title == "" {
				d.Title = t
			}
		case *ast.FencedCodeBlock:
			f := fenceOf(n, src, lineOf)
			if !closed(src, f.End) {
				return nil, errorf(f.Line, "code fence is never closed "+
					"(it would swallow the rest of the file)")
			}
			d.Blocks = append(d.Blocks, Block{Kind: CodeBlock, Fence: f, Line: f.Line})
		case *ast.HTMLBlock:
			raw := linesText(n.Lines(), src)
			if n.HasClosure() {
				raw += string(n.ClosureLine.Value(src))
			}
			line := lineOf(firstOffset(n))
			dir, ok, err := parseDirective(raw)
			if err != nil {
				return nil, errorf(line, "%v", err)
			}
			if !ok {
				continue // an ordinary HTML comment or tag
			}
			dir.Line = line
			dir.Start = firstOffset(n)
			dir.End = dir.Start + len(strings.TrimRight(raw, "\n"))
			dir.N = len(d.Directives)
			if err := dir.bind(); err != nil {
				return nil, errorf(line, "%v", err)
			}
			d.Directives = append(d.Directives, dir)
			d.Blocks = append(d.Blocks, Block{Kind: DirectiveBlock,
				Directive: dir, Line: line})
		default:
			if isNavLink(n) {
				continue // "[中文](x.zh.md)": a link for GitHub readers
			}
			start, end := blockSpan(n, src)
			if start < 0 {
				continue
			}
			t := strings.TrimSpace(string(src[start:end]))
			if t != "" {
				d.Blocks = append(d.Blocks, Block{Kind: ProseBlock,
					Markdown: t, Line: lineOf(start)})
			}
		}
	}
	if err := d.attach(); err != nil {
		return nil, err
	}
	return d, d.markRegions()
}

// markRegions marks the blocks of each generated region, and checks
// that every region is closed by nb:end and every nb:end closes one.
func (d *Doc) markRegions() error {
	var open *Directive
	for k := range d.Blocks {
		b := &d.Blocks[k]
		dir := b.Directive
		switch {
		case dir != nil && dir.Spec.Region:
			if open != nil {
				return fmt.Errorf("%s:%d: nb:%s inside nb:%s (line %d): "+
					"close it with nb:end first", d.Path, dir.Line, dir.Kind,
					open.Kind, open.Line)
			}
			open = dir
		case dir != nil && dir.Kind == "end":
			if open == nil {
				return fmt.Errorf("%s:%d: nb:end closes nothing", d.Path, dir.Line)
			}
			open = nil
		case open != nil:
			if dir != nil {
				return fmt.Errorf("%s:%d: nb:%s inside the generated nb:%s "+
					"region (line %d)", d.Path, dir.Line, dir.Kind, open.Kind, open.Line)
			}
			b.Generated = true
		}
	}
	if open != nil {
		return fmt.Errorf("%s:%d: nb:%s is never closed by nb:end", d.Path,
			open.Line, open.Kind)
	}
	return nil
}

// Region returns the byte offsets of the generated region that the
// first nb:KIND of the file opens, or ok=false when there is none.
func (d *Doc) Region(kind string) (start, end int, ok bool) {
	for k, dir := range d.Directives {
		if dir.Kind == kind && k+1 < len(d.Directives) && d.Directives[k+1].Kind == "end" {
			return dir.End, d.Directives[k+1].Start, true
		}
	}
	return 0, 0, false
}

// closed reports whether the fence whose content ends at end has a
// closing fence line. goldmark lets an unclosed fence run to the end of
// the file; for the runner that would make headings and prose the
// content of a block that -update rewrites.
func closed(src []byte, end int) bool {
	rest := src[end:]
	line := rest
	if k := bytes.IndexByte(rest, '\n'); k >= 0 {
		line = rest[:k]
	}
	t := strings.TrimSpace(string(line))
	return strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~")
}

// attach gives each directive the fences that follow it. A fence owned
// by a directive must follow it directly (only blank lines between); a
// generated fence must have the info string the runner writes, so that
// -update never overwrites a block written by hand.
func (d *Doc) attach() error {
	var out []Block
	for i := 0; i < len(d.Blocks); i++ {
		b := d.Blocks[i]
		out = append(out, b)
		if b.Kind != DirectiveBlock {
			continue
		}
		dir := b.Directive
		for k, owned := range dir.Spec.Blocks {
			next := i + 1
			if next >= len(d.Blocks) || d.Blocks[next].Kind != CodeBlock {
				if !owned.Generated {
					return fmt.Errorf("%s:%d: nb:%s must be followed by a "+
						"fenced block: %s", d.Path, dir.Line, dir.Kind, owned.Role)
				}
				if k < len(dir.Spec.Blocks)-1 {
					return fmt.Errorf("%s:%d: nb:%s: %s is missing", d.Path,
						dir.Line, dir.Kind, owned.Role)
				}
				dir.Fences = append(dir.Fences, nil) // -update inserts it
				continue
			}
			f := d.Blocks[next].Fence
			if owned.Generated && f.Info != dir.FenceInfo(k) {
				return fmt.Errorf("%s:%d: the ```%s block after nb:%s (line %d) "+
					"is not its output: the runner would overwrite it; "+
					"%s goes in a ```%s block (put a blank paragraph or "+
					"another directive between them if the block is yours)",
					d.Path, f.Line, f.Info, dir.Kind, dir.Line, owned.Role,
					dir.FenceInfo(k))
			}
			if !owned.Generated && owned.Info != "" && f.Info != owned.Info {
				return fmt.Errorf("%s:%d: nb:%s wants a ```%s block, not ```%s",
					d.Path, f.Line, dir.Kind, owned.Info, f.Info)
			}
			dir.Fences = append(dir.Fences, f)
			i = next
		}
	}
	d.Blocks = out
	return d.checkNames()
}

// checkNames checks that every background program is started before
// it is waited for or stopped, once, and that none is left running.
func (d *Doc) checkNames() error {
	started := map[string]*Directive{}
	ended := map[string]bool{}
	for _, dir := range d.Directives {
		switch {
		case dir.Spec.Named:
			if prev, dup := started[dir.Name]; dup {
				return fmt.Errorf("%s:%d: background program %q already "+
					"started at line %d", d.Path, dir.Line, dir.Name, prev.Line)
			}
			started[dir.Name] = dir
		case dir.Spec.Needs:
			if started[dir.Name] == nil {
				return fmt.Errorf("%s:%d: nb:%s %s: no background program "+
					"%q was started before it", d.Path, dir.Line, dir.Kind,
					dir.Name, dir.Name)
			}
			if ended[dir.Name] {
				return fmt.Errorf("%s:%d: nb:%s %s: it already ended",
					d.Path, dir.Line, dir.Kind, dir.Name)
			}
			ended[dir.Name] = true
		case dir.Spec.Index:
			// Checked by the index, where they belong.
		}
	}
	for name, dir := range started {
		if !ended[name] {
			return fmt.Errorf("%s:%d: background program %q is never "+
				"waited for or stopped (add nb:wait or nb:stop)",
				d.Path, dir.Line, name)
		}
	}
	return nil
}

var directiveRE = regexp.MustCompile(`^<!--\s*nb:([a-z]+)\b(.*?)-->\s*$`)

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
	spec := Lookup(m[1])
	if spec == nil {
		var names []string
		for _, s := range Specs {
			names = append(names, "nb:"+s.Name)
		}
		return nil, false, fmt.Errorf("unknown directive nb:%s (known: %s)",
			m[1], strings.Join(names, ", "))
	}
	words, err := SplitWords(m[2])
	if err != nil {
		return nil, false, fmt.Errorf("nb:%s: %v", m[1], err)
	}
	return &Directive{Spec: spec, Kind: spec.Name, Words: words}, true, nil
}

// SplitWords splits like a shell: spaces separate, single and double
// quotes group, a backslash outside single quotes escapes a quote or a
// space and is otherwise kept (so regular expressions read naturally).
func SplitWords(s string) ([]string, error) {
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
		} else if p := n.PreviousSibling(); p != nil && p.Lines().Len() > 0 {
			off = p.Lines().At(p.Lines().Len() - 1).Stop
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

func linesText(lines *text.Segments, src []byte) string {
	var b strings.Builder
	for k := 0; k < lines.Len(); k++ {
		seg := lines.At(k)
		b.Write(seg.Value(src))
	}
	return b.String()
}

// blockSpan returns the byte range of a block's source: from the start
// of its first line to the end of its last.
func blockSpan(n ast.Node, src []byte) (int, int) {
	start, end := -1, -1
	var walk func(ast.Node)
	walk = func(n ast.Node) {
		if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
			l := n.Lines()
			if s := l.At(0).Start; start < 0 || s < start {
				start = s
			}
			if e := l.At(l.Len() - 1).Stop; e > end {
				end = e
			}
		}
		if t, ok := n.(*ast.Text); ok {
			if start < 0 || t.Segment.Start < start {
				start = t.Segment.Start
			}
			if t.Segment.Stop > end {
				end = t.Segment.Stop
			}
		}
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			walk(c)
		}
	}
	walk(n)
	if start < 0 {
		return -1, -1
	}
	// Back to the start of the line (list markers, "> ", table pipes)
	// and on to its end.
	for start > 0 && src[start-1] != '\n' {
		start--
	}
	for end < len(src) && src[end] != '\n' {
		end++
	}
	return start, end
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
	starts := []int{0}
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

// inlineText flattens a node's inline children to plain text, code
// spans kept in backquotes.
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
