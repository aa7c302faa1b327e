package mdterm

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
)

// cond measures widths with ambiguous characters narrow, whatever the
// locale says (runewidth's default reads it from the environment).
var cond = &runewidth.Condition{EastAsianWidth: false, StrictEmojiNeutral: true}

// gkind tells what a glyph is for the line breaker.
type gkind uint8

const (
	gText  gkind = iota // something to print
	gSpace              // a space: a place to break, dropped at a break
	gSoft               // a soft line break of the source, not yet resolved
	gHard               // a hard line break
	gSkip               // nothing (a resolved soft break)
)

// glue bits: no break before or after this glyph; atomSpace marks a
// space inside inline code, where a table cell may break if it must.
const (
	glueBefore = 1 << iota
	glueAfter
	atomSpace
)

// glyph is one character (with the zero-width marks that follow it), or
// the escaped form of a control character or an invalid byte.
type glyph struct {
	s    string
	w    int
	st   style
	kind gkind
	glue uint8
	atom int32 // non-zero inside an unbreakable run (inline code, a URL)
}

// inliner flattens inline nodes to glyphs.
type inliner struct {
	r     *renderer
	gs    []glyph
	atoms int32
}

// inline flattens the inline content of n.
func (r *renderer) inline(n ast.Node) []glyph {
	in := &inliner{r: r}
	if n.Type() == ast.TypeBlock {
		size := 0
		for k := 0; k < n.Lines().Len(); k++ {
			seg := n.Lines().At(k)
			size += utf8.RuneCount(seg.Value(r.src))
		}
		in.gs = make([]glyph, 0, size)
	}
	in.walk(n, 0, 0)
	in.resolveSoft()
	return in.gs
}

func (in *inliner) walk(n ast.Node, st style, atom int32) {
	src := in.r.src
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			in.text(string(c.Segment.Value(src)), st, atom)
			switch {
			case c.HardLineBreak():
				in.gs = append(in.gs, glyph{kind: gHard})
			case c.SoftLineBreak():
				in.gs = append(in.gs, glyph{kind: gSoft})
			}
		case *ast.String:
			in.text(string(c.Value), st, atom)
		case *ast.CodeSpan:
			in.atoms++
			a := in.atoms
			var b strings.Builder
			for t := c.FirstChild(); t != nil; t = t.NextSibling() {
				switch t := t.(type) {
				case *ast.Text:
					b.Write(t.Segment.Value(src))
				case *ast.String:
					b.Write(t.Value)
				}
			}
			in.mark("`", st|sCode, a, glueAfter)
			in.text(strings.ReplaceAll(b.String(), "\n", " "), st|sCode, a)
			in.mark("`", st|sCode, a, glueBefore)
		case *ast.Emphasis:
			s, m := sItalic, "*"
			if c.Level >= 2 {
				s, m = sBold, "**"
			}
			in.mark(m, st, atom, glueAfter)
			in.walk(c, st|s, atom)
			in.mark(m, st, atom, glueBefore)
		case *east.Strikethrough:
			in.mark("~~", st, atom, glueAfter)
			in.walk(c, st|sStrike, atom)
			in.mark("~~", st, atom, glueBefore)
		case *ast.Link:
			start := len(in.gs)
			in.walk(c, st|sUnderline, atom)
			in.destination(string(c.Destination), plainText(in.gs[start:]), st)
		case *ast.Image:
			in.lit("[image: ", st|sDim, atom, glueAfter)
			start := len(in.gs)
			in.walk(c, st, atom)
			in.lit("]", st|sDim, atom, glueBefore)
			in.destination(string(c.Destination), plainText(in.gs[start:]), st)
		case *ast.AutoLink:
			in.atoms++
			in.text(string(c.Label(src)), st|sUnderline, in.atoms)
		case *ast.RawHTML:
			var b strings.Builder
			for k := 0; k < c.Segments.Len(); k++ {
				seg := c.Segments.At(k)
				b.Write(seg.Value(src))
			}
			if isBreakTag(b.String()) {
				in.gs = append(in.gs, glyph{kind: gHard})
			}
			// Other tags and comments are markup, not text.
		case *east.TaskCheckBox:
			box := "[ ]"
			if c.IsChecked {
				box = "[x]"
			}
			in.lit(box, st, atom, 0)
			in.gs = append(in.gs, glyph{kind: gSpace, s: " ", w: 1})
		default:
			in.walk(c, st, atom)
		}
	}
}

