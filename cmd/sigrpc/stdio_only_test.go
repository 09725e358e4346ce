package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sigrpc/sigrpc/internal/spawn"
)

// The threat model says sigrpc opens no socket and reads no environment
// or file to take orders from. TestOnlyStdioReachesTheHelper looks at a
// running helper's descriptors for sockets; this test reads the source of
// every package of this module built into the binary, on every platform
// it builds for, and fails on any use of the environment, any file opened
// or read by a path that is not a string literal under /proc/ (the
// process details the helper reads about its targets), any socket, and
// any raw system call, which the scan could not see through.
//
// Allowed, and why: a raw rt_sigaction(2), which sets how a signal is
// handled; a netlink process-connector socket (unix.Socket with
// unix.AF_NETLINK and unix.NETLINK_CONNECTOR), which only the kernel
// writes to (messages from anyone else are discarded), and which carries
// events, not orders; //go:embed data (internal/version's VERSION), which
// is part of the binary, not read at run time; os.NewFile, which wraps a
// descriptor already open (stdin, stdout, a pidfd); and the command line,
// which the client chooses when it starts the helper. The Go runtime
// reads GOMAXPROCS, GODEBUG, GOTRACEBACK and GORACE (race builds) from the
// environment before main: they tune the runtime and cannot make the
// helper signal anything; the scan covers this module's code, not the
// standard library's.

// modulePath is this module; only its packages are scanned.
const modulePath = "github.com/sigrpc/sigrpc"

// testOnlyPackages are packages of the module that only tests use; they
// are never built into the helper.
var testOnlyPackages = []string{modulePath + "/internal/disttest", modulePath + "/internal/conformance"}

// scanGOOS are the systems the helper is built for (see the signal
// package's per-system files); a package imported on one of them only is
// still scanned.
var scanGOOS = []string{"linux", "darwin", "freebsd", "netbsd", "openbsd", "dragonfly"}

// readsEnvironment are the functions that read the environment.
var readsEnvironment = map[string][]string{
	"os":                    {"Getenv", "LookupEnv", "Environ", "ExpandEnv", "UserHomeDir", "UserConfigDir", "UserCacheDir", "TempDir"},
	"syscall":               {"Getenv", "Environ"},
	"golang.org/x/sys/unix": {"Getenv", "Environ"},
}

// opensPath are the functions that open or read something by path, with
// the index of the path argument.
var opensPath = map[string]map[string]int{
	"os": {"Open": 0, "OpenFile": 0, "ReadFile": 0, "ReadDir": 0, "Create": 0, "CreateTemp": 0,
		"DirFS": 0, "OpenRoot": 0, "OpenInRoot": 0, "Readlink": 0},
	"io/ioutil":             {"ReadFile": 0, "ReadDir": 0, "TempFile": 0},
	"syscall":               {"Open": 0, "Openat": 1, "Creat": 0, "Readlink": 0},
	"golang.org/x/sys/unix": {"Open": 0, "Openat": 1, "Openat2": 1, "Creat": 0, "Readlink": 0, "Readlinkat": 1},
}

// opensSocket are the functions that open a socket; any import of net is
// refused too.
var opensSocket = map[string][]string{
	"syscall":               {"Socket", "Socketpair"},
	"golang.org/x/sys/unix": {"Socket", "Socketpair"},
}

// A finding is one use the threat model does not allow.
type finding struct {
	pos  token.Position
	what string
}

func (f finding) String() string { return fmt.Sprintf("%s: %s", f.pos, f.what) }

// sourceScan is what scanning found.
type sourceScan struct {
	findings  []finding
	procReads []token.Position // opens of /proc paths: allowed
	embeds    []string         // //go:embed patterns: allowed
	appends   []token.Position // write-only appending opens (the audit log): allowed
}

