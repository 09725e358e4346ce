package disttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sigrpc/sigrpc/internal/version"
)

// The registry round trip: dist/ goes up to a local registry the way the
// release workflow (.github/workflows/release.yml) sends it to PyPI and
// npm, and comes back down with the README's own install command, pointed
// at that registry by the environment alone.

// TestPipInstallFromAnIndex: twine uploads every wheel and the sdist to a
// local pypiserver, as pypa/gh-action-pypi-publish uploads them to PyPI;
// then, in a fresh venv with no Go and no sigrpc on PATH, `pip install
// sigrpc` with PIP_INDEX_URL naming that index installs this machine's
// manylinux wheel (not the sdist, which would need Go), and
// checkPipInstalled passes.
func TestPipInstallFromAnIndex(t *testing.T) {
	t.Parallel()
	dist := needDist(t)
	python := distPython(t)
	release := releasePython(t)
	arch, _ := needInstallHost(t)
	const install = "pip install sigrpc"
	needReadmeInstallCommand(t, "python", install)

	tmp := t.TempDir()
	tools := toolbin(t, tmp, "sleep")
	packages := filepath.Join(tmp, "index")
	if err := os.Mkdir(packages, 0o755); err != nil {
		t.Fatal(err)
	}
	index := startServer(t, tmp, cleanEnv(t, tools), "/simple/", func(port int) []string {
		// -a . -P .: no authentication; --disable-fallback: a name it lacks
		// is a 404, not a redirect to PyPI
		return []string{release, "-m", "pypiserver", "run", "-i", "127.0.0.1", "-a", ".", "-P", ".",
			"--disable-fallback", "-p", strconv.Itoa(port), packages}
	})

	uploads := distFiles(t, dist)
	run(t, tmp, cleanEnv(t, tools), release, append([]string{"-m", "twine", "upload",
		"--non-interactive", "--disable-progress-bar", "--repository-url", index + "/",
		"--username", "sigrpc-test", "--password", "unused"}, uploads...)...)
	var held []string
	entries, err := os.ReadDir(packages)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		held = append(held, e.Name())
	}
	if want := baseNames(uploads); !slices.Equal(held, want) {
		t.Errorf("the index holds %v; twine uploaded %v", held, want)
	}

	venv := filepath.Join(tmp, "venv")
	env := cleanEnv(t, filepath.Join(venv, "bin")+":"+tools, "PIP_INDEX_URL="+index+"/simple/")
	run(t, tmp, env, python, "-m", "venv", venv)
	run(t, tmp, env, "/bin/sh", "-c", `if command -v go || command -v sigrpc; then exit 1; fi`)
	run(t, tmp, env, "/bin/sh", "-c", install)

	wheelInfo, _ := filepath.Glob(filepath.Join(venv, "lib", "python*", "site-packages",
		fmt.Sprintf("sigrpc-%s.dist-info", version.Version), "WHEEL"))
	if len(wheelInfo) != 1 {
		t.Fatalf("pip installed no sigrpc %s into %s", version.Version, venv)
	}
	if data, err := os.ReadFile(wheelInfo[0]); err != nil || !strings.Contains(string(data), "Tag: py3-none-manylinux_2_17_"+arch+"\n") {
		t.Errorf("pip installed a sigrpc whose WHEEL is not the manylinux %s wheel's (%v):\n%s", arch, err, data)
	}
	checkPipInstalled(t, dist, tmp, venv, tools)
}

