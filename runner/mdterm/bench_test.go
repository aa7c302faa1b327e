package mdterm

import (
	"os"
	"testing"
)

// BenchmarkRender renders one whole section, the English and the Chinese
// notes of chapter04's 12-tcp-states, at 80 columns in colour.
func BenchmarkRender(b *testing.B) {
	for _, name := range []string{"12-tcp-states.md", "12-tcp-states.zh.md"} {
		src, err := os.ReadFile("../../chapters/chapter04/" + name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				Render(src, Options{Width: 80, Color: true})
			}
		})
	}
}
