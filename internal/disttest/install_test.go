package disttest

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sigrpc/sigrpc/internal/version"
)

// killChildPy starts a sleep child, has the helper TERM it through
// sigrpc.Client(), and reports how the child ended and which helper ran.
// It signals nothing but the child it started.
const killChildPy = `
import json, os, signal, subprocess, sys
from importlib import metadata

import sigrpc

child = subprocess.Popen(["sleep", "60"])
try:
    with sigrpc.Client() as client:
        helper = os.readlink(f"/proc/{client.pid}/exe")
        client.kill(child.pid, "TERM")
        status = child.wait(timeout=30)
finally:
    if child.poll() is None:  # never signalled: end our own child
        child.kill()
        child.wait()
json.dump({
    "version": sigrpc.__version__,
    "metadata": metadata.version("sigrpc"),
    "helper": helper,
    "status": status,
    "sigterm": int(signal.SIGTERM),
}, sys.stdout)
`

// killChildMjs is the same through the Node client.
const killChildMjs = `
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Client } from 'sigrpc';

const child = spawn('sleep', ['60'], { stdio: 'ignore' });
let helper, signal;
try {
  const exited = once(child, 'exit', { signal: AbortSignal.timeout(30_000) });
  exited.catch(() => {});
  await once(child, 'spawn');
  const client = await Client.start();
  try {
    helper = readlinkSync('/proc/' + client.pid + '/exe');
    await client.kill(child.pid, 'TERM');
    [, signal] = await exited;
  } finally {
    await client.close();
  }
} finally {
  // never signalled: end our own child
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
const { version } = createRequire(import.meta.url)('sigrpc/package.json');
console.log(JSON.stringify({ helper, signal, version }));
`

// TestPipInstallRunsTheBundledHelper: in a fresh venv, with no Go and no
// sigrpc on PATH and SIGRPC_BIN unset, pip installs from dist/ offline with
// the command the README and the client's not-found error give before a
// release, choosing this machine's wheel itself; then checkPipInstalled.
func TestPipInstallRunsTheBundledHelper(t *testing.T) {
	t.Parallel()
	dist := needDist(t)
	python := distPython(t)
	needInstallHost(t)
	const install = "pip install --no-index --find-links dist sigrpc"
	needReadmeInstallCommand(t, "python", install)
	tmp := t.TempDir()
	if err := os.Symlink(dist, filepath.Join(tmp, "dist")); err != nil {
		t.Fatal(err)
	}
	tools := toolbin(t, tmp, "sleep")
	venv := filepath.Join(tmp, "venv")
	env := cleanEnv(t, filepath.Join(venv, "bin")+":"+tools)

	run(t, tmp, env, python, "-m", "venv", venv)
	run(t, tmp, env, "/bin/sh", "-c", `if command -v go || command -v sigrpc; then exit 1; fi`)
	run(t, tmp, append(env, "PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_QUIET=1"), "/bin/sh", "-c", install)
	checkPipInstalled(t, dist, tmp, venv, tools)
}

// checkPipInstalled checks a venv into which pip has just installed sigrpc:
// the sigrpc command on the venv's PATH is the helper binary itself (not a
// Python wrapper) and prints the version, starting about as fast as the
// bare helper; and sigrpc.Client(), run by the venv's python with neither
// the venv nor any sigrpc on PATH, finds that same file and kills a child
// with it.
func checkPipInstalled(t *testing.T, dist, tmp, venv, tools string) {
	t.Helper()
	venvBin := filepath.Join(venv, "bin")
	env := cleanEnv(t, venvBin+":"+tools)
	out := strings.Split(strings.TrimSpace(run(t, tmp, env, "/bin/sh", "-c", "command -v sigrpc && sigrpc --version")), "\n")
	if len(out) != 2 || out[0] != filepath.Join(venvBin, "sigrpc") || out[1] != "sigrpc "+version.Version {
		t.Errorf("sigrpc on the venv's PATH printed %q; want %s, then \"sigrpc %s\"", out, filepath.Join(venvBin, "sigrpc"), version.Version)
	}
	command := filepath.Join(venvBin, "sigrpc")
	bare := filepath.Join(dist, "bin", "sigrpc-linux-"+runtime.GOARCH)
	checkCommandIsTheHelper(t, command, bare)

	prog := filepath.Join(tmp, "kill_child.py")
	if err := os.WriteFile(prog, []byte(killChildPy), 0o644); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Version, Metadata, Helper string
		Status, Sigterm           int
	}
	stdout := run(t, tmp, cleanEnv(t, tools), filepath.Join(venvBin, "python"), prog)
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("the program printed %q: %v", stdout, err)
	}
	if got.Status != -got.Sigterm {
		t.Errorf("the child ended with status %d, want %d (killed by SIGTERM)", got.Status, -got.Sigterm)
	}
	realCommand, err := filepath.EvalSymlinks(command)
	if err != nil {
		t.Fatal(err)
	}
	if got.Helper != realCommand {
		t.Errorf("the client ran %s, not the helper that the wheel installed, %s", got.Helper, realCommand)
	}
	if got.Version != version.Version || got.Metadata != version.Version {
		t.Errorf("sigrpc.__version__ %q, package metadata %q; the helper is %s", got.Version, got.Metadata, version.Version)
	}
}