// TestNpmInstallFromARegistry: clients/node/npm/publish.mjs, as the release
// workflow runs it, publishes the platform packages and then sigrpc to a
// local verdaccio; running it again skips them all (the same tarballs are
// there already). Then, in a fresh npm project with no Go and no sigrpc on
// PATH, `npm install sigrpc` with npm_config_registry naming that registry
// installs sigrpc and, of the platform packages, only this machine's; and
// checkNpmInstalled passes.
func TestNpmInstallFromARegistry(t *testing.T) {
	t.Parallel()
	dist := needDist(t)
	_, cpu := needInstallHost(t)
	verdaccio := os.Getenv("SIGRPC_VERDACCIO")
	if verdaccio == "" {
		t.Skip("SIGRPC_VERDACCIO is not set: `make test-dist` sets it")
	}
	const install = "npm install sigrpc"
	needReadmeInstallCommand(t, "node", install)

	tmp := t.TempDir()
	tools := toolbin(t, tmp, "node", "npm", "sleep")
	storage := filepath.Join(tmp, "registry")
	if err := os.Mkdir(storage, 0o755); err != nil {
		t.Fatal(err)
	}
	// No uplinks: it serves what is published to it and nothing else.
	config := fmt.Sprintf(`storage: %q
auth:
  htpasswd:
    file: %q
    max_users: 10
uplinks: {}
packages:
  '**':
    access: $all
    publish: $authenticated
web:
  enable: false
log: { type: stdout, format: pretty, level: warn }
`, filepath.Join(storage, "storage"), filepath.Join(storage, "htpasswd"))
	configPath := filepath.Join(storage, "config.yaml")
	if err := os.WriteFile(configPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	registry := startServer(t, tmp, cleanEnv(t, tools), "/-/ping", func(port int) []string {
		return []string{filepath.Join(tools, "node"), verdaccio, "--config", configPath,
			"--listen", fmt.Sprintf("127.0.0.1:%d", port)}
	})

	// The workflow authenticates with npm's trusted publishing; here, a user
	// of this registry, whose token only the publishing runs see.
	npmrc := filepath.Join(tmp, "publish.npmrc")
	auth := fmt.Sprintf("//%s/:_authToken=%s\n", strings.TrimPrefix(registry, "http://"), registryToken(t, registry))
	if err := os.WriteFile(npmrc, []byte(auth), 0o600); err != nil {
		t.Fatal(err)
	}
	publishEnv := cleanEnv(t, tools, "npm_config_registry="+registry+"/", "npm_config_userconfig="+npmrc,
		"npm_config_cache="+filepath.Join(tmp, "npm-cache-publish"), "npm_config_update_notifier=false")
	publish := []string{filepath.Join(repoRoot(t), "clients", "node", "npm", "publish.mjs"), filepath.Join(dist, "npm")}
	out := run(t, tmp, publishEnv, filepath.Join(tools, "node"), publish...)
	var order []string
	for _, m := range regexp.MustCompile(`(?m)^(\S+)@\S+: published$`).FindAllStringSubmatch(out, -1) {
		order = append(order, m[1])
	}
	if want := npmPackageNames(); len(order) != len(want) || order[len(order)-1] != "sigrpc" {
		t.Errorf("publish.mjs published %v; want all of %v, sigrpc last", order, want)
	}
	again := run(t, tmp, publishEnv, filepath.Join(tools, "node"), publish...)
	if n := strings.Count(again, "already published, the same tarball; skipped"); n != len(npmPackageNames()) {
		t.Errorf("publishing the same tarballs again skipped %d of them, not all:\n%s", n, again)
	}

	project := newNpmProject(t, tmp)
	env := cleanEnv(t, tools, "npm_config_registry="+registry+"/",
		"npm_config_cache="+filepath.Join(tmp, "npm-cache"), "npm_config_update_notifier=false")
	run(t, project, env, "/bin/sh", "-c", `if command -v go || command -v sigrpc; then exit 1; fi`)
	run(t, project, env, "/bin/sh", "-c", install)
	platforms, err := os.ReadDir(filepath.Join(project, "node_modules", "@sigrpc"))
	if err != nil {
		t.Fatal(err)
	}
	if len(platforms) != 1 || platforms[0].Name() != "linux-"+cpu {
		t.Errorf("npm installed %v of the platform packages; want linux-%s alone", baseNamesOf(platforms), cpu)
	}
	checkNpmInstalled(t, project, env, tools)
}

// registryToken adds a user to a fresh verdaccio and returns its token.
func registryToken(t *testing.T, registry string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": "sigrpc-test", "password": "sigrpc-test-password"})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut,
		registry+"/-/user/org.couchdb.user:sigrpc-test", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var answer struct{ Token string }
	if err := json.Unmarshal(data, &answer); err != nil || resp.StatusCode != http.StatusCreated || answer.Token == "" {
		t.Fatalf("adding a user to %s: %s %s (%v)", registry, resp.Status, data, err)
	}
	return answer.Token
}

func baseNamesOf(entries []os.DirEntry) []string {
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