// scanSource parses one Go source file and records its findings.
func (s *sourceScan) scanSource(fset *token.FileSet, name string, src []byte) error {
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		return err
	}
	// Local names of the imported packages that matter.
	pkgs := map[string]string{}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		if path == "net" || strings.HasPrefix(path, "net/") {
			s.add(fset, imp.Pos(), "imports "+path)
		}
		local := filepath.Base(path)
		if imp.Name != nil {
			local = imp.Name.Name
		}
		_, env := readsEnvironment[path]
		_, open := opensPath[path]
		_, sock := opensSocket[path]
		switch {
		case !env && !open && !sock && path != "fmt" && path != "path" && path != "path/filepath":
		case local == ".":
			s.add(fset, imp.Pos(), "dot-imports "+path+", which hides its calls from this scan")
		case local != "_":
			pkgs[local] = path
		}
	}
	for _, group := range f.Comments {
		for _, c := range group.List {
			if pattern, ok := strings.CutPrefix(c.Text, "//go:embed "); ok {
				s.embeds = append(s.embeds, fmt.Sprintf("%s: %s", fset.Position(c.Pos()), pattern))
			}
		}
	}
	checked := map[*ast.SelectorExpr]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			sel, path, name := pkgSelector(n.Fun, pkgs)
			if sel == nil {
				return true
			}
			if rawSigaction(n, path, name, pkgs) || netlinkConnector(n, path, name, pkgs) {
				checked[sel] = true
			}
			if appendOnlyOpen(n, path, name, pkgs) {
				checked[sel] = true
				s.appends = append(s.appends, fset.Position(n.Pos()))
				return true
			}
			if arg, ok := opensPath[path][name]; ok {
				checked[sel] = true
				if arg < len(n.Args) && procPath(n.Args[arg], pkgs) {
					s.procReads = append(s.procReads, fset.Position(n.Pos()))
				} else {
					s.add(fset, n.Pos(), fmt.Sprintf("%s.%s of a path not built from a literal under /proc/", path, name))
				}
			}
		case *ast.SelectorExpr:
			_, path, name := pkgSelector(n, pkgs)
			switch {
			case path == "" || checked[n]:
			case slices.Contains(readsEnvironment[path], name):
				s.add(fset, n.Pos(), fmt.Sprintf("%s.%s reads the environment", path, name))
			case slices.Contains(opensSocket[path], name):
				s.add(fset, n.Pos(), fmt.Sprintf("%s.%s opens a socket", path, name))
			case (path == "syscall" || path == "golang.org/x/sys/unix") && (strings.HasPrefix(name, "Syscall") || strings.HasPrefix(name, "RawSyscall")):
				s.add(fset, n.Pos(), fmt.Sprintf("%s.%s is a raw system call, which this scan cannot see through", path, name))
			default:
				if _, ok := opensPath[path][name]; ok {
					s.add(fset, n.Pos(), fmt.Sprintf("%s.%s used as a value: its path cannot be checked", path, name))
				}
			}
		}
		return true
	})
	return nil
}

// rawSigaction reports whether call, naming path.name, is a raw
// rt_sigaction(2): it sets how a signal is handled and opens nothing.
func rawSigaction(call *ast.CallExpr, path, name string, pkgs map[string]string) bool {
	if path != "golang.org/x/sys/unix" || !strings.HasPrefix(name, "RawSyscall") || len(call.Args) == 0 {
		return false
	}
	_, argPath, argName := pkgSelector(call.Args[0], pkgs)
	return argPath == path && argName == "SYS_RT_SIGACTION"
}

// appendOnlyOpen reports whether call, naming path.name, is an
// os.OpenFile whose flags, or-ed selectors of package os or syscall,
// include O_WRONLY and O_APPEND: a file opened so can be written to, at
// its end, and never read, so it can carry no orders to the helper.
func appendOnlyOpen(call *ast.CallExpr, path, name string, pkgs map[string]string) bool {
	if path != "os" || name != "OpenFile" || len(call.Args) != 3 {
		return false
	}
	flags := map[string]bool{}
	var collect func(e ast.Expr) bool
	collect = func(e ast.Expr) bool {
		if b, ok := e.(*ast.BinaryExpr); ok {
			return b.Op == token.OR && collect(b.X) && collect(b.Y)
		}
		_, p, n := pkgSelector(e, pkgs)
		flags[n] = true
		return p == "os" || p == "syscall"
	}
	return collect(call.Args[1]) && flags["O_WRONLY"] && flags["O_APPEND"] && !flags["O_RDWR"] && !flags["O_RDONLY"]
}