// checkCommandIsTheHelper: the installed command is the release's helper
// byte for byte (an ELF executable, no script), and `command --version`
// takes at most twice as long as the bare helper's: the medians of
// interleaved runs, with up to three tries, for a loaded machine. A Python
// entry point would take some 100 ms, against some 3 ms.
func checkCommandIsTheHelper(t *testing.T, command, bare string) {
	t.Helper()
	got, err := os.ReadFile(command)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(bare)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(got, []byte(elf.ELFMAG)) || !bytes.Equal(got, want) {
		t.Fatalf("%s is not the helper %s (%d bytes, starting %q)", command, bare, len(got), got[:min(len(got), 16)])
	}
	const runs = 15
	for try := 1; ; try++ {
		cmdTimes, bareTimes := make([]time.Duration, runs), make([]time.Duration, runs)
		for i := range runs {
			cmdTimes[i] = timeRun(t, command, "--version")
			bareTimes[i] = timeRun(t, bare, "--version")
		}
		cmdMedian, bareMedian := median(cmdTimes), median(bareTimes)
		t.Logf("%s --version: median %v over %d runs; the bare helper's %v", command, cmdMedian, runs, bareMedian)
		if cmdMedian <= 2*bareMedian {
			return
		}
		if try == 3 {
			t.Errorf("%s --version takes %v, the bare helper %v: more than twice as long", command, cmdMedian, bareMedian)
			return
		}
	}
}

// timeRun runs name with args, with no environment, and returns how long
// it took.
func timeRun(t *testing.T, name string, args ...string) time.Duration {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = []string{}
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return time.Since(start)
}

func median(d []time.Duration) time.Duration {
	d = slices.Clone(d)
	slices.Sort(d)
	return d[len(d)/2]
}

// TestNpmInstallRunsTheBundledHelper: in a fresh npm project, with no Go
// and no sigrpc on PATH and SIGRPC_BIN unset, npm installs the main tarball
// and this machine's platform tarball from dist/ offline, with the command
// the README and the client's not-found error give before a release; then
// checkNpmInstalled.
func TestNpmInstallRunsTheBundledHelper(t *testing.T) {
	t.Parallel()
	dist := needDist(t)
	_, cpu := needInstallHost(t)
	tmp := t.TempDir()
	tools := toolbin(t, tmp, "node", "npm", "sleep")
	project := newNpmProject(t, tmp)
	env := cleanEnv(t, tools,
		"npm_config_cache="+filepath.Join(tmp, "npm-cache"),
		"npm_config_update_notifier=false")
	needReadmeInstallCommand(t, "node", fmt.Sprintf(npmInstallFromDist, "x64"))
	if err := os.Symlink(dist, filepath.Join(project, "dist")); err != nil {
		t.Fatal(err)
	}
	run(t, project, env, "/bin/sh", "-c", `if command -v go || command -v sigrpc; then exit 1; fi`)
	run(t, project, append(env, "npm_config_offline=true", "npm_config_audit=false", "npm_config_fund=false", "npm_config_loglevel=error"),
		"/bin/sh", "-c", fmt.Sprintf(npmInstallFromDist, cpu))
	checkNpmInstalled(t, project, env, tools)
}

// npmInstallFromDist is the README's install command before a release, for
// Linux on the CPU its %s names (x64 in the README).
const npmInstallFromDist = "npm install dist/npm/sigrpc-[0-9]*.tgz dist/npm/sigrpc-linux-%s-*.tgz"

