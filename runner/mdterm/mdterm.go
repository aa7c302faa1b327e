// Package mdterm renders a fragment of Markdown prose for a terminal or
// a pipe. It knows nothing of the notebook format: the runner hands it
// the prose of a section and prints what it returns.
//
// What it renders: headings, paragraphs, lists (nested, ordered lists
// numbered from their start), block quotes (the chapters' Errata
// callouts), GFM tables, thematic breaks, inline code, emphasis, strong,
// strikethrough, links (the text, then the destination in brackets when
// it differs from the text), images (their alt text), fenced and
// indented code with a gutter, mermaid fences labelled as such. HTML
// comments are dropped; other raw HTML is shown as text.
//
// # Layout
//
// Widths are measured with github.com/mattn/go-runewidth, with East
// Asian ambiguous characters counted as narrow (as a terminal in a
// non-CJK locale draws them). Everything the renderer draws itself is
// of unambiguous width, so a terminal that draws ambiguous characters
// wide does not misalign it: ASCII for table borders ("|", "-", "+"),
// rules, the code gutter ("|", ":" on a continued line) and the quote
// marker (">"); "▪" and "◦" (U+25AA, U+25E6, neutral width) for
// bullets; "▸" (U+25B8) before headings of level 3 and deeper.
//
// Lines break at spaces in Latin text, never inside a word unless the
// word alone is wider than the line, and between any two characters of
// CJK text, following the usual Chinese rules (kinsoku): no line starts
// with closing punctuation (，。、；：？！）》」』】… and closing quotes)
// and no line ends with opening punctuation (（《「『【 and opening
// quotes); the character before is carried to the next line instead.
// A soft line break of the source between two wide characters (or next
// to full-width punctuation) disappears, as it does in a browser;
// elsewhere it is a space. Inline code is never broken unless it is
// wider than the line. Continuation lines of list items and block
// quotes keep their indentation and their quote marker.
//
// A table stays a table: columns get their natural width when the table
// fits; otherwise the widest columns are narrowed, one column at a time,
// and the text of a cell wraps inside its column (never narrower than
// the longest word of the column), so a row is never broken across the
// table's structure. When even the narrowest columns do not fit, the
// table is printed one record per block, "header: value" lines. Column
// alignment (":---:", "---:") is kept.
//
// # Colour and safety
//
// With Options.Color, headings and strong text are bold, emphasis is
// italic, inline code is cyan, link destinations, rules, borders and
// gutters are dim. Without it the output holds no escape sequence at
// all; inline code keeps its backticks, emphasis its "*" and strong its
// "**", so the markup still reads in a pipe. A control character or an
// invalid UTF-8 byte of the source is never passed through: it is shown
// escaped, as \x1b, \u0085 or \xff (so are the bidirectional formatting
// characters U+202A-U+202E, U+2066-U+2069, U+200E and U+200F).
//
// # Why goldmark plus this layout, not glamour
//
// charm.land/glamour/v2 v2.0.1 was tried on 05-tcp-flow.md and
// 12-tcp-states.zh.md at width 80 (style "notty", word wrap 80). Its
// English tables were good, but: it writes OSC 8 hyperlink escapes even
// in its no-colour style, so a pipe gets escape sequences; 14 lines of
// the Chinese sections start with closing punctuation at width 80 (18 at
// width 60), because it breaks Chinese only where a run of CJK text
// overflows, and then anywhere ("tcp-" / "states："); a line holding a
// code span before Chinese text is left half empty; continuation lines
// of list items lose their indentation; every line is padded with
// spaces to the full width. Its tables are drawn with the characters
// its style gives, the line breaking is not ours to change, and it
// pulls lipgloss, chroma and a dozen more modules. Goldmark is already
// the runner's parser; the layout above is about 900 lines and does the
// two things these notes need most (Chinese line breaking and tables)
// the way they need it.
package mdterm

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"

	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// Options says how to render.
type Options struct {
	Width int  // columns; 0 (or less) means 80
	Color bool // ANSI styles: bold headings, styled code and emphasis, dim rules
}

// md parses GitHub-flavoured Markdown, as GitHub shows the chapters.
var md = goldmark.New(goldmark.WithExtensions(extension.GFM))

// Render renders a Markdown fragment for a terminal at o.Width columns.
// The result ends with a newline unless it is empty.
func Render(src []byte, o Options) string {
	width := o.Width
	if width <= 0 {
		width = 80
	}
	src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	_, out := render(src, o.Color, width)
	return out
}

func render(src []byte, color bool, width int) (*renderer, string) {
	root := md.Parser().Parse(text.NewReader(src))
	r := &renderer{src: src, color: color}
	return r, r.finish(r.children(root, width, false))
}

// renderer holds what the block renderers share.
type renderer struct {
	src       []byte
	color     bool
	listDepth int

	grids, records int // tables drawn each way, for the tests
}

// children renders the blocks under n, separated by blank lines unless
// tight (the blocks of an item in a tight list).
func (r *renderer) children(n ast.Node, width int, tight bool) []line {
	var out []line
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		ls := r.block(c, width)
		if len(ls) == 0 {
			continue
		}
		if len(out) > 0 && !tight {
			out = append(out, nil)
		}
		out = append(out, ls...)
	}
	return out
}

