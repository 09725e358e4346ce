package disttest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"debug/macho"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// needEnv returns $name, or skips the test, saying who sets it, when it
// is not set.
func needEnv(t *testing.T, name, setBy string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Skipf("%s is not set: %s", name, setBy)
	}
	return v
}

// needDist returns the dist directory, or skips when make test-dist did not
// start the test.
func needDist(t *testing.T) string {
	t.Helper()
	return needEnv(t, "SIGRPC_DIST", "`make test-dist` builds dist/ and runs these tests")
}

// distPython is the interpreter that has the build tools (build, hatchling).
func distPython(t *testing.T) string {
	t.Helper()
	return needEnv(t, "SIGRPC_DIST_PYTHON", "`make test-dist` sets it")
}

// releasePython is the interpreter that has the release tools (twine,
// auditwheel, pypiserver, PyYAML): make release-tools' build/release-venv.
func releasePython(t *testing.T) string {
	t.Helper()
	return needEnv(t, "SIGRPC_RELEASE_PYTHON", "`make test-dist` and `make release-check` set it")
}

// repoRoot is the top of the repository (the tests run in internal/disttest).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// needInstallHost skips unless this machine runs one of the Linux helpers;
// it returns the machine's name in wheel tags and in npm.
func needInstallHost(t *testing.T) (wheelArch, npmCPU string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("the install tests run the Linux wheel and npm package; this is %s", runtime.GOOS)
	}
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64", "x64"
	case "arm64":
		return "aarch64", "arm64"
	}
	t.Skipf("no wheel or npm package is built for linux/%s", runtime.GOARCH)
	return "", ""
}

// helperFacts is what a helper binary says about itself.
type helperFacts struct {
	goos, goarch string // from the ELF or Mach-O header
	macosMin     string // darwin: the minimum macOS its LC_BUILD_VERSION states, e.g. "12.0"
}

// inspectHelper reads a helper's header and fails the test unless the
// helper is static (ELF: no interpreter, no dynamic section; Mach-O, where
// nothing is static: only macOS's own libraries) and its Go build record
// agrees with its header.
func inspectHelper(t *testing.T, name string, data []byte) helperFacts {
	t.Helper()
	var facts helperFacts
	var err error
	if bytes.HasPrefix(data, []byte(elf.ELFMAG)) {
		facts, err = inspectELF(data)
	} else {
		facts, err = inspectMachO(data)
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	info, err := buildinfo.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: no Go build information: %v", name, err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if settings["GOOS"] != facts.goos || settings["GOARCH"] != facts.goarch {
		t.Errorf("%s: header says %s/%s, Go build record %s/%s", name, facts.goos, facts.goarch, settings["GOOS"], settings["GOARCH"])
	}
	if settings["CGO_ENABLED"] != "0" {
		t.Errorf("%s: built with CGO_ENABLED=%q, want 0 (static)", name, settings["CGO_ENABLED"])
	}
	if settings["-trimpath"] != "true" {
		t.Errorf("%s: built without -trimpath", name)
	}
	if info.Path != "github.com/sigrpc/sigrpc/cmd/sigrpc" {
		t.Errorf("%s: is %s, not the helper", name, info.Path)
	}
	return facts
}

func inspectELF(data []byte) (helperFacts, error) {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return helperFacts{}, err
	}
	var facts helperFacts
	switch f.Machine {
	case elf.EM_X86_64:
		facts.goarch = "amd64"
	case elf.EM_AARCH64:
		facts.goarch = "arm64"
	default:
		return facts, fmt.Errorf("ELF machine %v is none of the release's", f.Machine)
	}
	switch f.OSABI {
	case elf.ELFOSABI_NONE, elf.ELFOSABI_LINUX: // Go writes NONE for Linux
		facts.goos = "linux"
	case elf.ELFOSABI_FREEBSD:
		facts.goos = "freebsd"
	default:
		return facts, fmt.Errorf("ELF OS ABI %v is none of the release's", f.OSABI)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			return facts, fmt.Errorf("not static: it has a %v program header", p.Type)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		return facts, fmt.Errorf("not static: it needs %v", libs)
	}
	return facts, nil
}

// lcBuildVersion is the Mach-O load command naming the platform and the
// minimum OS version (struct build_version_command).
const lcBuildVersion = 0x32