// newNpmProject makes an empty npm project (an ES module package) in dir.
func newNpmProject(t *testing.T, dir string) string {
	t.Helper()
	project := filepath.Join(dir, "project")
	if err := os.Mkdir(project, 0o755); err != nil {
		t.Fatal(err)
	}
	manifest := `{"name": "sigrpc-install-test", "version": "0.0.0", "private": true, "type": "module"}`
	if err := os.WriteFile(filepath.Join(project, "package.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	return project
}

// checkNpmInstalled checks a project into which npm has just installed
// sigrpc: the helper from @sigrpc/linux-<cpu> prints the version, and an ES
// module kills a child through the client, which runs that helper.
func checkNpmInstalled(t *testing.T, project string, env []string, tools string) {
	t.Helper()
	_, cpu := needInstallHost(t)
	bundled := filepath.Join(project, "node_modules", "@sigrpc", "linux-"+cpu, "bin", "sigrpc")
	if out := strings.TrimSpace(run(t, project, env, bundled, "--version")); out != "sigrpc "+version.Version {
		t.Errorf("%s --version printed %q, want \"sigrpc %s\"", bundled, out, version.Version)
	}

	prog := filepath.Join(project, "kill_child.mjs")
	if err := os.WriteFile(prog, []byte(killChildMjs), 0o644); err != nil {
		t.Fatal(err)
	}
	var got struct{ Helper, Signal, Version string }
	stdout := run(t, project, env, filepath.Join(tools, "node"), prog)
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("the program printed %q: %v", stdout, err)
	}
	if got.Signal != "SIGTERM" {
		t.Errorf("the child ended by signal %q, want SIGTERM", got.Signal)
	}
	realBundled, err := filepath.EvalSymlinks(bundled)
	if err != nil {
		t.Fatal(err)
	}
	if got.Helper != realBundled {
		t.Errorf("the client ran %s, want the platform package's %s", got.Helper, realBundled)
	}
	if got.Version != version.Version {
		t.Errorf("the npm package is version %s; the helper is %s", got.Version, version.Version)
	}
}

// TestWheelFromTheSdistNeedsGo: pip building a wheel from the sdist with no
// Go on PATH fails, and says that the Go toolchain is missing.
func TestWheelFromTheSdistNeedsGo(t *testing.T) {
	t.Parallel()
	dist := needDist(t)
	python := distPython(t)
	needInstallHost(t)
	tmp := t.TempDir()
	out := filepath.Join(tmp, "wheels")
	stdout, stderr, err := start(t, tmp, cleanEnv(t, toolbin(t, tmp)), python, "-m", "pip", "wheel",
		"--no-build-isolation", "--no-deps", "--no-index", "--disable-pip-version-check", "-w", out,
		filepath.Join(dist, fmt.Sprintf("sigrpc-%s.tar.gz", version.Version)))
	if err == nil {
		t.Fatalf("pip built a wheel from the sdist without Go:\n%s", stdout)
	}
	if all := stdout + stderr; !strings.Contains(all, "needs the Go toolchain") || !strings.Contains(all, "no 'go' on PATH") {
		t.Errorf("the failure does not say that Go is missing:\n%s\n%s", stdout, stderr)
	}
	if wheels, _ := filepath.Glob(filepath.Join(out, "*.whl")); len(wheels) != 0 {
		t.Errorf("a failed build left %v", wheels)
	}
}

// TestWheelFromTheSdistBuildsTheHelper: with Go on PATH (and the module
// cache, offline), pip builds a wheel from the sdist that carries a helper
// compiled from the sdist's Go sources for this machine.
func TestWheelFromTheSdistBuildsTheHelper(t *testing.T) {
	t.Parallel()
	dist := needDist(t)
	python := distPython(t)
	arch, _ := needInstallHost(t)
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no Go on PATH: %v", err)
	}
	if goTool, err = filepath.Abs(goTool); err != nil {
		t.Fatal(err)
	}
	caches, err := exec.Command(goTool, "env", "GOCACHE", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	cache := strings.Split(strings.TrimSpace(string(caches)), "\n")
	if len(cache) != 2 {
		t.Fatalf("go env GOCACHE GOMODCACHE printed %q", caches)
	}
	tmp := t.TempDir()
	out := filepath.Join(tmp, "wheels")
	env := cleanEnv(t, filepath.Dir(goTool)+":"+toolbin(t, tmp),
		"GOCACHE="+cache[0], "GOMODCACHE="+cache[1], "GOPROXY=off", "GOTOOLCHAIN=local", "GOFLAGS=")
	run(t, tmp, env, python, "-m", "pip", "wheel",
		"--no-build-isolation", "--no-deps", "--no-index", "--disable-pip-version-check", "--quiet", "-w", out,
		filepath.Join(dist, fmt.Sprintf("sigrpc-%s.tar.gz", version.Version)))
	wheels, _ := filepath.Glob(filepath.Join(out, "sigrpc-*.whl"))
	if len(wheels) != 1 {
		t.Fatalf("want one wheel, found %v", wheels)
	}
	if !strings.Contains(filepath.Base(wheels[0]), "manylinux_2_17_"+arch) {
		t.Errorf("%s is not tagged for linux %s", filepath.Base(wheels[0]), arch)
	}
	if platform := checkWheel(t, wheels[0]); platform != "linux/"+runtime.GOARCH {
		t.Errorf("the wheel built here is for %s, not linux/%s", platform, runtime.GOARCH)
	}
}
