// Package disttest checks the release artefacts that `make dist` writes to
// dist/, and installs them the way a user without Go would.
//
// Its tests run from `make test-dist`, which builds dist/ first and sets
// SIGRPC_DIST (the dist directory) and SIGRPC_DIST_PYTHON (the Python with
// the build tools); without them they skip, so `go test ./...` stays quick.
// The install tests need Linux on amd64 or arm64 and skip elsewhere.
//
// What they prove:
//
//   - every wheel's platform tags describe the helper inside it (ELF or
//     Mach-O machine, OS, macOS minimum), the helper is static and mode
//     0755 at sigrpc/_bin/sigrpc, and the wheel's metadata has the version;
//   - every npm platform package's os and cpu describe its bin/sigrpc, and
//     the main package lists each platform package at the exact version;
//   - the sdist carries the Go module, and a wheel built from it compiles
//     the helper when Go is on PATH and fails naming Go when it is not;
//   - in a fresh venv and a fresh npm project, with no Go and no sigrpc on
//     PATH and SIGRPC_BIN unset, pip and npm install offline and the
//     clients kill a child process through the bundled helper; the helper,
//     the Python package and the npm package report the same version.
package disttest
