package version

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestVersionIsPlainSemver: MAJOR.MINOR.PATCH only. A pre-release suffix
// would be spelt differently by npm ("1.0.0-rc.1") and Python ("1.0.0rc1"),
// and the packages could no longer be compared as equal strings.
func TestVersionIsPlainSemver(t *testing.T) {
	if !regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`).MatchString(Version) {
		t.Fatalf("VERSION holds %q; want MAJOR.MINOR.PATCH", file)
	}
}

// TestNodePackageAgrees: npm cannot read VERSION, so clients/node/package.json
// and its lock file carry a copy, which must be the same.
func TestNodePackageAgrees(t *testing.T) {
	root := filepath.Join("..", "..", "clients", "node")
	var pkg struct {
		Version string `json:"version"`
	}
	readJSON(t, filepath.Join(root, "package.json"), &pkg)
	if pkg.Version != Version {
		t.Errorf("clients/node/package.json has version %q, internal/version/VERSION %q (run make set-version V=%s)", pkg.Version, Version, Version)
	}
	var lock struct {
		Version  string `json:"version"`
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	readJSON(t, filepath.Join(root, "package-lock.json"), &lock)
	if lock.Version != Version || lock.Packages[""].Version != Version {
		t.Errorf("clients/node/package-lock.json has version %q (root package %q), internal/version/VERSION %q", lock.Version, lock.Packages[""].Version, Version)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
