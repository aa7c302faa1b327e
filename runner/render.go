package main

// The terminal: colours, and the stream a played section prints.

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tcpnotebook/tcpnotebook/runner/notebook"
	"github.com/tcpnotebook/tcpnotebook/runner/sandbox"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// style adds ANSI colours when they are wanted: on a terminal, unless
// NO_COLOR is set or TERM is dumb; anywhere with CLICOLOR_FORCE or
// FORCE_COLOR.
type style struct{ on bool }

func newStyle(getenv func(string) string, terminal bool) style {
	forced := func(v string) bool { x := getenv(v); return x != "" && x != "0" }
	switch {
	case getenv("NO_COLOR") != "":
		return style{}
	case forced("CLICOLOR_FORCE") || forced("FORCE_COLOR"):
		return style{on: true}
	case getenv("TERM") == "dumb":
		return style{}
	}
	return style{on: terminal}
}

func (s style) wrap(code, t string) string {
	if !s.on {
		return t
	}
	return "\x1b[" + code + "m" + t + "\x1b[0m"
}

func (s style) bold(t string) string { return s.wrap("1", t) }
func (s style) dim(t string) string  { return s.wrap("2", t) }
func (s style) red(t string) string  { return s.wrap("31", t) }
func (s style) cyan(t string) string { return s.wrap("36", t) }

// playView prints a section as it runs.
type playView struct {
	r        *runner
	programs int
}

func (v *playView) w() io.Writer { return v.r.out }
func (v *playView) st() style    { return v.r.style }

func (v *playView) block(b notebook.Block) {
	w, st := v.w(), v.st()
	switch b.Kind {
	case notebook.HeadingBlock:
		t := b.Text
		switch b.Level {
		case 1:
			line := strings.Repeat("═", displayWidth(t)+4)
			fmt.Fprintf(w, "\n%s\n%s\n%s\n\n", st.cyan(line), st.bold("  "+t), st.cyan(line))
		case 2:
			fmt.Fprintf(w, "\n%s\n\n", st.bold("■ "+t))
		default:
			fmt.Fprintf(w, "\n%s\n\n", st.bold("▸ "+t))
		}
	case notebook.ProseBlock:
		fmt.Fprintln(w, wrapText(renderProse(b.Markdown), 80))
		fmt.Fprintln(w)
	case notebook.CodeBlock:
		if b.Fence.Info == "mermaid" {
			fmt.Fprintln(w, st.dim("(a mermaid diagram: GitHub draws it; its source follows)"))
		}
		v.showCode(b.Fence.Content)
	}
}

func (v *playView) code(title, text string) {
	switch title {
	case "":
	case "standard input":
		fmt.Fprintln(v.w(), v.st().dim("standard input:"))
	default:
		fmt.Fprintln(v.w(), v.st().bold("── "+title+" ──"))
	}
	v.showCode(text)
}

// showCode prints code with a gutter.
func (v *playView) showCode(code string) {
	for _, l := range strings.Split(strings.TrimRight(code, "\n"), "\n") {
		fmt.Fprintln(v.w(), v.st().dim("│ ")+strings.ReplaceAll(l, "\t", "    "))
	}
	fmt.Fprintln(v.w())
}

func (v *playView) command(line, dir string) io.Writer {
	v.programs++
	fmt.Fprintln(v.w(), v.st().bold(line))
	if r := sandbox.CompiledReason(dir); r != "" {
		fmt.Fprintln(v.w(), v.st().dim("  (the interpreter cannot run "+
			filepath.Base(dir)+": "+r+"; it runs with go run instead)"))
	}
	if strings.HasSuffix(line, " &") {
		return nil
	}
	return &indentWriter{w: v.w(), prefix: "  "}
}

func (v *playView) status(code int, sig string) {
	switch {
	case code == -1:
		fmt.Fprintln(v.w(), v.st().dim("  [signal: "+sig+"]"))
	case code != 0:
		fmt.Fprintln(v.w(), v.st().dim(fmt.Sprintf("  [exit status %d]", code)))
	}
	fmt.Fprintln(v.w())
}

