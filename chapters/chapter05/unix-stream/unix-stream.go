// Unix-stream shows local (Unix domain) stream sockets: an echo
// server and client on a path name, the peer's credentials
// (SO_PEERCRED), the stale socket file that makes bind fail, and the
// abstract namespace, whose names are not files at all.
//
// Usage:
//
//	unix-stream serve [-n N] <path>   echo server on a path name
//	unix-stream connect <path>        client: lines from standard input
//	unix-stream stale <dir>           the stale file, in directory dir
//	unix-stream abstract              a name in the abstract namespace
//
// serve binds <path> (a name starting with @ is abstract), prints
// "listening on <path>", serves N clients one after another (1 by
// default, 0: forever) and removes the file when it ends. connect
// sends each line of standard input and prints what comes back; a
// line "quit" or the end of input ends it. Bad arguments exit with
// status 2.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

const usage = `usage: unix-stream serve [-n N] <path>
       unix-stream connect <path>
       unix-stream stale <dir>
       unix-stream abstract`

// usageError marks bad command-line input; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "unix-stream: error: %v\n", err)
		// A pointer type assertion, not errors.As: only this form
		// works on interpreted types under yaegi.
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// maxPath is the room in sun_path: 108 bytes on Linux, with the NUL
// that ends a path name.
const maxPath = 107

func run(args []string) error {
	if len(args) == 0 {
		return &usageError{"want a command: serve, connect, stale or abstract"}
	}
	fs := flag.NewFlagSet("unix-stream "+args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	n := fs.Int("n", 1, "serve `N` clients (0: forever)")
	if err := fs.Parse(args[1:]); err == flag.ErrHelp || args[0] == "-h" ||
		args[0] == "-help" || args[0] == "--help" {
		fmt.Println(usage)
		return nil
	} else if err != nil {
		return &usageError{err.Error()}
	}
	want := map[string]int{"serve": 1, "connect": 1, "stale": 1, "abstract": 0}
	nargs, ok := want[args[0]]
	if !ok {
		return &usageError{fmt.Sprintf("unknown command %q (want serve, "+
			"connect, stale or abstract)", args[0])}
	}
	if fs.NArg() != nargs {
		return &usageError{fmt.Sprintf("%s wants %d argument(s)", args[0], nargs)}
	}
	if *n < 0 {
		return &usageError{"-n must be 0 or more"}
	}
	if nargs == 1 {
		if fs.Arg(0) == "" || len(fs.Arg(0)) > maxPath {
			return &usageError{fmt.Sprintf("path must be 1 to %d bytes long, "+
				"not %d", maxPath, len(fs.Arg(0)))}
		}
	}
	switch args[0] {
	case "serve":
		return serve(fs.Arg(0), *n)
	case "connect":
		return connect(fs.Arg(0), os.Stdin, os.Stdout)
	case "stale":
		return stale(fs.Arg(0))
	}
	return abstract()
}

// region listen
// listenUnix is socket, bind and listen for a Unix stream socket.
func listenUnix(path string) (int, error) {
	// Step 1: socket(2). C: fd = socket(AF_UNIX, SOCK_STREAM, 0)
	// AF_LOCAL is the same number under another name.
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	// Step 2: bind(2). C: struct sockaddr_un addr = {AF_UNIX};
	//    strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
	//    bind(fd, (struct sockaddr *)&addr, sizeof addr)
	// For a path name, bind creates a file of type socket there, and
	// fails with EADDRINUSE if anything exists at that path.
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: path}); err != nil {
		syscall.Close(fd)
		return -1, os.NewSyscallError("bind", err)
	}
	// Step 3: listen(2). C: listen(fd, 8)
	if err := syscall.Listen(fd, 8); err != nil {
		syscall.Close(fd)
		return -1, os.NewSyscallError("listen", err)
	}
	return fd, nil
}

// endregion listen

// dialUnix is socket and connect for a Unix stream socket.
func dialUnix(path string) (int, error) {
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	// C: connect(fd, (struct sockaddr *)&addr, sizeof addr)
	// No handshake on the wire: the kernel links the two sockets
	// directly. Nobody listening gives ECONNREFUSED at once.
	if err := syscall.Connect(fd, &syscall.SockaddrUnix{Name: path}); err != nil {
		syscall.Close(fd)
		return -1, os.NewSyscallError("connect", err)
	}
	return fd, nil
}

