package mdterm

import "strings"

// style is a set of text attributes.
type style uint8

const (
	sBold style = 1 << iota
	sDim
	sItalic
	sUnderline
	sStrike
	sCode
)

// sgr returns the SGR parameters of a style ("1;36"), or "" for none.
func (s style) sgr() string {
	var p []string
	for _, a := range []struct {
		bit  style
		code string
	}{{sBold, "1"}, {sDim, "2"}, {sItalic, "3"}, {sUnderline, "4"},
		{sStrike, "9"}, {sCode, "36"}} {
		if s&a.bit != 0 {
			p = append(p, a.code)
		}
	}
	return strings.Join(p, ";")
}

// span is a run of text in one style; w is its width in columns.
type span struct {
	s  string
	w  int
	st style
}

// line is one output line; nil is an empty line.
type line []span

func (l line) width() int {
	w := 0
	for _, s := range l {
		w += s.w
	}
	return w
}

// prefix puts first before the first line and rest before the others.
func prefix(ls []line, first, rest span) []line {
	out := make([]line, len(ls))
	for k, l := range ls {
		p := rest
		if k == 0 {
			p = first
		}
		out[k] = append(line{p}, l...)
	}
	return out
}

// glyphsToLine merges glyphs of one style into spans.
func glyphsToLine(gs []glyph) line {
	var l line
	for _, g := range gs {
		if g.w == 0 && g.s == "" {
			continue
		}
		if n := len(l); n > 0 && l[n-1].st == g.st {
			l[n-1].s += g.s
			l[n-1].w += g.w
			continue
		}
		l = append(l, span{s: g.s, w: g.w, st: g.st})
	}
	return l
}

func toLines(gls [][]glyph) []line {
	out := make([]line, len(gls))
	for k, gs := range gls {
		out[k] = glyphsToLine(gs)
	}
	return out
}

// restyle adds st to every glyph.
func restyle(gs []glyph, st style) []glyph {
	for k := range gs {
		gs[k].st |= st
	}
	return gs
}

// finish joins the lines, without trailing spaces, with SGR sequences
// around styled spans when colour is on. Leading and trailing blank
// lines are dropped.
func (r *renderer) finish(ls []line) string {
	var b strings.Builder
	blank := 0
	started := false
	for _, l := range ls {
		l = trimRight(l)
		if len(l) == 0 {
			blank++
			continue
		}
		if started {
			for ; blank > 0; blank-- {
				b.WriteByte('\n')
			}
			b.WriteByte('\n')
		}
		started, blank = true, 0
		for k := 0; k < len(l); {
			// One sequence for a run of spans of one style.
			j, st := k, l[k].st
			if !r.color {
				st = 0
			}
			p := st.sgr()
			if p != "" {
				b.WriteString("\x1b[" + p + "m")
			}
			for ; j < len(l) && (!r.color || l[j].st == l[k].st); j++ {
				b.WriteString(l[j].s)
			}
			if p != "" {
				b.WriteString("\x1b[0m")
			}
			k = j
		}
	}
	if started {
		b.WriteByte('\n')
	}
	return b.String()
}

// trimRight drops the trailing spaces of a line.
func trimRight(l line) line {
	for len(l) > 0 {
		last := l[len(l)-1]
		t := strings.TrimRight(last.s, " ")
		if t == "" {
			l = l[:len(l)-1]
			continue
		}
		if len(t) < len(last.s) {
			l = append(line{}, l...)
			l[len(l)-1] = span{s: t, w: last.w - (len(last.s) - len(t)),
				st: last.st}
		}
		break
	}
	return l
}