func (v *playView) output(title, text string) {
	if title != "" {
		fmt.Fprintln(v.w(), v.st().bold("── "+title+" ──"))
	}
	if text == "" {
		fmt.Fprintln(v.w(), v.st().dim("  (no output)"))
	} else {
		fmt.Fprintln(v.w(), indent(text, "  "))
	}
	fmt.Fprintln(v.w())
}

func (v *playView) note(text string) { fmt.Fprintln(v.w(), v.st().dim("  "+text)) }

func (v *playView) failure(msg string) { fmt.Fprintln(v.w(), v.st().red("✗ "+msg)) }

// next tells the reader how to go on after a section.
func (v *playView) next(ch *notebook.Chapter, sec *notebook.Section) {
	for k, s := range ch.Sections {
		if s == sec && k+1 < len(ch.Sections) {
			fmt.Fprintln(v.w(), v.st().dim(fmt.Sprintf("next: go run ./runner %s %s",
				ch.Name, ch.Sections[k+1].Name)))
			return
		}
	}
}

// summary ends a play.
func (v *playView) summary(sections, programs int, fails []string, took time.Duration) {
	fmt.Fprintf(v.w(), "\nplayed %d section(s), %d program(s), %d failure(s) in %.1fs\n",
		sections, programs, len(fails), took.Seconds())
	for _, f := range fails {
		fmt.Fprintln(v.w(), "  "+v.st().red("✗ ")+firstLine(f))
	}
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

var md = goldmark.New(goldmark.WithExtensions(extension.GFM))

// renderProse renders a block of Markdown prose (paragraph, list,
// quote, table) as terminal text: inline markup dropped, list items
// bulleted.
func renderProse(src string) string {
	b := []byte(src)
	root := md.Parser().Parse(text.NewReader(b))
	var out strings.Builder
	for n := root.FirstChild(); n != nil; n = n.NextSibling() {
		out.WriteString(proseText(n, b))
	}
	return strings.TrimSpace(sandbox.Escape(out.String()))
}

// proseText renders one block.
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
			for k := 0; k < n.Lines().Len(); k++ {
				seg := n.Lines().At(k)
				b.Write(seg.Value(src))
			}
		case *ast.ThematicBreak:
			b.WriteString(indent + "────\n")
		default:
			if n.Kind().String() == "Table" {
				b.WriteString(tableText(n, src))
				return
			}
			if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
				for k := 0; k < n.Lines().Len(); k++ {
					seg := n.Lines().At(k)
					b.Write(seg.Value(src))
				}
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

// wrapText wraps each line of t at width columns, breaking at spaces
// where there are any and anywhere in CJK text.
func wrapText(t string, width int) string {
	var out []string
	for _, line := range strings.Split(t, "\n") {
		cont := "" // what continuation lines start with
		switch {
		case strings.HasPrefix(line, "• "):
			cont = "  "
		case strings.HasPrefix(line, "│ "):
			cont = "│ "
		}
		for displayWidth(line) > width {
			// lastBreak is the last place a line may end: before a
			// space, or before a CJK character (Chinese needs no spaces
			// to break), but not inside a word of Latin letters.
			cut, w, lastBreak := 0, 0, -1
			for k, r := range line {
				rw := displayWidth(string(r))
				if w+rw > width {
					cut = k
					break
				}
				if r == ' ' || (rw == 2 && k > 0) {
					lastBreak = k
				}
				w += rw
			}
			if cut <= len(cont) {
				break
			}
			if r, _ := utf8.DecodeRuneInString(line[cut:]); r != ' ' &&
				displayWidth(string(r)) != 2 && lastBreak > len(cont) {
				cut = lastBreak
			}
			out = append(out, strings.TrimRight(line[:cut], " "))
			line = cont + strings.TrimLeft(line[cut:], " ")
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
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