func serve(path string, clients int) error {
	lfd, err := listenUnix(path)
	if err != nil {
		return err
	}
	defer syscall.Close(lfd)
	// The file outlives the socket: remove it when done. An abstract
	// name (@...) has no file and vanishes with the socket.
	if !strings.HasPrefix(path, "@") {
		defer os.Remove(path)
	}
	fmt.Printf("listening on %s\n", path)
	for served := 0; clients == 0 || served < clients; served++ {
		// Step 4: accept(2). C: cfd = accept(lfd, NULL, NULL)
		cfd, _, err := syscall.Accept(lfd)
		if err == syscall.EINTR {
			served--
			continue
		}
		if err != nil {
			return os.NewSyscallError("accept", err)
		}
		if err := echo(cfd); err != nil {
			fmt.Fprintf(os.Stderr, "unix-stream: client: %v\n", err)
		}
	}
	return nil
}

// region peercred
// echo serves one client: first who it is, then every byte back.
func echo(cfd int) error {
	defer syscall.Close(cfd)
	// The kernel recorded who called connect(2): its process, user
	// and group IDs. The client cannot lie about them.
	// C: struct ucred cred; socklen_t len = sizeof cred;
	//    getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len)
	cred, err := syscall.GetsockoptUcred(cfd, syscall.SOL_SOCKET,
		syscall.SO_PEERCRED)
	if err != nil {
		return os.NewSyscallError("getsockopt", err)
	}
	fmt.Printf("client connected: pid %d, uid %d, gid %d (SO_PEERCRED)\n",
		cred.Pid, cred.Uid, cred.Gid)
	// endregion peercred
	buf := make([]byte, 1024)
	for {
		n, err := syscall.Read(cfd, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("read", err)
		}
		if n == 0 {
			fmt.Println("client closed the connection")
			return nil
		}
		fmt.Printf("received %d bytes: %q\n", n, buf[:n])
		if err := writeAll(cfd, buf[:n]); err != nil {
			return err
		}
	}
}

// writeAll writes all of b, finishing partial writes.
func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := syscall.Write(fd, b)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("write", err)
		}
		b = b[n:]
	}
	return nil
}

func connect(path string, in io.Reader, out io.Writer) error {
	fd, err := dialUnix(path)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	fmt.Fprintf(os.Stderr, "connected to %s\n", path)
	sc := bufio.NewScanner(in)
	buf := make([]byte, 4096)
	for sc.Scan() {
		line := sc.Text() + "\n"
		if line == "quit\n" {
			return nil
		}
		if err := writeAll(fd, []byte(line)); err != nil {
			return err
		}
		// Read back as many bytes as were sent.
		for got := 0; got < len(line); {
			n, err := syscall.Read(fd, buf[:len(line)-got])
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				return os.NewSyscallError("read", err)
			}
			if n == 0 {
				return fmt.Errorf("server closed the connection")
			}
			out.Write(buf[:n])
			got += n
		}
	}
	return sc.Err()
}

// errName names an errno as C does, for the output.
func errName(err error) string {
	if err == nil {
		return "ok"
	}
	if se, ok := err.(*os.SyscallError); ok {
		err = se.Err
	}
	names := map[syscall.Errno]string{
		syscall.EADDRINUSE: "EADDRINUSE", syscall.ECONNREFUSED: "ECONNREFUSED",
		syscall.ENOENT: "ENOENT", syscall.EAGAIN: "EAGAIN",
	}
	if e, ok := err.(syscall.Errno); ok && names[e] != "" {
		return e.Error() + " (" + names[e] + ")"
	}
	return err.Error()
}

// fileType says what is at path: "a socket file", "nothing", ...
func fileType(path string) string {
	fi, err := os.Lstat(path)
	if err != nil {
		return "nothing"
	}
	if fi.Mode()&os.ModeSocket != 0 {
		return "a socket file"
	}
	return "a file of mode " + fi.Mode().String()
}

