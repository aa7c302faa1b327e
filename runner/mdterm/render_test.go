package mdterm

import (
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		width int
		color bool
		want  string
	}{
		{"empty", "", 80, false, ""},
		{"comment only", "<!-- nb:run endian -->\n", 80, false, ""},
		{"comment dropped", "a\n\n<!-- nb:cell -->\n\nb\n", 80, false, "a\n\nb\n"},
		{"inline comment dropped", "a <!-- x --> b\n", 80, false, "a b\n"},
		{"width 0 is 80", strings.Repeat("abcd ", 20), 0, false,
			strings.TrimSpace(strings.Repeat("abcd ", 16)) + "\n" +
				strings.TrimSpace(strings.Repeat("abcd ", 4)) + "\n"},
		{"latin breaks at spaces", "one two three four", 9, false, "one two\nthree\nfour\n"},
		{"long word is cut", "abcdefghij kl", 4, false, "abcd\nefgh\nij\nkl\n"},
		{"code span kept whole", "aa `b c` dd", 6, false, "aa\n`b c`\ndd\n"},
		{"long code span breaks at its spaces", "x `aaa bbb ccc`", 9, false, "x\n`aaa bbb\nccc`\n"},
		{"crlf", "a\r\nb\r\n", 80, false, "a b\n"},

		// Chinese: breaks between characters, never before closing
		// punctuation nor after opening punctuation.
		{"cjk breaks anywhere", "一二三四五六七八", 6, false, "一二三\n四五六\n七八\n"},
		{"no closing punctuation first", "一二三，四五六", 6, false, "一二\n三，四\n五六\n"},
		{"two closing marks stay with the character", "一二三）。四", 6, false, "一二\n三）。\n四\n"},
		{"no opening punctuation last", "一二（三四）五", 6, false, "一二\n（三\n四）五\n"},
		{"closing quote", "一二“三四”五", 8, false, "一二“三\n四”五\n"},
		{"code then closing punctuation", "一二 `abc`，三", 9, false, "一二\n`abc`，三\n"},
		{"soft break between cjk vanishes", "中文\n中文", 80, false, "中文中文\n"},
		{"soft break after full-width comma vanishes", "中文，\nabc", 80, false, "中文，abc\n"},
		{"soft break before latin is a space", "中文\nabc", 80, false, "中文 abc\n"},
		{"hard break", "a  \nb\\\nc", 80, false, "a\nb\nc\n"},

		{"heading 1", "# Title", 80, false, "Title\n=====\n"},
		{"heading 2 cjk", "## 标题", 80, false, "标题\n----\n"},
		{"heading 3", "### socket\n", 80, false, "▸ socket\n"},
		{"thematic break", "a\n\n***\n\nb", 10, false, "a\n\n----------\n\nb\n"},
		{"quote keeps its marker", "> aaa bbb ccc", 9, false, "> aaa bbb\n> ccc\n"},
		{"quote with two paragraphs", "> a\n>\n> b", 80, false, "> a\n>\n> b\n"},
		{"nested bullets", "- a\n  - b\n    - c\n- d", 80, false, "▪ a\n  ◦ b\n    ▪ c\n▪ d\n"},
		{"item continuation indented", "- aaa bbb ccc", 9, false, "▪ aaa bbb\n  ccc\n"},
		{"ordered numbers aligned", "9. a\n10. b\n", 80, false, " 9. a\n10. b\n"},
		{"ordered continuation", "1. aaa bbb", 7, false, "1. aaa\n   bbb\n"},
		{"loose list", "- a\n\n- b\n", 80, false, "▪ a\n\n▪ b\n"},
		{"task list", "- [x] done\n- [ ] todo\n", 80, false, "▪ [x] done\n▪ [ ] todo\n"},
		{"list in quote", "> - aaa bbb", 9, false, "> ▪ aaa\n>   bbb\n"},

		{"link", "see [the echo section](06-echo.md).", 80, false,
			"see the echo section (06-echo.md).\n"},
		{"link that is its url", "[https://go.dev](https://go.dev)", 80, false, "https://go.dev\n"},
		{"autolink", "<https://go.dev>", 80, false, "https://go.dev\n"},
		{"image", "![a plot](p.svg)", 80, false, "[image: a plot] (p.svg)\n"},
		{"emphasis marks without colour", "*a* **b** ~~c~~ `d`", 80, false, "*a* **b** ~~c~~ `d`\n"},
		{"styles with colour", "*a* **b** `d` [l](u)", 80, true,
			"\x1b[3ma\x1b[0m \x1b[1mb\x1b[0m \x1b[36md\x1b[0m \x1b[4ml\x1b[0m \x1b[2m(u)\x1b[0m\n"},
		{"heading with colour", "## T", 80, true, "\x1b[1mT\x1b[0m\n\x1b[2m-\x1b[0m\n"},

		{"code gutter and tabs", "```go\nfunc f() {\n\tx := 1\n}\n```", 80, false,
			"| func f() {\n|     x := 1\n| }\n"},
		{"code wraps after a colon gutter", "```\nabcdefghij\n```", 6, false, "| abcd\n: efgh\n: ij\n"},
		{"code wrap keeps spaces visible", "```\nab cd\n```", 5, false, "| ab\n:  cd\n"},
		{"mermaid labelled", "```mermaid\ngraph\n```", 80, false,
			"(mermaid diagram, shown as its source)\n| graph\n"},
		{"empty code block", "```\n```", 80, false, "|\n"},
		{"indented code", "    x\n", 80, false, "| x\n"},

		{"escapes", "a\x1b[31mb \x00 \xff \x7f \u0085 \u202e `\x1b`", 80, false,
			"a\\x1b[31mb \\x00 \\xff \\x7f \\u0085 \\u202e `\\x1b`\n"},
		{"escape in code block", "```\na\x1bb\n```", 80, false, "| a\\x1bb\n"},
		{"html block shown", "<div>\nhi\n</div>\n", 80, false, "<div>\nhi\n</div>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Render([]byte(tt.src), Options{Width: tt.width, Color: tt.color})
			if got != tt.want {
				t.Errorf("Render(%q, width %d)\n got: %q\nwant: %q", tt.src, tt.width, got, tt.want)
			}
		})
	}
}

