package main

import (
	"os"
	"testing"
)

// BenchmarkChapter plays the whole of chapter04 (every program, server
// and client pairs included, output discarded) twice over: with the
// interpreter, as the runner does, and with "go run" for each program
// (warm build cache after the first iteration), which is what a reader
// would otherwise type. Cells run in the interpreter in both cases.
//
//	go test -run '^$' -bench Chapter -benchtime 3x ./runner
func BenchmarkChapter(b *testing.B) {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devnull.Close()
	root := repoRoot(b)
	for _, mode := range []struct{ name, goRun string }{
		{"yaegi", ""},
		{"go-run", "1"},
	} {
		b.Run(mode.name, func(b *testing.B) {
			b.Setenv(envGoRun, mode.goRun)
			if mode.goRun != "" {
				// Warm the build cache outside the timed loop.
				mainExit([]string{"-root", root, "-timeout", "60s", "chapter04"}, devnull, devnull)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// The exit status is not the point here: under "go run"
				// a program's own exit status is folded into 1.
				mainExit([]string{"-root", root, "-timeout", "60s", "chapter04"}, devnull, devnull)
			}
		})
	}
}
