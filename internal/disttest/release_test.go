package disttest

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// make release-check runs the TestReleaseCheck tests (and make test-dist
// all but those): what the release workflow
// (.github/workflows/release.yml) checks before it uploads, on the dist/
// that make dist built, with the tools of build/release-venv.

// TestReleaseCheckTwine: twine check --strict passes every wheel and the
// sdist (their metadata and README render as PyPI will render them).
func TestReleaseCheckTwine(t *testing.T) {
	t.Parallel()
	dist := needDist(t)
	release := releasePython(t)
	tmp := t.TempDir()
	out := run(t, tmp, cleanEnv(t, toolbin(t, tmp)), release,
		append([]string{"-m", "twine", "--no-color", "check", "--strict"}, distFiles(t, dist)...)...)
	t.Log(out)
}

// auditwheelTag is auditwheel show's verdict: the oldest platform tag the
// wheel is consistent with.
var auditwheelTag = regexp.MustCompile(`consistent with the following platform tag: "(manylinux|musllinux)_(\d+)_(\d+)_(\w+)"`)

// TestReleaseCheckAuditwheel: auditwheel show finds each Linux wheel's
// helper consistent with a manylinux tag no newer than the wheel's own
// (manylinux_2_17), for the wheel's machine, and needing no shared library
// at all; static, it runs with musl as well (TestWheelsCarryTheHelperTheirTagsName
// checks that it is static).
func TestReleaseCheckAuditwheel(t *testing.T) {
	t.Parallel()
	dist := needDist(t)
	release := releasePython(t)
	wheels, _ := filepath.Glob(filepath.Join(dist, "sigrpc-*-manylinux*.whl"))
	if len(wheels) != 2 {
		t.Fatalf("want the two Linux wheels in %s, found %v", dist, wheels)
	}
	for _, wheel := range wheels {
		t.Run(filepath.Base(wheel), func(t *testing.T) {
			t.Parallel()
			claimed := regexp.MustCompile(`-py3-none-manylinux_(\d+)_(\d+)_(\w+)\.`).FindStringSubmatch(filepath.Base(wheel))
			if claimed == nil {
				t.Fatal("the wheel's name has no manylinux_X_Y_<machine> tag first")
			}
			tmp := t.TempDir()
			out, stderr, err := start(t, tmp, cleanEnv(t, toolbin(t, tmp)), release, "-m", "auditwheel", "show", wheel)
			if err != nil {
				t.Fatalf("auditwheel show: %v\n%s%s", err, out, stderr)
			}
			text := strings.Join(strings.Fields(out), " ") // it wraps lines
			t.Log(text)
			m := auditwheelTag.FindStringSubmatch(text)
			if m == nil {
				t.Fatalf("auditwheel show names no platform tag:\n%s", out)
			}
			if m[1] != "manylinux" || m[4] != claimed[3] || !olderOrSame(m[2], m[3], claimed[1], claimed[2]) {
				t.Errorf("auditwheel finds the wheel consistent with %s_%s_%s_%s only; its name claims manylinux_%s_%s_%s",
					m[1], m[2], m[3], m[4], claimed[1], claimed[2], claimed[3])
			}
			if !strings.Contains(text, "requires no external shared libraries") {
				t.Errorf("auditwheel finds shared libraries in the wheel:\n%s", out)
			}
		})
	}
}

// olderOrSame: glibc major.minor a is at most b.
func olderOrSame(aMajor, aMinor, bMajor, bMinor string) bool {
	n := func(s string) int { v, _ := strconv.Atoi(s); return v }
	return n(aMajor) < n(bMajor) || n(aMajor) == n(bMajor) && n(aMinor) <= n(bMinor)
}

// TestReleaseCheckNpmDryRun: clients/node/npm/publish.mjs --dry-run, the
// release workflow's publishing with nothing sent: npm publish --dry-run
// accepts each tarball, in publishing order, and would publish its bytes
// under the name and version its file name gives.
func TestReleaseCheckNpmDryRun(t *testing.T) {
	t.Parallel()
	dist := needDist(t)
	releasePython(t) // make release-check, not a bare go test
	tmp := t.TempDir()
	tools := toolbin(t, tmp, "node", "npm")
	env := cleanEnv(t, tools, "npm_config_cache="+filepath.Join(tmp, "npm-cache"), "npm_config_update_notifier=false")
	out := run(t, tmp, env, filepath.Join(tools, "node"),
		filepath.Join(repoRoot(t), "clients", "node", "npm", "publish.mjs"), "--dry-run", filepath.Join(dist, "npm"))
	t.Log(out)
	if n := strings.Count(out, "npm publish --dry-run passes"); n != len(npmPackageNames()) {
		t.Errorf("the dry run passed %d packages, want %d", n, len(npmPackageNames()))
	}
}

// workflowStep is a step of a job in a GitHub Actions workflow.
type workflowStep struct {
	Name string            `json:"name"`
	Uses string            `json:"uses"`
	Run  string            `json:"run"`
	With map[string]any    `json:"with"`
	Env  map[string]string `json:"env"`
}

type workflowJob struct {
	Needs       any               `json:"needs"`
	Permissions map[string]string `json:"permissions"`
	Environment any               `json:"environment"`
	Steps       []workflowStep    `json:"steps"`
}

