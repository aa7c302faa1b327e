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
	var toc, stop *Directive
	for _, d := range doc.Directives {
		switch {
		case d.Kind == "toc" && toc == nil:
			toc = d
		case d.Kind == "end" && toc != nil && stop == nil:
			stop = d
		}
	}
	if toc == nil || stop == nil {
		return 0, 0, fmt.Errorf("%s:1: the index needs <!-- nb:toc --> and "+
			"<!-- nb:end --> around its table of contents", doc.Path)
	}
	return toc.End, stop.Start, nil
}