func inspectMachO(data []byte) (helperFacts, error) {
	f, err := macho.NewFile(bytes.NewReader(data))
	if err != nil {
		return helperFacts{}, fmt.Errorf("neither ELF nor Mach-O: %v", err)
	}
	facts := helperFacts{goos: "darwin"}
	switch f.Cpu {
	case macho.CpuAmd64:
		facts.goarch = "amd64"
	case macho.CpuArm64:
		facts.goarch = "arm64"
	default:
		return facts, fmt.Errorf("Mach-O CPU %v is none of the release's", f.Cpu)
	}
	if f.Type != macho.TypeExec {
		return facts, fmt.Errorf("Mach-O type %v, not an executable", f.Type)
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		return facts, err
	}
	for _, lib := range libs {
		// macOS has no static executables: Go links the system's own
		// libraries (libSystem; libresolv for DNS), which every Mac has.
		if !strings.HasPrefix(lib, "/usr/lib/") && !strings.HasPrefix(lib, "/System/Library/") {
			return facts, fmt.Errorf("links %s, which is not part of macOS", lib)
		}
	}
	for _, l := range f.Loads {
		raw := l.Raw()
		if len(raw) >= 16 && f.ByteOrder.Uint32(raw) == lcBuildVersion {
			if platform := f.ByteOrder.Uint32(raw[8:]); platform != 1 {
				return facts, fmt.Errorf("LC_BUILD_VERSION platform %d is not macOS (1)", platform)
			}
			minos := f.ByteOrder.Uint32(raw[12:])
			facts.macosMin = fmt.Sprintf("%d.%d", minos>>16, minos>>8&0xff)
		}
	}
	if facts.macosMin == "" {
		return facts, errors.New("no LC_BUILD_VERSION: its minimum macOS is unknown")
	}
	return facts, nil
}

// tarEntry is one regular file of a tarball.
type tarEntry struct {
	mode fs.FileMode
	data []byte
}

// readTarball reads every regular file of a .tgz or .tar.gz.
func readTarball(t *testing.T, path string) map[string]tarEntry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	entries := map[string]tarEntry{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return entries
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("%s: %s: %v", path, h.Name, err)
		}
		entries[h.Name] = tarEntry{fs.FileMode(h.Mode).Perm(), data}
	}
}

// toolbin makes a directory holding links to just the named programs, to
// be the whole PATH of a command: no Go toolchain, no sigrpc.
func toolbin(t *testing.T, dir string, names ...string) string {
	t.Helper()
	bin := filepath.Join(dir, "toolbin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		path, err := exec.LookPath(name)
		if err != nil {
			t.Fatalf("the install tests need %s on PATH: %v", name, err)
		}
		if path, err = filepath.Abs(path); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(path, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	return bin
}

// cleanEnv is a whole environment: PATH, a fresh HOME, and extra; nothing
// else is inherited (no SIGRPC_BIN, no GOROOT).
func cleanEnv(t *testing.T, path string, extra ...string) []string {
	t.Helper()
	home := filepath.Join(t.TempDir(), "home")
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	return append([]string{"PATH=" + path, "HOME=" + home, "LANG=C.UTF-8"}, extra...)
}

// commandTimeout bounds every command the tests start.
const commandTimeout = 2 * time.Minute

// run runs name in dir with env and returns its stdout; it fails the test,
// with stdout and stderr, if the command fails.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	stdout, stderr, err := start(t, dir, env, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, stdout, stderr)
	}
	return stdout
}

// start runs name in dir with env, bounded by commandTimeout.
func start(t *testing.T, dir string, env []string, name string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env = dir, env
	cmd.WaitDelay = 5 * time.Second
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// distFiles: the wheels and the sdist in dist, which the release uploads.
func distFiles(t *testing.T, dist string) []string {
	t.Helper()
	wheels, _ := filepath.Glob(filepath.Join(dist, "sigrpc-*.whl"))
	sdists, _ := filepath.Glob(filepath.Join(dist, "sigrpc-*.tar.gz"))
	if len(wheels) != len(wheelPlatforms) || len(sdists) != 1 {
		t.Fatalf("%s holds wheels %v and sdists %v; want %d wheels and one sdist", dist, wheels, sdists, len(wheelPlatforms))
	}
	return append(wheels, sdists...)
}

// npmPackageNames: every npm package of a release.
func npmPackageNames() []string {
	names := []string{"sigrpc"}
	for _, p := range npmPlatforms {
		names = append(names, "@sigrpc/"+p)
	}
	return names
}

func baseNames(paths []string) []string {
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	slices.Sort(names)
	return names
}

// needReadmeInstallCommand fails unless the Install section of README.md
// and of the client's README (clients/<client>/README.md) each give
// command, in backquotes or as a line of a code block, as the way to
// install.
func needReadmeInstallCommand(t *testing.T, client, command string) {
	t.Helper()
	for _, readme := range []string{"README.md", filepath.Join("clients", client, "README.md")} {
		data, err := os.ReadFile(filepath.Join(repoRoot(t), readme))
		if err != nil {
			t.Fatal(err)
		}
		_, section, _ := strings.Cut(string(data), "\n## Install\n")
		section, _, _ = strings.Cut(section, "\n## ")
		if !strings.Contains(section, "`"+command+"`") && !slices.Contains(commandLines(section), command) {
			t.Errorf("the Install section of %s does not give `%s`, which this test runs", readme, command)
		}
	}
}

// commandLines returns the lines of text's code blocks, each without a
// trailing "  # comment" and surrounding space.
func commandLines(text string) []string {
	var lines []string
	inBlock := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "```") {
			inBlock = !inBlock
			continue
		}
		if inBlock {
			if i := strings.Index(line, "  #"); i >= 0 {
				line = line[:i]
			}
			lines = append(lines, strings.TrimSpace(line))
		}
	}
	return lines
}
