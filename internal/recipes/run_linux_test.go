//go:build linux

package recipes

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// runLimit bounds one recipe's run; each takes well under a second here.
const runLimit = 60 * time.Second

// helper returns the sigrpc binary the recipes run, from SIGRPC_BIN.
func helper(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("SIGRPC_BIN")
	if bin == "" {
		t.Skip("SIGRPC_BIN is not set: `make test-recipes` builds bin/sigrpc and runs the README's recipes against it")
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(abs); err != nil {
		t.Fatalf("SIGRPC_BIN: %v", err)
	}
	return abs
}

// need finds a tool on PATH; without it the test skips, naming the Debian
// package that brings it, or fails under CI=true, where .ci/run installs it.
func need(t *testing.T, tool, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err == nil {
		return path
	}
	msg := tool + " is not on PATH (Debian: apt-get install " + pkg + ")"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; .ci/run installs it, so under CI=true this fails")
	}
	t.Skip(msg)
	return ""
}

// logVersion logs the first line of `tool --version`.
func logVersion(t *testing.T, tool string) {
	t.Helper()
	out, err := exec.Command(tool, "--version").CombinedOutput()
	first, _, _ := strings.Cut(string(out), "\n")
	if err != nil {
		t.Logf("%s --version: %v", tool, err)
		return
	}
	t.Logf("%s: %s", tool, strings.TrimSpace(first))
}

// writeRecipe writes the README's block for lang to dir/name.
func writeRecipe(t *testing.T, lang, dir, name string) string {
	t.Helper()
	r := sectionRecipe(t, lang)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(r.code), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("README.md:%d: the %s recipe, %d lines, as %s", r.line, lang, strings.Count(r.code, "\n"), name)
	return path
}

// markerVar is set, to a value of its own, in the environment of each run;
// every process the recipe starts inherits it.
const markerVar = "SIGRPC_RECIPE_RUN"

// run runs a recipe's command in dir, in a process group of its own, with
// SIGRPC_BIN set, HOME in a directory of its own and no XDG directories
// from outside; it fails the test if the command fails or outlives
// runLimit (its group is then killed), or if anything it started is still
// running afterwards. It returns stdout and stderr.
func run(t *testing.T, dir, bin string, name string, args ...string) (stdout, stderr string) {
	t.Helper()
	marker := newMarker(t)
	home := t.TempDir()
	env := []string{"SIGRPC_BIN=" + bin, "HOME=" + home, markerVar + "=" + marker}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "SIGRPC_BIN" || k == "HOME" || k == markerVar || strings.HasPrefix(k, "XDG_") {
			continue
		}
		env = append(env, kv)
	}

	ctx, cancel := context.WithTimeout(context.Background(), runLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var outBuf, errBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outBuf, &errBuf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Cancel runs before Wait reaps the child, so its pid, which is the
	// group's id, is still this test's own.
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second // a leftover child holding stdout does not hold the test
	start := time.Now()
	err := cmd.Run()
	stdout, stderr = outBuf.String(), errBuf.String()
	t.Logf("%s ran for %v", filepath.Base(name), time.Since(start).Round(time.Millisecond))
	if ctx.Err() != nil {
		t.Errorf("%s did not finish within %v", name, runLimit)
	} else if err != nil {
		t.Errorf("%s: %v", name, err)
	}
	if t.Failed() {
		t.Logf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	if left := leftovers(t, marker); len(left) > 0 {
		t.Errorf("still running after the recipe: %s", strings.Join(left, "; "))
	}
	return stdout, stderr
}

func newMarker(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// leftovers waits up to two seconds for every process whose environment
// holds marker to end; it kills those left (through a pidfd opened before
// the marker is checked, so a process that took a pid in between is never
// reached) and describes them.
func leftovers(t *testing.T, marker string) []string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		pids := marked(marker)
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			var left []string
			for _, pid := range pids {
				left = append(left, describe(pid)+" "+killMarked(pid, marker))
			}
			return left
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// marked lists the live processes whose environment holds the marker.
func marked(marker string) []int {
	want := []byte(markerVar + "=" + marker + "\x00")
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if hasMarker(pid, want) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func hasMarker(pid int, want []byte) bool {
	env, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	return err == nil && bytes.Contains(append([]byte{0}, env...), append([]byte{0}, want...))
}

func describe(pid int) string {
	cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return strconv.Itoa(pid) + " (" + strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " ")) + ")"
}

// killMarked sends SIGKILL to pid if, once a pidfd holds it, it still
// carries the marker.
func killMarked(pid int, marker string) string {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return "gone"
	}
	defer unix.Close(fd)
	if !hasMarker(pid, []byte(markerVar+"="+marker+"\x00")) {
		return "gone"
	}
	if err := unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0); err != nil && !errors.Is(err, unix.ESRCH) {
		return "not killed: " + err.Error()
	}
	return "killed"
}