// mark adds the markup characters that stand for a style when there is
// no colour to show it; with colour the style shows itself.
func (in *inliner) mark(m string, st style, atom int32, glue uint8) {
	if !in.r.color {
		in.lit(m, st, atom, glue)
	}
}

// lit adds literal text that sticks to its neighbour as glue says.
func (in *inliner) lit(s string, st style, atom int32, glue uint8) {
	start := len(in.gs)
	in.text(s, st, atom)
	for k := start; k < len(in.gs); k++ {
		if in.gs[k].kind == gSpace {
			in.gs[k].kind = gText
		}
		in.gs[k].glue = glue
	}
}

// destination adds " (url)" after a link or image whose text is not
// already the url.
func (in *inliner) destination(dest, label string, st style) {
	bare := strings.TrimPrefix(dest, "mailto:")
	if dest == "" || label == dest || label == bare {
		return
	}
	in.gs = append(in.gs, glyph{kind: gSpace, s: " ", w: 1})
	in.atoms++
	in.text("("+dest+")", st|sDim, in.atoms)
}

// plainText is the text of glyphs, markup marks included.
func plainText(gs []glyph) string {
	var b strings.Builder
	for _, g := range gs {
		if g.kind == gText || g.kind == gSpace {
			b.WriteString(g.s)
		}
	}
	return b.String()
}

func isBreakTag(t string) bool {
	t = strings.ToLower(strings.Join(strings.Fields(t), ""))
	return t == "<br>" || t == "<br/>"
}

// text adds source text. Inside an atom spaces do not break; outside,
// tabs are spaces and newlines soft breaks.
func (in *inliner) text(s string, st style, atom int32) {
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		raw := s[:size]
		s = s[size:]
		switch {
		case (r == ' ' || r == '\t' || r == '\n') && atom != 0:
			in.gs = append(in.gs, glyph{s: " ", w: 1, st: st, atom: atom,
				glue: atomSpace})
		case r == ' ' || r == '\t':
			in.gs = append(in.gs, glyph{kind: gSpace, s: " ", w: 1, st: st})
		case r == '\n':
			in.gs = append(in.gs, glyph{kind: gSoft})
		default:
			g, zero := makeGlyph(r, raw)
			g.st, g.atom = st, atom
			if zero && len(in.gs) > 0 && in.gs[len(in.gs)-1].kind == gText {
				in.gs[len(in.gs)-1].s += g.s
				continue
			}
			in.gs = append(in.gs, g)
		}
	}
}

// makeGlyph makes the glyph of one rune decoded from raw; zero reports a
// printable rune of no width (a combining mark), which belongs to the
// glyph before it.
func makeGlyph(r rune, raw string) (g glyph, zero bool) {
	if e := escaped(r, raw); e != "" {
		return glyph{s: e, w: len(e)}, false
	}
	w := cond.RuneWidth(r)
	return glyph{s: raw, w: w}, w == 0
}

// escaped returns how a character that must not reach the terminal is
// shown, or "" for a printable one.
func escaped(r rune, raw string) string {
	switch {
	case r == utf8.RuneError && len(raw) == 1:
		return fmt.Sprintf(`\x%02x`, raw[0])
	case r < 0x20 || r == 0x7f:
		return fmt.Sprintf(`\x%02x`, r)
	case r >= 0x80 && r < 0xa0,
		r == 0x200e || r == 0x200f,
		r >= 0x202a && r <= 0x202e,
		r >= 0x2066 && r <= 0x2069:
		return fmt.Sprintf(`\u%04x`, r)
	}
	return ""
}

