package disttest

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

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
// sigrpc on PATH and SIGRPC_BIN unset, pip installs the wheel offline; the
// sigrpc command it installs prints the version, and sigrpc.Client() finds
// the helper inside the package (not on PATH, which then holds no sigrpc at
// all) and kills a child with it.
func TestPipInstallRunsTheBundledHelper(t *testing.T) {
	t.Parallel()
	dist := needDist(t)
	python := distPython(t)
	arch, _ := needInstallHost(t)
	wheels, _ := filepath.Glob(filepath.Join(dist, "sigrpc-*-manylinux*_"+arch+".whl"))
	if len(wheels) != 1 {
		t.Fatalf("want one manylinux %s wheel in %s, found %v", arch, dist, wheels)
	}
	tmp := t.TempDir()
	tools := toolbin(t, tmp, "sleep")
	venv := filepath.Join(tmp, "venv")
	venvBin := filepath.Join(venv, "bin")
	env := cleanEnv(t, venvBin+":"+tools)

	run(t, tmp, env, python, "-m", "venv", venv)
	run(t, tmp, env, "/bin/sh", "-c", `if command -v go || command -v sigrpc; then exit 1; fi`)
	run(t, tmp, env, filepath.Join(venvBin, "python"), "-m", "pip", "install",
		"--no-index", "--disable-pip-version-check", "--quiet", wheels[0])

	out := strings.Split(strings.TrimSpace(run(t, tmp, env, "/bin/sh", "-c", "command -v sigrpc && sigrpc --version")), "\n")
	if len(out) != 2 || out[0] != filepath.Join(venvBin, "sigrpc") || out[1] != "sigrpc "+version.Version {
		t.Errorf("sigrpc on the venv's PATH printed %q; want %s, then \"sigrpc %s\"", out, filepath.Join(venvBin, "sigrpc"), version.Version)
	}

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
	realVenv, err := filepath.EvalSymlinks(venv)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.Helper, realVenv+"/") || !strings.HasSuffix(got.Helper, "/site-packages/sigrpc/_bin/sigrpc") {
		t.Errorf("the client ran %s, not the helper in the installed package", got.Helper)
	}
	if got.Version != version.Version || got.Metadata != version.Version {
		t.Errorf("sigrpc.__version__ %q, package metadata %q; the helper is %s", got.Version, got.Metadata, version.Version)
	}
}

// TestNpmInstallRunsTheBundledHelper: in a fresh npm project, with no Go
// and no sigrpc on PATH and SIGRPC_BIN unset, npm installs the main tarball
// and this machine's platform tarball offline, and an ES module kills a
// child through the helper from @sigrpc/linux-<cpu>.
func TestNpmInstallRunsTheBundledHelper(t *testing.T) {
	t.Parallel()
	dist := needDist(t)
	_, cpu := needInstallHost(t)
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatalf("the install tests need npm: %v", err)
	}
	if npm, err = filepath.Abs(npm); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	tools := toolbin(t, tmp, "node", "sleep")
	project := filepath.Join(tmp, "project")
	if err := os.Mkdir(project, 0o755); err != nil {
		t.Fatal(err)
	}
	manifest := `{"name": "sigrpc-install-test", "version": "0.0.0", "private": true, "type": "module"}`
	if err := os.WriteFile(filepath.Join(project, "package.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	env := cleanEnv(t, tools,
		"npm_config_cache="+filepath.Join(tmp, "npm-cache"),
		"npm_config_update_notifier=false")
	run(t, project, env, "/bin/sh", "-c", `if command -v go || command -v sigrpc; then exit 1; fi`)
	run(t, project, env, npm, "install", "--offline", "--no-audit", "--no-fund", "--loglevel=error",
		filepath.Join(dist, "npm", fmt.Sprintf("sigrpc-%s.tgz", version.Version)),
		filepath.Join(dist, "npm", fmt.Sprintf("sigrpc-linux-%s-%s.tgz", cpu, version.Version)))

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
