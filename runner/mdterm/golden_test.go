package mdterm

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden renders each excerpt in testdata at widths 60, 80 and 120
// (and tables at 40, where some fall back to records) and compares with
// testdata/golden/NAME.wWIDTH.txt. The errata also render in colour.
// go test ./runner/mdterm -update rewrites the golden files.
func TestGolden(t *testing.T) {
	srcs, err := filepath.Glob("testdata/*.md")
	if err != nil || len(srcs) == 0 {
		t.Fatalf("no excerpts in testdata: %v", err)
	}
	for _, path := range srcs {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(path), ".md")
		widths := []int{60, 80, 120}
		if strings.HasPrefix(name, "table") {
			widths = append([]int{40}, widths...)
		}
		for _, w := range widths {
			golden(t, name+".w"+strconv.Itoa(w), Render(src, Options{Width: w}))
		}
		if strings.HasPrefix(name, "errata") {
			golden(t, name+".color.w80", Render(src, Options{Width: 80, Color: true}))
		}
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".txt")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./runner/mdterm -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s: output differs from %s (go test ./runner/mdterm -update rewrites it)\n--- got\n%s--- want\n%s",
			name, path, got, want)
	}
}