// codeGlyphs makes the glyphs of one line of a code block, tabs
// expanded to stops every 4 columns.
func codeGlyphs(s string) []glyph {
	var gs []glyph
	col := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		raw := s[:size]
		s = s[size:]
		if r == '\t' {
			n := 4 - col%4
			gs = append(gs, glyph{s: strings.Repeat(" ", n), w: n})
			col += n
			continue
		}
		g, zero := makeGlyph(r, raw)
		if zero && len(gs) > 0 {
			gs[len(gs)-1].s += g.s
			continue
		}
		gs = append(gs, g)
		col += g.w
	}
	return gs
}

// resolveSoft turns each soft line break into a space, or into nothing
// between two wide characters or next to full-width punctuation, as
// Chinese text is written without spaces.
func (in *inliner) resolveSoft() {
	gs := in.gs
	for k := range gs {
		if gs[k].kind != gSoft {
			continue
		}
		gs[k] = glyph{kind: gSpace, s: " ", w: 1}
		var prev, next *glyph
		if k > 0 {
			prev = &gs[k-1]
		}
		for j := k + 1; j < len(gs); j++ {
			if gs[j].kind == gText {
				next = &gs[j]
				break
			}
			if gs[j].kind != gSkip {
				break
			}
		}
		if prev == nil || next == nil || prev.kind != gText {
			continue
		}
		p, _ := utf8.DecodeRuneInString(prev.s)
		q, _ := utf8.DecodeRuneInString(next.s)
		if (prev.w == 2 && next.w == 2) || widePunct(p, prev.w) ||
			widePunct(q, next.w) {
			gs[k] = glyph{kind: gSkip}
		}
	}
}

func widePunct(r rune, w int) bool {
	return w == 2 && unicode.IsPunct(r)
}

// noStart holds what must not begin a line: closing punctuation.
const noStart = "，。、；：？！）》」』】〉〕〗〙〛｝］｠〞〟”’…‥％‰・·ー々〻" +
	"ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ" +
	",.;:!?)]}%"

// noEnd holds what must not end a line: opening punctuation.
const noEnd = "（《「『【〈〔〖〘〚｛［｟〝“‘([{"

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// canBreak reports whether a line may break between the text glyphs a
// and b, which are not separated by a space.
func canBreak(a, b glyph) bool {
	if a.atom != 0 && a.atom == b.atom {
		return false
	}
	if a.glue&glueAfter != 0 || b.glue&glueBefore != 0 || b.w == 0 {
		return false
	}
	ra, rb := firstRune(a.s), firstRune(b.s)
	if strings.ContainsRune(noStart, rb) ||
		strings.ContainsRune(noEnd, lastRune(a.s)) {
		return false
	}
	if ra == rb && (ra == '—' || ra == '…') {
		return false
	}
	return a.w == 2 || b.w == 2
}

// loosen returns a copy of glyphs in which the spaces inside inline code
// are places to break, for table cells too narrow for the code.
func loosen(gs []glyph) []glyph {
	out := append([]glyph(nil), gs...)
	for k := range out {
		if out[k].glue&atomSpace != 0 {
			out[k].kind = gSpace
		}
	}
	return out
}

// word is a run of glyphs that no line break may split (unless it is
// wider than the line), and what comes before it.
type word struct {
	gs    []glyph // a part of the glyphs given to words
	start int     // where gs starts in them
	w     int
	space *glyph // the space before it, if any
	hard  bool   // a hard line break before it
}

// words splits glyphs at spaces and at the places canBreak allows.
func words(gs []glyph) []word {
	ws := make([]word, 0, len(gs)/4+1)
	var cur word
	start, last := -1, -1 // the current word's first and last text glyphs
	var space *glyph
	hard := false
	flush := func() {
		if start >= 0 {
			cur.gs = gs[start : last+1 : last+1]
			cur.start = start
			ws = append(ws, cur)
		}
		cur, start = word{}, -1
	}
	for k := range gs {
		g := &gs[k]
		switch g.kind {
		case gSpace:
			flush()
			if space == nil {
				space = g
			}
		case gHard:
			flush()
			hard, space = true, nil
		case gText:
			if start >= 0 && canBreak(gs[last], *g) {
				flush()
			}
			if start < 0 {
				if space != nil && !hard && len(ws) > 0 &&
					(strings.ContainsRune(noStart, firstRune(g.s)) ||
						g.glue&glueBefore != 0) {
					// A space before closing punctuation does not let
					// the punctuation start a line: the word before,
					// the spaces and this glyph go together.
					cur = ws[len(ws)-1]
					ws = ws[:len(ws)-1]
					start = cur.start
					for j := start + len(cur.gs); j < k; j++ {
						cur.w += gs[j].w
					}
				} else {
					start = k
					cur.space, cur.hard = space, hard
				}
				space, hard = nil, false
			}
			last = k
			cur.w += g.w
		}
	}
	flush()
	return ws
}