// wantLines checks that each pattern matches a line of out, in order,
// unless the test has failed already.
func wantLines(t *testing.T, what, out string, patterns ...string) {
	t.Helper()
	if t.Failed() {
		return // the run failed and its output is in the log
	}
	lines := strings.Split(out, "\n")
	i := 0
	for _, p := range patterns {
		re := regexp.MustCompile(p)
		for i < len(lines) && !re.MatchString(lines[i]) {
			i++
		}
		if i == len(lines) {
			t.Errorf("%s: no line matching %q (in order) in:\n%s", what, p, out)
			return
		}
		i++
	}
}

func TestBashRecipe(t *testing.T) {
	bin := helper(t)
	bash := need(t, "bash", "bash")
	need(t, "jq", "jq")
	logVersion(t, "bash")
	logVersion(t, "jq")
	dir := t.TempDir()
	script := writeRecipe(t, langBash, dir, "sigrpc-demo.sh")
	stdout, stderr := run(t, dir, bin, bash, script)
	wantLines(t, "stdout", stdout,
		`^15$`,
		`^kill refused$`,
		`^true$`,
		`^\{"exited":true\}$`,
		`^"TERM"$`,
	)
	wantLines(t, "stderr", stderr, `^sigrpc: unknown signal name \(-32602\) \{.*"signal":"TREM"`)
}

func TestNeovimRecipe(t *testing.T) {
	bin := helper(t)
	nvim := need(t, "nvim", "neovim")
	need(t, "sleep", "coreutils")
	logVersion(t, "nvim")
	dir := t.TempDir()
	script := writeRecipe(t, langLua, dir, "sigrpc-demo.lua")
	// :luafile would report an error and go on to exit 0; dofile under
	// pcall makes an error the exit status.
	_, stderr := run(t, dir, bin, nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n",
		"-c", `lua local ok, err = pcall(dofile, [[`+script+`]]) `+
			`if not ok then io.stderr:write('recipe failed: ', tostring(err), '\n') vim.cmd('cquit') end`,
		"-c", "qa!")
	// Headless Neovim writes messages to stderr, not always ending them
	// with a newline.
	wantLines(t, "messages", strings.ReplaceAll(stderr, "\r", "\n"),
		`^TERM is 15$`,
		`^kill refused: unknown signal name \(-32602\) \{.*"signal":"TREM"`,
		`^kill: true$`,
		`^exited: true$`,
		`^sleep ended with 143: SIGTERM$`,
	)
}

func TestEmacsRecipe(t *testing.T) {
	bin := helper(t)
	emacs := need(t, "emacs", "emacs-nox")
	need(t, "sleep", "coreutils")
	logVersion(t, "emacs")
	dir := t.TempDir()
	script := writeRecipe(t, langElisp, dir, "sigrpc-demo.el")
	_, stderr := run(t, dir, bin, emacs, "--batch", "-Q", "-l", script)
	wantLines(t, "messages", stderr,
		`^TERM is 15$`,
		`^kill refused: unknown signal name \(-32602\) \(.*:signal "TREM"`,
		`^kill: t$`,
		`^exited: t$`,
		`^sleep ended by signal 15: SIGTERM$`,
		`^\[jsonrpc\] Server exited with status 0$`,
	)
}