// netlinkConnector reports whether call, naming path.name, opens a
// netlink process-connector socket: unix.Socket(unix.AF_NETLINK, _,
// unix.NETLINK_CONNECTOR), named by those selectors.
func netlinkConnector(call *ast.CallExpr, path, name string, pkgs map[string]string) bool {
	if path != "golang.org/x/sys/unix" || name != "Socket" || len(call.Args) != 3 {
		return false
	}
	_, familyPath, family := pkgSelector(call.Args[0], pkgs)
	_, protoPath, proto := pkgSelector(call.Args[2], pkgs)
	return familyPath == path && family == "AF_NETLINK" && protoPath == path && proto == "NETLINK_CONNECTOR"
}

func (s *sourceScan) add(fset *token.FileSet, pos token.Pos, what string) {
	s.findings = append(s.findings, finding{fset.Position(pos), what})
}

// pkgSelector returns e as pkg.Name, with pkg's import path, if e selects
// a name from one of the imported packages in pkgs.
func pkgSelector(e ast.Expr, pkgs map[string]string) (*ast.SelectorExpr, string, string) {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return nil, "", ""
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok || pkgs[id.Name] == "" {
		return nil, "", ""
	}
	return sel, pkgs[id.Name], sel.Sel.Name
}

// procPath reports whether e is a path built from a string literal under
// /proc/: the literal itself, a concatenation that starts with it,
// fmt.Sprintf with it as the format, or a path or filepath Join whose
// first element is "/proc".
func procPath(e ast.Expr, pkgs map[string]string) bool {
	switch e := e.(type) {
	case *ast.ParenExpr:
		return procPath(e.X, pkgs)
	case *ast.BasicLit:
		s, err := strconv.Unquote(e.Value)
		return err == nil && e.Kind == token.STRING && strings.HasPrefix(s, "/proc/")
	case *ast.BinaryExpr:
		return e.Op == token.ADD && procPath(e.X, pkgs)
	case *ast.CallExpr:
		_, path, name := pkgSelector(e.Fun, pkgs)
		switch {
		case len(e.Args) == 0:
		case path == "fmt" && name == "Sprintf":
			return procPath(e.Args[0], pkgs)
		case (path == "path" || path == "path/filepath") && name == "Join":
			lit, ok := e.Args[0].(*ast.BasicLit)
			return ok && (lit.Value == `"/proc"` || procPath(lit, pkgs))
		}
	}
	return false
}

// helperPackageDirs lists the directories of this module's packages that
// go into the helper on any of scanGOOS.
func helperPackageDirs(t *testing.T) map[string]string {
	t.Helper()
	dirs := map[string]string{}
	for _, goos := range scanGOOS {
		out, stderr, code := spawn.Run(t, spawn.Options{Env: []string{"GOOS=" + goos, "GOARCH=amd64", "CGO_ENABLED=0"}}, "",
			"go", "list", "-deps", "-f", "{{.ImportPath}}\t{{.Dir}}\t{{with .Module}}{{.Path}}{{end}}", ".")
		if code != 0 {
			t.Fatalf("GOOS=%s go list -deps: exit %d\n%s", goos, code, stderr)
		}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			f := strings.Split(line, "\t")
			if len(f) == 3 && f[2] == modulePath && !slices.Contains(testOnlyPackages, f[0]) {
				dirs[f[0]] = f[1]
			}
		}
	}
	return dirs
}