// wrap breaks glyphs into lines of at most width columns (rest for the
// lines after the first). Only a word wider than the line is split.
func wrap(gs []glyph, width, rest int) [][]glyph {
	if width < 1 {
		width = 1
	}
	if rest < 1 {
		rest = 1
	}
	// The lines are consecutive parts of one buffer: each glyph goes in
	// once, with at most one space before each word.
	buf := make([]glyph, 0, len(gs)+len(gs)/2+1)
	var lines [][]glyph
	from, lw := 0, 0
	limit := width
	newline := func() {
		lines = append(lines, buf[from:len(buf):len(buf)])
		from, lw, limit = len(buf), 0, rest
	}
	queue := words(gs)
	for len(queue) > 0 {
		wd := queue[0]
		queue = queue[1:]
		if wd.hard {
			newline()
		}
		sep := 0
		if lw > 0 && wd.space != nil {
			sep = 1
		}
		if lw > 0 && lw+sep+wd.w > limit {
			newline()
			sep = 0
		}
		if sep > 0 {
			sp := *wd.space
			sp.kind = gText
			buf = append(buf, sp)
			lw++
		}
		if wd.w <= limit-lw {
			buf = append(buf, wd.gs...)
			lw += wd.w
			continue
		}
		// A word wider than the line (which it starts, being wider
		// than the rest of any line). Inline code breaks at its spaces
		// first, anything else is cut.
		if parts := words(loosen(wd.gs)); len(parts) > 1 {
			queue = append(parts, queue...)
			continue
		}
		for k, p := range splitGlyphs(wd.gs, limit) {
			if k > 0 {
				newline()
			}
			buf = append(buf, p...)
			lw = glyphsWidth(p)
		}
	}
	if len(buf) > from || len(lines) == 0 {
		newline()
	}
	return lines
}

// splitGlyphs cuts glyphs into pieces of at most width columns (a glyph
// wider than width gets a piece of its own), before a space when it
// can, never starting a piece with closing punctuation nor ending one
// with opening punctuation when the glyph before can go along.
func splitGlyphs(gs []glyph, width int) [][]glyph {
	if width < 1 {
		width = 1
	}
	var out [][]glyph
	for len(gs) > 0 {
		w, k := 0, 0
		for k < len(gs) && (k == 0 || w+gs[k].w <= width) {
			w += gs[k].w
			k++
		}
		// Code reads better cut before a space, if there is one in the
		// second half of the piece.
		if k < len(gs) {
			for j := k; j > k/2 && j > 1; j-- {
				if isBlank(gs[j]) && !isBlank(gs[j-1]) {
					k = j
					break
				}
			}
		}
		// Keep closing punctuation off the start of the next piece,
		// opening punctuation off the end of this one, and spaces at
		// the start of the next piece, where they stay visible (a line
		// loses its trailing spaces).
		for k < len(gs) && k > 1 &&
			(strings.ContainsRune(noStart, firstRune(gs[k].s)) ||
				strings.ContainsRune(noEnd, lastRune(gs[k-1].s)) ||
				isBlank(gs[k-1])) {
			k--
		}
		out = append(out, gs[:k])
		gs = gs[k:]
	}
	if len(out) == 0 {
		out = append(out, nil)
	}
	return out
}

func isBlank(g glyph) bool {
	return g.s != "" && strings.Trim(g.s, " ") == ""
}

func glyphsWidth(gs []glyph) int {
	w := 0
	for _, g := range gs {
		w += g.w
	}
	return w
}