// TestReleaseCheckWorkflow: .github/workflows/release.yml is YAML and mirrors
// make release-check: on a v* tag, the job check runs .ci/run (make test,
// which runs make release-check) and make cross-all, and uploads dist/'s wheels, sdist and npm
// tarballs; then pypi publishes those with pypa/gh-action-pypi-publish and
// npm with clients/node/npm/publish.mjs (platform packages first), each
// with an OIDC token (id-token: write) and no stored secret.
func TestReleaseCheckWorkflow(t *testing.T) {
	t.Parallel()
	release := releasePython(t)
	root := repoRoot(t)
	path := filepath.Join(root, ".github", "workflows", "release.yml")
	tmp := t.TempDir()
	// PyYAML reads YAML 1.1, where the key `on` is true.
	out := run(t, tmp, cleanEnv(t, toolbin(t, tmp)), release, "-c",
		`import json, sys, yaml; w = yaml.safe_load(open(sys.argv[1])); w["on"] = w.pop(True, w.get("on")); json.dump(w, sys.stdout)`, path)
	var w struct {
		On struct {
			Push struct {
				Tags []string `json:"tags"`
			} `json:"push"`
		} `json:"on"`
		Permissions map[string]string      `json:"permissions"`
		Jobs        map[string]workflowJob `json:"jobs"`
	}
	if err := json.Unmarshal([]byte(out), &w); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, out)
	}
	if !slices.Equal(w.On.Push.Tags, []string{"v*"}) {
		t.Errorf("the workflow runs on tags %v, want [v*]", w.On.Push.Tags)
	}
	if len(w.Permissions) != 1 || w.Permissions["contents"] != "read" {
		t.Errorf("the workflow's default permissions are %v, want contents: read alone", w.Permissions)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"secrets.", "NODE_AUTH_TOKEN", "NPM_TOKEN", "password:", "registry-url:"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("the workflow mentions %s: trusted publishing needs no stored token", secret)
		}
	}

	check, pypi, npm := w.Jobs["check"], w.Jobs["pypi"], w.Jobs["npm"]
	if len(w.Jobs) != 3 || check.Steps == nil || pypi.Steps == nil || npm.Steps == nil {
		t.Fatalf("the workflow's jobs are %v, want check, pypi and npm", slices.Sorted(maps.Keys(w.Jobs)))
	}
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	ciRun, err := os.ReadFile(filepath.Join(root, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^test: .*\brelease-check\b`).Match(makefile) || !regexp.MustCompile(`(?m)^make test$`).Match(ciRun) {
		t.Error("make test must run make release-check, and .ci/run make test")
	}
	if runs := stepRuns(check); !slices.ContainsFunc(runs, func(r string) bool { return strings.HasSuffix(r, "bash .ci/run") }) ||
		!slices.Contains(runs, "make cross-all") {
		t.Errorf("the job check runs %q; want bash .ci/run (make test) and make cross-all (the BSDs make test does not vet)", runs)
	}
	uploaded := map[string]string{}
	for _, s := range check.Steps {
		if strings.HasPrefix(s.Uses, "actions/upload-artifact@") {
			uploaded[s.With["name"].(string)] = strings.TrimSpace(s.With["path"].(string))
		}
	}
	want := map[string]string{"python-dists": "dist/sigrpc-*.whl\ndist/sigrpc-*.tar.gz", "npm-tarballs": "dist/npm/*.tgz"}
	if len(uploaded) != 2 || uploaded["python-dists"] != want["python-dists"] || uploaded["npm-tarballs"] != want["npm-tarballs"] {
		t.Errorf("the job check uploads %q, want %q", uploaded, want)
	}

	for name, job := range map[string]workflowJob{"pypi": pypi, "npm": npm} {
		if job.Needs != "check" {
			t.Errorf("the job %s needs %v, want check", name, job.Needs)
		}
		if job.Permissions["id-token"] != "write" || job.Environment != name {
			t.Errorf("the job %s has permissions %v and environment %v; want id-token: write, environment %s", name, job.Permissions, job.Environment, name)
		}
	}
	var publishers []workflowStep
	for _, s := range pypi.Steps {
		if strings.HasPrefix(s.Uses, "pypa/gh-action-pypi-publish@") {
			publishers = append(publishers, s)
		}
	}
	if len(publishers) != 1 || publishers[0].With["packages-dir"] != "dist" || downloads(pypi)["python-dists"] != "dist" {
		t.Errorf("the job pypi should download python-dists into dist and publish it with pypa/gh-action-pypi-publish: %+v", pypi.Steps)
	}
	if runs := stepRuns(npm); !slices.Contains(runs, "node clients/node/npm/publish.mjs --provenance dist/npm") ||
		downloads(npm)["npm-tarballs"] != "dist/npm" {
		t.Errorf("the job npm should download npm-tarballs into dist/npm and run publish.mjs --provenance on it: %q", runs)
	}
	for name, job := range w.Jobs {
		for _, s := range job.Steps {
			if s.Uses != "" && !regexp.MustCompile(`^[\w.-]+/[\w.-]+@[\w./-]+$`).MatchString(s.Uses) {
				t.Errorf("the job %s uses %q, not owner/name@version", name, s.Uses)
			}
		}
	}
}

func stepRuns(job workflowJob) []string {
	var runs []string
	for _, s := range job.Steps {
		if s.Run != "" {
			runs = append(runs, strings.TrimSpace(s.Run))
		}
	}
	return runs
}

// downloads: artifact name -> the path a job downloads it to.
func downloads(job workflowJob) map[string]string {
	got := map[string]string{}
	for _, s := range job.Steps {
		if strings.HasPrefix(s.Uses, "actions/download-artifact@") {
			name, _ := s.With["name"].(string)
			path, _ := s.With["path"].(string)
			got[name] = path
		}
	}
	return got
}
