// Package tcpnotebook holds the notebook's chapters and shared code as
// files, so that a runner installed with "go install" carries them and
// plays them from any directory. The runner prefers the files on disk
// of a clone, where edits show at once.
package tcpnotebook

import "embed"

// Files is the chapters, the code they share and the module files that
// let the interpreter and "go run" resolve the module's own imports.
//
//go:embed go.mod go.sum chapters internal
var Files embed.FS