// block renders one block at the given width.
func (r *renderer) block(n ast.Node, width int) []line {
	if width < 1 {
		width = 1
	}
	switch n := n.(type) {
	case *ast.Heading:
		return r.heading(n, width)
	case *ast.Paragraph, *ast.TextBlock:
		gs := r.inline(n)
		if len(gs) == 0 {
			return nil
		}
		return toLines(wrap(gs, width, width))
	case *ast.ThematicBreak:
		return []line{{{s: strings.Repeat("-", width), w: width, st: sDim}}}
	case *ast.FencedCodeBlock:
		info := ""
		if n.Info != nil {
			info = string(n.Info.Segment.Value(r.src))
		}
		return r.code(n.Lines(), info, width)
	case *ast.CodeBlock:
		return r.code(n.Lines(), "", width)
	case *ast.HTMLBlock:
		return r.html(n, width)
	case *ast.Blockquote:
		inner := r.children(n, width-2, false)
		return prefix(inner, span{s: "> ", w: 2, st: sDim},
			span{s: "> ", w: 2, st: sDim})
	case *ast.List:
		return r.list(n, width)
	case *east.Table:
		return r.table(n, width)
	}
	if n.HasChildren() {
		return r.children(n, width, false)
	}
	return nil
}

// heading renders a heading: level 1 underlined with "=", level 2 with
// "-", deeper levels after a "▸".
func (r *renderer) heading(n *ast.Heading, width int) []line {
	gs := restyle(r.inline(n), sBold)
	if len(gs) == 0 {
		return nil
	}
	if n.Level >= 3 {
		ls := toLines(wrap(gs, width-2, width-2))
		return prefix(ls, span{s: "▸ ", w: 2, st: sBold}, span{s: "  ", w: 2})
	}
	ls := toLines(wrap(gs, width, width))
	w := 0
	for _, l := range ls {
		if lw := l.width(); lw > w {
			w = lw
		}
	}
	rule := "="
	if n.Level == 2 {
		rule = "-"
	}
	return append(ls, line{{s: strings.Repeat(rule, w), w: w, st: sDim}})
}

// list renders a list: bullets "▪" and "◦" by depth, or numbers
// right-aligned to the widest; continuation lines are indented to the
// text of the item.
func (r *renderer) list(n *ast.List, width int) []line {
	r.listDepth++
	defer func() { r.listDepth-- }()
	count := n.ChildCount()
	marks := make([]string, 0, count)
	mw := 0
	for k := 0; k < count; k++ {
		m := bullets[(r.listDepth-1)%len(bullets)]
		if n.IsOrdered() {
			m = itoa(n.Start+k) + string(n.Marker)
		}
		marks = append(marks, m)
		if len(m) > mw {
			mw = len(m)
		}
	}
	if !n.IsOrdered() {
		mw = 1 // the bullets are one column wide
	}
	var out []line
	k := 0
	for it := n.FirstChild(); it != nil; it = it.NextSibling() {
		inner := r.children(it, width-mw-1, n.IsTight)
		if len(inner) == 0 {
			inner = []line{nil}
		}
		if k > 0 && !n.IsTight {
			out = append(out, nil)
		}
		m := marks[k]
		if n.IsOrdered() {
			m = strings.Repeat(" ", mw-len(m)) + m
		}
		first := span{s: m + " ", w: mw + 1}
		rest := span{s: strings.Repeat(" ", mw+1), w: mw + 1}
		out = append(out, prefix(inner, first, rest)...)
		k++
	}
	return out
}

var bullets = []string{"▪", "◦"}

// code renders the lines of a code block after a gutter; a line wider
// than the width continues on the next line after a ":" gutter. Tabs
// stop every 4 columns.
func (r *renderer) code(segs *text.Segments, info string, width int) []line {
	var out []line
	if strings.TrimSpace(info) == "mermaid" {
		out = append(out, line{{s: "(mermaid diagram, shown as its source)",
			w: 38, st: sDim}})
	}
	gutter := span{s: "| ", w: 2, st: sDim}
	cont := span{s: ": ", w: 2, st: sDim}
	var b strings.Builder
	for k := 0; k < segs.Len(); k++ {
		seg := segs.At(k)
		b.Write(seg.Value(r.src))
	}
	body := strings.TrimSuffix(b.String(), "\n")
	if body == "" && segs.Len() == 0 {
		return append(out, line{gutter})
	}
	for _, src := range strings.Split(body, "\n") {
		gs := codeGlyphs(src)
		pieces := splitGlyphs(gs, width-2)
		for k, p := range pieces {
			g := gutter
			if k > 0 {
				g = cont
			}
			out = append(out, append(line{g}, glyphsToLine(p)...))
		}
	}
	return out
}

// html renders an HTML block: comments (the notebook's directives among
// them) disappear, anything else is shown as text.
func (r *renderer) html(n *ast.HTMLBlock, width int) []line {
	if n.HTMLBlockType == ast.HTMLBlockType2 {
		return nil
	}
	var b strings.Builder
	for k := 0; k < n.Lines().Len(); k++ {
		seg := n.Lines().At(k)
		b.Write(seg.Value(r.src))
	}
	if n.HasClosure() {
		b.Write(n.ClosureLine.Value(r.src))
	}
	var out []line
	for _, l := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
		in := &inliner{r: r}
		in.text(l, 0, 0)
		out = append(out, toLines(wrap(in.gs, width, width))...)
	}
	return out
}

// itoa formats a small non-negative number.
func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
