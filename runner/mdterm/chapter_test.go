package mdterm

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// chapterFiles are the notes the property tests render.
func chapterFiles(t testing.TB) []string {
	files, err := filepath.Glob("../../chapters/chapter04/*.md")
	if err != nil || len(files) < 32 {
		t.Fatalf("chapter04 notes: found %d files (%v)", len(files), err)
	}
	return files
}

// delimRowRE matches the delimiter row under a table's header.
var delimRowRE = regexp.MustCompile(`(?m)^\|? *:?-+:? *\|[-|: ]*$`)

var sgrRE = regexp.MustCompile("\x1b\\[[0-9;]*m")

// closingCJK is the punctuation that must not start a line.
const closingCJK = "，。、；：？！）》」』】〉〕〗〙〛｝］”’…"

// openingCJK is the punctuation that must not end a line.
const openingCJK = "（《「『【〈〔〖〘〚｛［“‘"

// pieces splits a rendered line into what the breaker laid out: the
// text after quote markers, gutters and bullets, one piece per table
// cell.
func pieces(l string) []string {
	var out []string
	for _, p := range strings.Split(l, " | ") {
		p = markerRE.ReplaceAllString(p, "")
		out = append(out, strings.TrimSpace(p))
	}
	return out
}

var markerRE = regexp.MustCompile(`^(?:[>|:▪◦▸] |[0-9]+\. | )*`)

// TestChapterProperties renders every note of chapter04 at several
// widths, with and without colour, and checks what must hold whatever
// the text: no line wider than the width, no line (or table cell line)
// starting with closing CJK punctuation or ending with opening
// punctuation, no escape sequence or control character without colour,
// and every word of the source in the output.
func TestChapterProperties(t *testing.T) {
	for _, path := range chapterFiles(t) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		want := sourceTokens(src)
		for _, w := range []int{40, 60, 80, 120} {
			plain := Render(src, Options{Width: w})
			color := Render(src, Options{Width: w, Color: true})
			if strings.ContainsAny(plain, "\x1b\r\t\x00") {
				t.Errorf("%s w%d: escape or control character without colour", name, w)
			}
			for k, l := range strings.Split(strings.TrimSuffix(plain, "\n"), "\n") {
				if lw := cond.StringWidth(l); lw > w {
					t.Errorf("%s w%d line %d: %d columns: %q", name, w, k+1, lw, l)
				}
				for _, p := range pieces(l) {
					if r, _ := utf8.DecodeRuneInString(p); strings.ContainsRune(closingCJK, r) {
						t.Errorf("%s w%d line %d starts with %q: %q", name, w, k+1, r, l)
					}
					if r, _ := utf8.DecodeLastRuneInString(p); strings.ContainsRune(openingCJK, r) {
						t.Errorf("%s w%d line %d ends with %q: %q", name, w, k+1, r, l)
					}
				}
			}
			got := outputTokens(color)
			for tok, n := range want {
				if got[tok] < n && cond.StringWidth(tok) <= w-10 {
					t.Errorf("%s w%d: %q appears %d times in the source, %d in the output",
						name, w, tok, n, got[tok])
				}
			}
		}
	}
}

// TestChapterFigures logs, for the report, how chapter04 renders at
// width 80: how many tables stay tables and how many lines start with
// closing punctuation (go test ./runner/mdterm -run Figures -v).
func TestChapterFigures(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		tables, grids, records, lines, closing := 0, 0, 0, 0, 0
		for _, path := range chapterFiles(t) {
			if strings.HasSuffix(path, ".zh.md") != (lang == "zh") {
				continue
			}
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			tables += len(delimRowRE.FindAll(src, -1))
			r, out := render(src, false, 80)
			grids += r.grids
			records += r.records
			for _, l := range strings.Split(out, "\n") {
				lines++
				for _, p := range pieces(l) {
					if r, _ := utf8.DecodeRuneInString(p); strings.ContainsRune(closingCJK, r) {
						closing++
					}
				}
			}
		}
		if grids+records != tables {
			t.Errorf("%s: of %d tables, %d drawn as tables, %d as records at width 80",
				lang, tables, grids, records)
		}
		t.Logf("%s at width 80: %d lines; of %d tables, %d drawn as tables, %d as records; %d lines starting with closing punctuation",
			lang, lines, tables, grids, records, closing)
	}
}

// sourceTokens collects the words of the text of a note, read from
// goldmark's tree independently of the renderer: text, inline code, code
// blocks, HTML other than comments.
func sourceTokens(src []byte) map[string]int {
	root := md.Parser().Parse(text.NewReader(src))
	var b strings.Builder
	ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			if n.Type() == ast.TypeBlock || n.Kind() == ast.KindLink ||
				n.Kind() == ast.KindImage {
				b.WriteByte(' ')
			}
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Text:
			b.Write(n.Segment.Value(src))
			if n.SoftLineBreak() || n.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(n.Value)
		case *ast.AutoLink:
			b.Write(n.Label(src))
			b.WriteByte(' ')
		case *ast.FencedCodeBlock, *ast.CodeBlock:
			for k := 0; k < n.Lines().Len(); k++ {
				seg := n.Lines().At(k)
				b.Write(seg.Value(src))
			}
		case *ast.HTMLBlock:
			if n.HTMLBlockType == ast.HTMLBlockType2 {
				return ast.WalkSkipChildren, nil
			}
			for k := 0; k < n.Lines().Len(); k++ {
				seg := n.Lines().At(k)
				b.Write(seg.Value(src))
			}
		case *ast.RawHTML:
			return ast.WalkSkipChildren, nil

		case *east.TaskCheckBox:
		}
		return ast.WalkContinue, nil
	})
	return tokens(b.String())
}

var (
	// contRE matches the start of a continued line of code: the
	// newline, quote markers and indentation, then the ":" gutter.
	contRE = regexp.MustCompile("\n(?:\x1b\\[2m(?:> )*\x1b\\[0m| )*\x1b\\[2m(?:> )*: \x1b\\[0m")
	// dimRE matches what the renderer draws dim: rules, borders,
	// gutters, link destinations.
	dimRE = regexp.MustCompile(" ?\x1b\\[(?:[0-9;]*;)?2(?:;[0-9;]*)?m[^\x1b]*\x1b\\[0m")
)

// outputTokens collects the words of text rendered in colour, joining
// the lines of code that the renderer continued after a ":" gutter and
// leaving out what it drew dim.
func outputTokens(out string) map[string]int {
	out = contRE.ReplaceAllString(out, "")
	out = dimRE.ReplaceAllString(out, " ")
	return tokens(sgrRE.ReplaceAllString(out, ""))
}

// tokens splits text into words: each wide character alone, runs of
// other characters between spaces; a final ":" is dropped (records add
// one after a header), and so is a final ",": a link shown without its
// destination (its text is the destination) runs into the comma after
// it, where the source has a link node between them.
func tokens(s string) map[string]int {
	m := map[string]int{}
	for _, f := range strings.Fields(s) {
		run := ""
		flush := func() {
			if run = strings.TrimSuffix(strings.TrimSuffix(run, ":"), ","); run != "" {
				m[run]++
			}
			run = ""
		}
		for _, r := range f {
			if cond.RuneWidth(r) == 2 {
				flush()
				m[string(r)]++
				continue
			}
			run += string(r)
		}
		flush()
	}
	return m
}
