// Fork-fd shows what a child process shares with its parent when it
// inherits an open file, and what it does not share when it opens the
// file itself. It is the source notes' pair of fork examples.
//
// Usage:
//
//	fork-fd [file]
//
// The file (a.txt in a new temporary directory by default) is written
// with "hello...". Case 1, open before fork: the parent opens it and
// starts a child that inherits the descriptor; the child reads 1 byte,
// then the parent reads 2: "h", then "el". Case 2, fork before open:
// parent and child open the file each on their own: "h", then "he".
// Each step also prints the kernel's view of the descriptor, the
// "pos:" line of /proc/self/fdinfo/<fd>.
//
// Go has no fork(2): the child is this program started again with
// os/exec ("fork-fd child <file>"), and the inherited descriptor is
// passed in ExtraFiles.
package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// content is what the source's a.txt holds.
const content = "hello..."

// inheritedFD is where the child finds an inherited file: ExtraFiles[0]
// is descriptor 3 in the child (0, 1 and 2 are the standard streams).
const inheritedFD = 3

const usage = "usage: fork-fd [file]"

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "fork-fd: error: %v\n", err)
		// yaegi: a pointer type assertion, not errors.As, finds a
		// type declared in the interpreted program.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "-help") {
		fmt.Println(usage)
		return nil
	}
	if len(args) >= 1 && args[0] == "child" {
		return child(args[1:])
	}
	if len(args) > 1 {
		return &usageError{"want at most 1 argument: [file]"}
	}
	if len(args) == 1 && strings.HasPrefix(args[0], "-") {
		// A mistyped flag is not a file name to overwrite.
		return &usageError{"unknown flag " + args[0] + " (" + usage + ")"}
	}
	path := ""
	if len(args) == 1 {
		path = args[0]
	} else {
		dir, err := os.MkdirTemp("", "fork-fd")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "a.txt")
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		return err
	}
	fmt.Printf("a.txt holds %q\n\n", content)
	if err := openBeforeFork(path); err != nil {
		return err
	}
	fmt.Println()
	return forkBeforeOpen(path)
}

// region cases
// openBeforeFork is the source's code1: open, then fork. Both
// descriptors, the parent's and the child's, point to one open file
// description in the kernel, and the file offset lives there.
func openBeforeFork(path string) error {
	fmt.Println("case 1: open before fork")
	// C: fd = open("a.txt", O_RDONLY)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Printf("parent: open: pos %s\n", pos(f))

	// C: pid = fork(). The child gets a copy of the descriptor table;
	// here we pass the one descriptor explicitly as its fd 3.
	if err := startChild(f, "inherit", path); err != nil {
		return err
	}

	// The source sleeps 3 s "so that the child reads first". Waiting
	// for the child to exit (wait(2)) is the real guarantee.
	fmt.Printf("parent: after the child, before reading: pos %s\n",
		pos(f))
	return readAndShow("parent:", f, 2)
}

// forkBeforeOpen is the source's code2: fork, then open in each
// process. Two open() calls make two open file descriptions, each with
// its own offset.
func forkBeforeOpen(path string) error {
	fmt.Println("case 2: fork before open")
	if err := startChild(nil, "open", path); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Printf("parent: open: pos %s\n", pos(f))
	return readAndShow("parent:", f, 2)
}

// endregion cases

// startChild runs "fork-fd child MODE FILE" and waits for it. With a
// file, the child inherits it as descriptor 3.
func startChild(f *os.File, mode, path string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, "child", mode, path)
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if f != nil {
		cmd.ExtraFiles = []*os.File{f}
	}
	// C: wait(NULL). Run starts the child and waits for its exit.
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("child: %w", err)
	}
	return nil
}

// region child
// child reads 1 byte: from the inherited descriptor 3 ("inherit"), or
// from a file it opens itself ("open").
func child(args []string) error {
	if len(args) != 2 {
		return &usageError{"child wants 2 arguments: MODE FILE"}
	}
	var f *os.File
	switch args[0] {
	case "inherit":
		f = os.NewFile(inheritedFD, "inherited")
		fmt.Printf("child:  inherited fd %d: pos %s\n",
			inheritedFD, pos(f))
	case "open":
		var err error
		f, err = os.Open(args[1])
		if err != nil {
			return err
		}
		fmt.Printf("child:  open: pos %s\n", pos(f))
	default:
		return &usageError{"child mode must be inherit or open"}
	}
	// The child closes its descriptor when it is done. In case 1 the
	// parent's descriptor still works afterwards: close(2) drops one
	// reference to the open file description, which lives on while
	// the parent refers to it.
	defer f.Close()
	return readAndShow("child: ", f, 1)
}

// endregion child

// readAndShow reads n bytes with read(2) and prints them and the
// offset after the read.
func readAndShow(who string, f *os.File, n int) error {
	buf := make([]byte, n)
	// C: read(fd, buf, n)
	if _, err := io.ReadFull(f, buf); err != nil {
		return fmt.Errorf("%s read: %w", strings.TrimSpace(who), err)
	}
	fmt.Printf("%s read %d: %q, pos %s\n", who, n, buf, pos(f))
	return nil
}

// pos reads the file offset the kernel keeps for f: the "pos:" line
// of /proc/self/fdinfo/<fd>. It belongs to the open file description,
// so every descriptor that shares the description shows the same one.
func pos(f *os.File) string {
	name := "/proc/self/fdinfo/" + strconv.Itoa(int(f.Fd()))
	b, err := os.ReadFile(name)
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "pos:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}
