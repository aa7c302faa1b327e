package notebook

import (
	"fmt"
	"path/filepath"
	"strings"
)

// IndexFile is the chapter index of a language.
func (ch *Chapter) IndexFile(lang string) string {
	if lang == "zh" {
		return filepath.Join(ch.Dir, "README.zh.md")
	}
	return filepath.Join(ch.Dir, "README.md")
}

// TOC is the table of contents of the chapter in lang, as the index
// holds it between nb:toc and nb:end: each section's title, linked,
// with the programs it runs. Sections that did not load are listed
// under their name.
func (ch *Chapter) TOC(lang string) string {
	var b strings.Builder
	b.WriteString("\n\n")
	for k, s := range ch.Sections {
		file := s.En
		if lang == "zh" {
			file = s.Zh
		}
		title := s.Name
		var progs []string
		if d := s.Doc(lang); d != nil {
			if d.Title != "" {
				title = d.Title
			}
			for _, p := range ch.Programs(d) {
				progs = append(progs, "[`"+p+"`]("+p+"/"+p+".go)")
			}
		}
		fmt.Fprintf(&b, "%d. [%s](%s)", k+1, title, filepath.Base(file))
		if len(progs) > 0 {
			b.WriteString(": " + strings.Join(progs, ", "))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	return b.String()
}

// IndexTOC finds the table of contents in a parsed index: the text
// between nb:toc and nb:end, as byte offsets.
func IndexTOC(doc *Doc) (start, end int, err error) {
	start, end, ok := doc.Region("toc")
	if !ok {
		return 0, 0, fmt.Errorf("%s:1: the index needs <!-- nb:toc --> and "+
			"<!-- nb:end --> around its table of contents", doc.Path)
	}
	return start, end, nil
}

// Nav is the navigation of section s in lang, as the section holds it
// between nb:nav and nb:end: the previous section, the index, the next
// section, the source of the programs it shows, and the command that
// plays it.
func (ch *Chapter) Nav(s *Section, lang string) string {
	words := map[string][3]string{
		"en": {"Previous: ", "Index", "Next: "},
		"zh": {"上一节：", "目录", "下一节："},
	}[lang]
	colon := map[string]string{"en": ": ", "zh": "："}[lang]
	play := map[string]string{"en": "Run this section", "zh": "在终端里运行本节"}[lang]
	source := map[string]string{"en": "Source", "zh": "源代码"}[lang]
	file := func(t *Section) string {
		if lang == "zh" {
			return filepath.Base(t.Zh)
		}
		return filepath.Base(t.En)
	}
	title := func(t *Section) string {
		if d := t.Doc(lang); d != nil && d.Title != "" {
			return d.Title
		}
		return t.Name
	}
	index := "README.md"
	if lang == "zh" {
		index = "README.zh.md"
	}
	var links []string
	for k, t := range ch.Sections {
		if t != s {
			continue
		}
		if k > 0 {
			p := ch.Sections[k-1]
			links = append(links, fmt.Sprintf("← %s[%s](%s)", words[0], title(p), file(p)))
		}
		links = append(links, fmt.Sprintf("[%s](%s)", words[1], index))
		if k+1 < len(ch.Sections) {
			n := ch.Sections[k+1]
			links = append(links, fmt.Sprintf("%s[%s](%s) →", words[2], title(n), file(n)))
		}
	}
	var b strings.Builder
	b.WriteString("\n\n---\n\n")
	b.WriteString(strings.Join(links, " · ") + "\n")
	if d := s.Doc(lang); d != nil {
		var files []string
		seen := map[string]bool{}
		for _, dir := range d.Directives {
			f := ""
			switch {
			case dir.Spec.File:
				f = dir.File
			case dir.Spec.Program:
				if pf, err := ProgramFile(filepath.Join(ch.Dir, dir.Program)); err == nil {
					f = dir.Program + "/" + filepath.Base(pf)
				}
			}
			if f != "" && !seen[f] {
				seen[f] = true
				files = append(files, fmt.Sprintf("[`%s`](%s)", f, f))
			}
		}
		if len(files) > 0 {
			fmt.Fprintf(&b, "\n%s%s%s\n", source, colon, strings.Join(files, ", "))
		}
	}
	fmt.Fprintf(&b, "\n%s%s`go run ./runner %s %s`\n\n", play, colon, ch.Name, s.Name)
	return b.String()
}
