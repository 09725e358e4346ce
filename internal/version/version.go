// Package version holds sigrpc's version: the one number that the helper's
// --version, the Python package and the npm packages all carry.
//
// The number lives in the file VERSION beside this one, embedded at compile
// time, so a plain `go build` or `go install ./cmd/sigrpc` reports it
// without linker flags. The Python build reads the same file; npm needs a
// literal copy in clients/node/package.json, which TestNodePackageAgrees
// keeps equal. `make set-version V=x.y.z` changes them all.
package version

import (
	_ "embed"
	"strings"
)

//go:embed VERSION
var file string

// Version is the release, MAJOR.MINOR.PATCH (for example "0.2.0").
var Version = strings.TrimSpace(file)