// TestOnlyStdioReachesTheHelperInTheSource: see the comment at the top.
func TestOnlyStdioReachesTheHelperInTheSource(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skipf("needs the go command to list the helper's packages: %v", err)
	}
	t.Run("the helper's packages", func(t *testing.T) {
		dirs := helperPackageDirs(t)
		for _, want := range []string{"/cmd/sigrpc", "/sigctl", "/rpc"} {
			if dirs[modulePath+want] == "" {
				t.Fatalf("go list does not name %s among the helper's packages: %v", modulePath+want, dirs)
			}
		}
		var scan sourceScan
		fset := token.NewFileSet()
		files := 0
		for _, dir := range dirs {
			names, err := filepath.Glob(filepath.Join(dir, "*.go"))
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range names {
				if strings.HasSuffix(name, "_test.go") {
					continue
				}
				src, err := os.ReadFile(name)
				if err != nil {
					t.Fatal(err)
				}
				if err := scan.scanSource(fset, name, src); err != nil {
					t.Fatal(err)
				}
				files++
			}
		}
		for _, f := range scan.findings {
			t.Errorf("%s", f)
		}
		t.Logf("%d packages, %d files; %d reads of /proc paths; appending opens %v; embedded: %v", len(dirs), files, len(scan.procReads), scan.appends, scan.embeds)
		if len(scan.procReads) == 0 {
			t.Error("no read of a /proc path found: the scan sees less than the helper does")
		}
	})

	t.Run("the scan catches what it looks for", func(t *testing.T) {
		for _, tc := range []struct {
			name, src string
			want      []string // one per finding, in order
		}{
			{"planted", `import "os"
				func f() { _ = os.Getenv("X"); os.ReadFile("/etc/x"); os.ReadFile("/proc/self/stat") }`,
				[]string{"os.Getenv reads the environment", "os.ReadFile of a path not built"}},
			{"proc paths", `import ("fmt"; "os"; "path/filepath"; "strconv")
				func f(pid int) { os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); os.Open(fmt.Sprintf("/proc/%d/status", pid)); os.ReadDir(filepath.Join("/proc", "self", "fd")) }`,
				nil},
			{"not under /proc", `import ("fmt"; "os")
				func f(p string) { os.ReadFile("/procfs"); os.ReadFile(p + "/proc/"); os.Open(fmt.Sprintf("%s/proc/1", p)); os.ReadFile(p) }`,
				[]string{"os.ReadFile", "os.ReadFile", "os.Open", "os.ReadFile"}},
			{"renamed imports", `import (sys "os"; u "golang.org/x/sys/unix")
				func f() { sys.LookupEnv("X"); u.Open("/etc/x", 0, 0); u.Getenv("X") }`,
				[]string{"os.LookupEnv", "golang.org/x/sys/unix.Open", "golang.org/x/sys/unix.Getenv"}},
			{"appending opens", `import ("os"; "syscall")
				func f(p string) { os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW, 0o600); os.OpenFile(p, os.O_RDWR|os.O_APPEND, 0); os.OpenFile(p, os.O_WRONLY, 0); os.OpenFile(p, flags, 0) }`,
				[]string{"os.OpenFile", "os.OpenFile", "os.OpenFile"}},
			{"functions as values", `import "os"
				var get, read = os.Environ, os.ReadFile`,
				[]string{"os.Environ reads", "os.ReadFile used as a value"}},
			{"syscall, expansion, sockets, raw calls", `import ("net"; "os"; "syscall")
				func f() { syscall.Getenv("X"); os.ExpandEnv("$X"); syscall.Socket(1, 1, 0); syscall.Syscall(2, 0, 0, 0) }`,
				[]string{"imports net", "syscall.Getenv", "os.ExpandEnv", "syscall.Socket", "syscall.Syscall is a raw"}},
			{"raw rt_sigaction only", `import "golang.org/x/sys/unix"
				func f() { unix.RawSyscall6(unix.SYS_RT_SIGACTION, 32, 0, 0, 8, 0, 0); unix.RawSyscall(unix.SYS_OPENAT, 0, 0, 0) }`,
				[]string{"golang.org/x/sys/unix.RawSyscall is a raw"}},
			{"netlink connector socket only", `import ("syscall"; "golang.org/x/sys/unix")
				func f() {
					unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_CONNECTOR)
					unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM, unix.NETLINK_ROUTE)
					unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
					unix.Socket(16, 2, 11)
					syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_DGRAM, syscall.NETLINK_CONNECTOR)
					unix.Socketpair(unix.AF_NETLINK, unix.SOCK_DGRAM, unix.NETLINK_CONNECTOR)
				}`,
				[]string{"unix.Socket opens", "unix.Socket opens", "unix.Socket opens", "syscall.Socket opens", "unix.Socketpair opens"}},
			{"dot import", `import . "os"
				func f() { Getenv("X") }`,
				[]string{"dot-imports os"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var scan sourceScan
				if err := scan.scanSource(token.NewFileSet(), "planted.go", []byte("package p\n"+tc.src+"\n")); err != nil {
					t.Fatal(err)
				}
				if len(scan.findings) != len(tc.want) {
					t.Fatalf("findings %v, want %d: %q", scan.findings, len(tc.want), tc.want)
				}
				for i, f := range scan.findings {
					if !strings.Contains(f.what, tc.want[i]) {
						t.Errorf("finding %d is %q, want one about %q", i, f.what, tc.want[i])
					}
				}
			})
		}
	})
}
