package disttest

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/sigrpc/sigrpc/internal/version"
)

// The platforms of a release, as GOOS/GOARCH.
var (
	wheelPlatforms = []string{"darwin/amd64", "darwin/arm64", "linux/amd64", "linux/arm64"}
	npmPlatforms   = []string{"darwin-arm64", "darwin-x64", "freebsd-x64", "linux-arm64", "linux-x64"}
	helperNames    = []string{"sigrpc-darwin-amd64", "sigrpc-darwin-arm64", "sigrpc-freebsd-amd64", "sigrpc-linux-amd64", "sigrpc-linux-arm64"}
)

// npmCPU is npm's name (process.arch) for a GOARCH.
var npmCPU = map[string]string{"amd64": "x64", "arm64": "arm64"}

// platformTag is what one wheel platform tag promises: the OS, the machine
// (as GOARCH) and, for macOS, the oldest version it runs on.
type platformTag struct {
	goos, goarch, macosMin, libc string
}

var (
	linuxTag = regexp.MustCompile(`^(manylinux|musllinux)_(\d+)_(\d+)_(\w+)$|^manylinux2014_(\w+)$`)
	macosTag = regexp.MustCompile(`^macosx_(\d+)_(\d+)_(\w+)$`)
	// machine names in tags: Linux says aarch64, macOS arm64.
	linuxArch = map[string]string{"x86_64": "amd64", "aarch64": "arm64"}
	macosArch = map[string]string{"x86_64": "amd64", "arm64": "arm64"}
)

func parsePlatformTag(tag string) (platformTag, error) {
	if m := linuxTag.FindStringSubmatch(tag); m != nil {
		libc, arch := m[1], m[4]
		if m[5] != "" {
			libc, arch = "manylinux", m[5]
		}
		if goarch, ok := linuxArch[arch]; ok {
			return platformTag{goos: "linux", goarch: goarch, libc: libc}, nil
		}
	}
	if m := macosTag.FindStringSubmatch(tag); m != nil {
		if goarch, ok := macosArch[m[3]]; ok {
			return platformTag{goos: "darwin", goarch: goarch, macosMin: m[1] + "." + m[2]}, nil
		}
	}
	return platformTag{}, fmt.Errorf("platform tag %q names no platform a release has", tag)
}

func TestParsePlatformTag(t *testing.T) {
	for tag, want := range map[string]platformTag{
		"manylinux_2_17_x86_64":  {goos: "linux", goarch: "amd64", libc: "manylinux"},
		"manylinux2014_aarch64":  {goos: "linux", goarch: "arm64", libc: "manylinux"},
		"musllinux_1_1_aarch64":  {goos: "linux", goarch: "arm64", libc: "musllinux"},
		"macosx_12_0_arm64":      {goos: "darwin", goarch: "arm64", macosMin: "12.0"},
		"macosx_10_12_x86_64":    {goos: "darwin", goarch: "amd64", macosMin: "10.12"},
		"manylinux_2_17_arm64":   {}, // Linux spells it aarch64
		"macosx_11_0_aarch64":    {}, // macOS spells it arm64
		"linux_x86_64":           {},
		"freebsd_14_0_release_x": {},
	} {
		got, err := parsePlatformTag(tag)
		if (err != nil) != (want == platformTag{}) || got != want {
			t.Errorf("parsePlatformTag(%q) = %+v, %v; want %+v", tag, got, err, want)
		}
	}
}

// TestWheelsCarryTheHelperTheirTagsName: one wheel per platform, each with
// the helper as its script sigrpc (sigrpc-<version>.data/scripts/sigrpc,
// 0755, static), built for exactly the platform every one of its tags
// names; Linux wheels serve glibc and musl.
func TestWheelsCarryTheHelperTheirTagsName(t *testing.T) {
	dist := needDist(t)
	wheels, _ := filepath.Glob(filepath.Join(dist, "sigrpc-*.whl"))
	var platforms []string
	for _, path := range wheels {
		t.Run(filepath.Base(path), func(t *testing.T) {
			platforms = append(platforms, checkWheel(t, path))
		})
	}
	sort.Strings(platforms)
	if !slices.Equal(platforms, wheelPlatforms) {
		t.Errorf("wheels for %v; want one each for %v", platforms, wheelPlatforms)
	}
}

