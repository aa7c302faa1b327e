package mdterm

import (
	"strings"

	east "github.com/yuin/goldmark/extension/ast"
)

// colSep separates the columns of a table.
const colSep = " | "

// table renders a GFM table as a grid fitted to the width, or as one
// record per block when its columns cannot be made narrow enough.
func (r *renderer) table(t *east.Table, width int) []line {
	var rows [][][]glyph // rows[0] is the header
	n := len(t.Alignments)
	for row := t.FirstChild(); row != nil; row = row.NextSibling() {
		var cells [][]glyph
		for c := row.FirstChild(); c != nil; c = c.NextSibling() {
			gs := r.inline(c)
			if _, ok := row.(*east.TableHeader); ok {
				gs = restyle(gs, sBold)
			}
			cells = append(cells, gs)
		}
		if len(cells) > n {
			n = len(cells)
		}
		rows = append(rows, cells)
	}
	if n == 0 || len(rows) == 0 {
		return nil
	}
	for k := range rows {
		for len(rows[k]) < n {
			rows[k] = append(rows[k], nil)
		}
	}
	align := make([]east.Alignment, n)
	copy(align, t.Alignments)

	avail := width - len(colSep)*(n-1)
	if widths, ok := fit(measure(rows, n, avail)); ok {
		r.grids++
		return r.grid(rows, widths, align)
	}
	// Inline code too long for its column may break at its spaces (wrap
	// does that to a word wider than the line).
	loose := make([][][]glyph, len(rows))
	for k, row := range rows {
		loose[k] = make([][]glyph, len(row))
		for c, gs := range row {
			loose[k][c] = loosen(gs)
		}
	}
	if widths, ok := fit(measure(loose, n, avail)); ok {
		r.grids++
		return r.grid(rows, widths, align)
	}
	r.records++
	return r.recordBlocks(rows, width)
}

// measure returns the natural width of each column (its widest cell on
// one line) and its least width (its widest word), and passes avail on.
func measure(rows [][][]glyph, n, avail int) (natural, least []int, _ int) {
	natural, least = make([]int, n), make([]int, n)
	for _, row := range rows {
		for c, gs := range row {
			for _, l := range wrap(gs, 1<<30, 1<<30) {
				if w := glyphsWidth(l); w > natural[c] {
					natural[c] = w
				}
			}
			for _, wd := range words(gs) {
				if wd.w > least[c] {
					least[c] = wd.w
				}
			}
		}
	}
	return natural, least, avail
}

// fit chooses column widths that add up to at most avail: the natural
// ones if they fit, else the widest columns narrowed one column at a time
// but none below its least width. ok is false when even the least widths
// do not fit.
func fit(natural, least []int, avail int) (widths []int, ok bool) {
	least = append([]int(nil), least...)
	widths = append([]int(nil), natural...)
	sum, min := 0, 0
	for c := range widths {
		if widths[c] < 1 {
			widths[c] = 1
		}
		if least[c] < 1 {
			least[c] = 1
		}
		sum += widths[c]
		min += least[c]
	}
	if sum <= avail {
		return widths, true
	}
	if min > avail {
		return nil, false
	}
	for sum > avail {
		widest := -1
		for c := range widths {
			if widths[c] > least[c] && (widest < 0 || widths[c] > widths[widest]) {
				widest = c
			}
		}
		widths[widest]--
		sum--
	}
	return widths, true
}

// grid draws the table with its columns at the given widths. When a row
// takes more than one line, a line of bare column separators sets the
// rows apart.
func (r *renderer) grid(rows [][][]glyph, widths []int, align []east.Alignment) []line {
	cellLines := make([][][][]glyph, len(rows))
	tall := false
	for k, row := range rows {
		cellLines[k] = make([][][]glyph, len(row))
		for c, gs := range row {
			cellLines[k][c] = wrap(gs, widths[c], widths[c])
			if k > 0 && len(cellLines[k][c]) > 1 {
				tall = true
			}
		}
	}
	sep := span{s: colSep, w: len(colSep), st: sDim}
	var out []line
	for k := range rows {
		if k > 1 && tall {
			var l line
			for c, w := range widths {
				if c > 0 {
					l = append(l, sep)
				}
				l = append(l, span{s: strings.Repeat(" ", w), w: w})
			}
			out = append(out, l)
		}
		height := 0
		for _, cl := range cellLines[k] {
			if len(cl) > height {
				height = len(cl)
			}
		}
		for i := 0; i < height; i++ {
			var l line
			for c, w := range widths {
				if c > 0 {
					l = append(l, sep)
				}
				var gs []glyph
				if i < len(cellLines[k][c]) {
					gs = cellLines[k][c][i]
				}
				l = append(l, aligned(gs, w, align[c])...)
			}
			out = append(out, l)
		}
		if k == 0 {
			var l line
			for c, w := range widths {
				s := strings.Repeat("-", w)
				if c > 0 {
					s = "-+-" + s
				}
				l = append(l, span{s: s, w: len(s), st: sDim})
			}
			out = append(out, l)
		}
	}
	return out
}

// aligned pads a line of a cell to width w as the column's alignment says.
func aligned(gs []glyph, w int, a east.Alignment) line {
	free := w - glyphsWidth(gs)
	if free < 0 {
		free = 0
	}
	left := 0
	switch a {
	case east.AlignRight:
		left = free
	case east.AlignCenter:
		left = free / 2
	}
	var l line
	if left > 0 {
		l = append(l, span{s: strings.Repeat(" ", left), w: left})
	}
	l = append(l, glyphsToLine(gs)...)
	if free-left > 0 {
		l = append(l, span{s: strings.Repeat(" ", free-left), w: free - left})
	}
	return l
}

// recordBlocks prints each row as a block of "header: value" lines: the first
// column flush left, the others indented by two, continuation lines by
// two more. A column without a header shows its value alone.
func (r *renderer) recordBlocks(rows [][][]glyph, width int) []line {
	header := rows[0]
	var out []line
	for k, row := range rows[1:] {
		if k > 0 {
			out = append(out, nil)
		}
		for c, v := range row {
			var gs []glyph
			if len(header[c]) > 0 {
				gs = append(gs, header[c]...)
				gs = append(gs, glyph{s: ":", w: 1, st: sBold},
					glyph{kind: gSpace, s: " ", w: 1})
			}
			gs = append(gs, v...)
			indent := 0
			if c > 0 {
				indent = 2
			}
			ls := toLines(wrap(gs, width-indent, width-indent-2))
			out = append(out, prefix(ls,
				span{s: strings.Repeat(" ", indent), w: indent},
				span{s: strings.Repeat(" ", indent+2), w: indent + 2})...)
		}
	}
	return out
}