func TestTable(t *testing.T) {
	const src = "| a | long header | r |\n|:---|:---:|---:|\n| 1 | x | 22 |\n| 333 | yy | 4 |\n"
	tests := []struct {
		name  string
		src   string
		width int
		want  string
	}{
		{"natural widths and alignment", src, 80,
			"a   | long header |  r\n" +
				"----+-------------+---\n" +
				"1   |      x      | 22\n" +
				"333 |     yy      |  4\n"},
		{"widest column shrinks and wraps", src, 18,
			"a   |  long   |  r\n" +
				"    | header  |\n" +
				"----+---------+---\n" +
				"1   |    x    | 22\n" +
				"333 |   yy    |  4\n"},
		{"records when the columns cannot fit", src, 15,
			"a: 1\n  long header:\n    x\n  r: 22\n\na: 333\n  long header:\n    yy\n  r: 4\n"},
		{"tall rows set apart", "| k | v |\n|---|---|\n| a | b c |\n| d | e |\n", 6,
			"k | v\n--+---\na | b\n  | c\n  |\nd | e\n"},
		{"empty header shows the value alone", "| | v |\n|---|---|\n| row | some words here |\n", 10,
			"row\n  v: some\n    words\n    here\n"},
		{"cjk cell", "| 场景 | 说明 |\n|---|---|\n| 一 | 队列满了，再来的丢弃 |\n", 17,
			"场景 | 说明\n-----+-----------\n一   | 队列满了，\n     | 再来的丢弃\n"},
		{"code in a narrow cell breaks at its spaces", "| c |\n|---|\n| `a b c d` |\n", 6,
			"c\n------\n`a b c\nd`\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Render([]byte(tt.src), Options{Width: tt.width})
			if got != tt.want {
				t.Errorf("width %d\n got:\n%s\nwant:\n%s", tt.width, got, tt.want)
			}
		})
	}
}

func TestFit(t *testing.T) {
	tests := []struct {
		natural, least []int
		avail          int
		want           []int
		ok             bool
	}{
		{[]int{5, 10}, []int{3, 4}, 20, []int{5, 10}, true},
		{[]int{5, 10}, []int{3, 4}, 12, []int{5, 7}, true},
		{[]int{10, 10}, []int{3, 4}, 12, []int{6, 6}, true},
		{[]int{10, 10}, []int{3, 8}, 12, []int{4, 8}, true},
		{[]int{10, 10}, []int{5, 8}, 12, nil, false},
		{[]int{0, 3}, []int{0, 3}, 4, []int{1, 3}, true},
	}
	for _, tt := range tests {
		got, ok := fit(tt.natural, tt.least, tt.avail)
		if ok != tt.ok || strings.Trim(strings.Join(strings.Fields(fmtInts(got)), ","), "[]") !=
			strings.Trim(strings.Join(strings.Fields(fmtInts(tt.want)), ","), "[]") {
			t.Errorf("fit(%v, %v, %d) = %v, %v; want %v, %v",
				tt.natural, tt.least, tt.avail, got, ok, tt.want, tt.ok)
		}
	}
}

func fmtInts(v []int) string {
	var b strings.Builder
	for _, n := range v {
		b.WriteString(itoa(n) + " ")
	}
	return b.String()
}
