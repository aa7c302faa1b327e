package main

import (
	"io"
	"os"
	"strings"
	"testing"

	"github.com/tcpnotebook/tcpnotebook/runner/notebook"
	"github.com/tcpnotebook/tcpnotebook/runner/sandbox"
)

// BenchmarkChapter plays each whole chapter (every program, server
// and client pairs included, output discarded) three ways in one run:
//
//   - yaegi: each program interpreted, as the runner does;
//   - go-run: each program started with "go run" (warm build cache),
//     which is what a reader would otherwise type;
//   - compiled: prebuilt binaries, the floor: the time the programs
//     themselves spend (timers, the kernel, waiting on each other).
//
// Cells run in the interpreter in all three. The runner's exit status
// is not the point here: under "go run" a program's own exit status is
// folded into 1, so some expectations fail there.
//
//	go test -run '^$' -bench Chapter -benchtime 3x ./runner
func BenchmarkChapter(b *testing.B) {
	root := repoRoot(b)
	bin := programs(b)
	chapters, err := notebook.LoadChapters(root)
	if err != nil {
		b.Fatal(err)
	}
	for _, ch := range chapters {
		args := []string{"-root", root, "-timeout", "60s", ch.Name}
		for _, mode := range []struct {
			name string
			opts sandbox.Options
		}{
			{"yaegi", sandbox.Options{}},
			{"go-run", sandbox.Options{GoRun: true}},
			{"compiled", sandbox.Options{BinDir: bin}},
		} {
			b.Run(ch.Name+"/"+mode.name, func(b *testing.B) {
				c := &cli{stdin: strings.NewReader(""), stdout: io.Discard,
					stderr: io.Discard, getenv: os.Getenv, sandbox: mode.opts}
				// One untimed play warms the build cache and the page cache.
				c.main(args)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					c.main(args)
				}
			})
		}
	}
}