// region stale
func stale(dir string) error {
	path := filepath.Join(dir, "stale.sock")
	name := filepath.Base(path)
	// A server binds, then ends without unlink(2), as a crashed or
	// killed one does.
	fd, err := listenUnix(path)
	if err != nil {
		return err
	}
	syscall.Close(fd)
	defer os.Remove(path)
	fmt.Printf("server 1 closed its socket; at %s there is %s\n",
		name, fileType(path))
	_, err = dialUnix(path)
	fmt.Printf("connect to it: %s\n", errName(err))
	_, err = listenUnix(path)
	fmt.Printf("a new server's bind: %s\n", errName(err))

	// The usual fix is unlink(2) before bind(2).
	os.Remove(path) // C: unlink(path)
	live, err := listenUnix(path)
	if err != nil {
		return err
	}
	defer syscall.Close(live)
	fmt.Println("server 2: unlink, bind: ok; it is running")
	// A second copy of the server, started by mistake, does the
	// same, and takes the name from the running one.
	os.Remove(path) // C: unlink(path)
	second, err := listenUnix(path)
	if err != nil {
		return err
	}
	defer syscall.Close(second)
	fmt.Println("server 3: unlink, bind: ok, while server 2 runs")
	c, err := dialUnix(path)
	if err != nil {
		return err
	}
	defer syscall.Close(c)
	syscall.SetNonblock(live, true)
	_, _, err = syscall.Accept(live)
	fmt.Printf("a client connects: server 2's accept: %s\n", errName(err))
	a, _, err := syscall.Accept(second)
	if err == nil {
		syscall.Close(a)
	}
	fmt.Printf("                   server 3's accept: %s\n", errName(err))
	fmt.Println("server 2 still runs, and nobody can reach it any more")

	// Safer: remove the file only if nobody answers on it.
	fmt.Printf("safeBind while server 3 runs: %s\n", errName(safeBind(path)))
	syscall.Close(second)
	fmt.Printf("safeBind after server 3 closed: %s\n", errName(safeBind(path)))
	return nil
}

// safeBind binds path, first removing a stale socket file: one that
// no server answers on (connect gives ECONNREFUSED).
func safeBind(path string) error {
	fd, err := listenUnix(path)
	if err == nil {
		syscall.Close(fd)
		return nil
	}
	c, cerr := dialUnix(path)
	if cerr == nil {
		syscall.Close(c)
		return fmt.Errorf("%s: a server is running there", filepath.Base(path))
	}
	if se, ok := cerr.(*os.SyscallError); !ok || se.Err != syscall.ECONNREFUSED {
		return err
	}
	if err := os.Remove(path); err != nil {
		return err
	}
	fd, err = listenUnix(path)
	if err != nil {
		return err
	}
	syscall.Close(fd)
	return nil
}

// endregion stale

// region abstract
func abstract() error {
	// A sun_path that starts with a NUL byte is a name in the
	// abstract namespace: no file, no permissions, gone when the
	// last socket bound to it closes. Go writes it with a leading @.
	name := "@tcpnotebook-" + strconv.Itoa(os.Getpid())
	fd, err := listenUnix(name)
	if err != nil {
		return err
	}
	fmt.Printf("bound and listening on %s\n", name)
	fmt.Printf("in /proc/net/unix: %v\n", inProcNetUnix(name))
	_, err = listenUnix(name)
	fmt.Printf("a second bind while it is open: %s\n", errName(err))
	c, err := dialUnix(name)
	if err != nil {
		syscall.Close(fd)
		return err
	}
	syscall.Close(c)
	fmt.Println("a client's connect: ok")
	syscall.Close(fd)
	fmt.Printf("closed; in /proc/net/unix: %v\n", inProcNetUnix(name))
	fd, err = listenUnix(name)
	fmt.Printf("bind again at once: %s, nothing to unlink\n", errName(err))
	if err == nil {
		syscall.Close(fd)
	}
	return nil
}

// endregion abstract

// inProcNetUnix reports whether the kernel's table of Unix sockets
// lists a socket bound to name (its last column is the path, with @
// for an abstract name).
func inProcNetUnix(name string) bool {
	b, err := os.ReadFile("/proc/net/unix")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		fs := strings.Fields(line)
		if len(fs) >= 8 && fs[len(fs)-1] == name {
			return true
		}
	}
	return false
}