// checkWheel checks one wheel and returns the GOOS/GOARCH it is for.
func checkWheel(t *testing.T, path string) string {
	// name-version-python-abi-platforms.whl
	parts := strings.Split(strings.TrimSuffix(filepath.Base(path), ".whl"), "-")
	if len(parts) != 5 || parts[0] != "sigrpc" || parts[1] != version.Version || parts[2] != "py3" || parts[3] != "none" {
		t.Fatalf("want sigrpc-%s-py3-none-<platforms>.whl", version.Version)
	}
	r, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	files := map[string]*zip.File{}
	for _, f := range r.File {
		files[f.Name] = f
	}
	read := func(name string) []byte {
		t.Helper()
		f := files[name]
		if f == nil {
			t.Fatalf("no %s in the wheel", name)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}

	// pip installs the wheel's scripts as commands: the helper binary itself
	// is the sigrpc command, as in ruff's and uv's wheels.
	script := fmt.Sprintf("sigrpc-%s.data/scripts/sigrpc", version.Version)
	helper := files[script]
	if helper == nil {
		t.Fatalf("no %s in the wheel", script)
	}
	if mode := helper.Mode().Perm(); mode != 0o755 {
		t.Errorf("%s has mode %o, want 755", script, mode)
	}
	facts := inspectHelper(t, script, read(script))
	for name, f := range files {
		// one copy of the helper, and no other sigrpc command to clash with it
		if name != script && (name == "sigrpc" || strings.HasSuffix(name, "/sigrpc") || strings.Contains(name, ".data/scripts/")) && !f.FileInfo().IsDir() {
			t.Errorf("the wheel holds %s besides the helper %s", name, script)
		}
	}

	var libcs []string
	var wantTags []string
	for _, tag := range strings.Split(parts[4], ".") {
		p, err := parsePlatformTag(tag)
		if err != nil {
			t.Error(err)
			continue
		}
		if p.goos != facts.goos || p.goarch != facts.goarch {
			t.Errorf("tag %s is for %s/%s; the helper is for %s/%s", tag, p.goos, p.goarch, facts.goos, facts.goarch)
		}
		if p.macosMin != facts.macosMin {
			t.Errorf("tag %s says macOS %s; the helper needs macOS %s", tag, p.macosMin, facts.macosMin)
		}
		libcs = append(libcs, p.libc)
		wantTags = append(wantTags, "py3-none-"+tag)
	}
	if facts.goos == "linux" && !(slices.Contains(libcs, "manylinux") && slices.Contains(libcs, "musllinux")) {
		t.Errorf("a static Linux helper runs with glibc and musl alike; the wheel's tags cover only %v", libcs)
	}

	distInfo := fmt.Sprintf("sigrpc-%s.dist-info/", version.Version)
	wheelFile := string(read(distInfo + "WHEEL"))
	var tags []string
	for _, line := range strings.Split(wheelFile, "\n") {
		if tag, ok := strings.CutPrefix(line, "Tag: "); ok {
			tags = append(tags, tag)
		}
	}
	sort.Strings(tags)
	sort.Strings(wantTags)
	if !slices.Equal(tags, wantTags) {
		t.Errorf("WHEEL lists tags %v; the file name %v", tags, wantTags)
	}
	if !strings.Contains(wheelFile, "Root-Is-Purelib: false") {
		t.Error("WHEEL does not say Root-Is-Purelib: false, though the wheel holds a binary")
	}
	if metadata := string(read(distInfo + "METADATA")); !strings.Contains(metadata, "\nVersion: "+version.Version+"\n") {
		t.Errorf("METADATA does not give Version: %s", version.Version)
	}
	if v := string(read("sigrpc/_version.py")); !strings.Contains(v, fmt.Sprintf("__version__ = %q\n", version.Version)) {
		t.Errorf("sigrpc/_version.py does not state version %s:\n%s", version.Version, v)
	}
	if ep := files[distInfo+"entry_points.txt"]; ep != nil {
		// a console script named sigrpc would be a Python wrapper, written
		// over the helper or under it, whichever pip installed last
		t.Errorf("the wheel has entry points:\n%s", read(distInfo+"entry_points.txt"))
	}
	read("sigrpc/_bin/LICENSE")
	return facts.goos + "/" + facts.goarch
}

// TestNpmPlatformPackagesMatchTheirHelpers: each @sigrpc/<os>-<cpu> tarball
// holds bin/sigrpc (0755, static), built for the os and cpu its package.json
// declares, which are the ones its name gives.
func TestNpmPlatformPackagesMatchTheirHelpers(t *testing.T) {
	dist := needDist(t)
	for _, p := range npmPlatforms {
		t.Run(p, func(t *testing.T) {
			path := filepath.Join(dist, "npm", fmt.Sprintf("sigrpc-%s-%s.tgz", p, version.Version))
			entries := readTarball(t, path)
			var manifest struct {
				Name    string   `json:"name"`
				Version string   `json:"version"`
				OS      []string `json:"os"`
				CPU     []string `json:"cpu"`
			}
			if err := json.Unmarshal(entries["package/package.json"].data, &manifest); err != nil {
				t.Fatalf("package/package.json: %v", err)
			}
			bin, ok := entries["package/bin/sigrpc"]
			if !ok {
				t.Fatal("no package/bin/sigrpc")
			}
			if bin.mode != 0o755 {
				t.Errorf("bin/sigrpc has mode %o, want 755", bin.mode)
			}
			facts := inspectHelper(t, "bin/sigrpc", bin.data)
			wantOS, wantCPU := facts.goos, npmCPU[facts.goarch]
			if !slices.Equal(manifest.OS, []string{wantOS}) || !slices.Equal(manifest.CPU, []string{wantCPU}) {
				t.Errorf("package.json has os %v, cpu %v; the helper is for os %s, cpu %s", manifest.OS, manifest.CPU, wantOS, wantCPU)
			}
			if want := "@sigrpc/" + wantOS + "-" + wantCPU; manifest.Name != want || p != wantOS+"-"+wantCPU {
				t.Errorf("package %s in %s holds the helper for %s", manifest.Name, filepath.Base(path), want)
			}
			if manifest.Version != version.Version {
				t.Errorf("version %s, want %s", manifest.Version, version.Version)
			}
			if _, ok := entries["package/LICENSE"]; !ok {
				t.Error("no LICENSE")
			}
		})
	}
}

// TestNpmMainPackageNamesEveryPlatformPackage: the sigrpc tarball lists each
// platform package as an optional dependency at exactly its own version,
// restricts no os or cpu itself, and carries the client; dist/npm holds
// nothing else.
func TestNpmMainPackageNamesEveryPlatformPackage(t *testing.T) {
	dist := needDist(t)
	tarballs, _ := filepath.Glob(filepath.Join(dist, "npm", "*.tgz"))
	want := []string{fmt.Sprintf("sigrpc-%s.tgz", version.Version)}
	for _, p := range npmPlatforms {
		want = append(want, fmt.Sprintf("sigrpc-%s-%s.tgz", p, version.Version))
	}
	var got []string
	for _, path := range tarballs {
		got = append(got, filepath.Base(path))
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("dist/npm holds %v, want %v", got, want)
	}

	entries := readTarball(t, filepath.Join(dist, "npm", want[0]))
	var manifest struct {
		Name                 string            `json:"name"`
		Version              string            `json:"version"`
		OS                   []string          `json:"os"`
		CPU                  []string          `json:"cpu"`
		OptionalDependencies map[string]string `json:"optionalDependencies"`
	}
	if err := json.Unmarshal(entries["package/package.json"].data, &manifest); err != nil {
		t.Fatalf("package/package.json: %v", err)
	}
	if manifest.Name != "sigrpc" || manifest.Version != version.Version {
		t.Errorf("package %s@%s, want sigrpc@%s", manifest.Name, manifest.Version, version.Version)
	}
	wantDeps := map[string]string{}
	for _, p := range npmPlatforms {
		wantDeps["@sigrpc/"+p] = version.Version
	}
	if !maps.Equal(manifest.OptionalDependencies, wantDeps) {
		t.Errorf("optionalDependencies %v, want %v", manifest.OptionalDependencies, wantDeps)
	}
	if manifest.OS != nil || manifest.CPU != nil {
		t.Errorf("the main package restricts os %v, cpu %v; only the platform packages should", manifest.OS, manifest.CPU)
	}
	for _, name := range []string{"package/index.js", "package/types/index.d.ts", "package/src/client.js", "package/LICENSE"} {
		if _, ok := entries[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
}

// TestReleaseHelpers: dist/bin holds one static helper per platform, each
// built for the platform its name gives.
func TestReleaseHelpers(t *testing.T) {
	dist := needDist(t)
	for _, name := range helperNames {
		data, err := os.ReadFile(filepath.Join(dist, "bin", name))
		if err != nil {
			t.Error(err)
			continue
		}
		facts := inspectHelper(t, name, data)
		if want := "sigrpc-" + facts.goos + "-" + facts.goarch; name != want {
			t.Errorf("%s holds the helper for %s/%s", name, facts.goos, facts.goarch)
		}
	}
}

// TestSdistCarriesTheGoModule: the sdist holds the Python package, the build
// hook and the Go module's sources (no tests), with one version throughout.
func TestSdistCarriesTheGoModule(t *testing.T) {
	dist := needDist(t)
	top := fmt.Sprintf("sigrpc-%s/", version.Version)
	entries := readTarball(t, filepath.Join(dist, fmt.Sprintf("sigrpc-%s.tar.gz", version.Version)))
	for _, name := range []string{
		"PKG-INFO", "pyproject.toml", "hatch_build.py", "README.md",
		"src/sigrpc/__init__.py", "src/sigrpc/_version.py", "src/sigrpc/_cli.py",
		"go/go.mod", "go/go.sum", "go/LICENSE", "go/cmd/sigrpc/main.go",
		"go/internal/version/version.go", "go/internal/version/VERSION",
	} {
		if _, ok := entries[top+name]; !ok {
			t.Errorf("no %s in the sdist", name)
		}
	}
	if v := strings.TrimSpace(string(entries[top+"go/internal/version/VERSION"].data)); v != version.Version {
		t.Errorf("the sdist's VERSION says %q, want %q", v, version.Version)
	}
	if !strings.Contains(string(entries[top+"PKG-INFO"].data), "\nVersion: "+version.Version+"\n") {
		t.Errorf("PKG-INFO does not give Version: %s", version.Version)
	}
	for name := range entries {
		if strings.HasSuffix(name, "_test.go") || strings.Contains(name, "/testdata/") {
			t.Errorf("the sdist carries a test file: %s", name)
		}
	}
}
