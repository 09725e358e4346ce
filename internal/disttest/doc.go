// Package disttest checks the release artefacts that `make dist` writes to
// dist/, installs them the way a user without Go would, and runs the
// release's checks.
//
// Its tests run from `make test-dist` and `make release-check`, which
// build dist/ first and set SIGRPC_DIST (the dist directory),
// SIGRPC_DIST_PYTHON (the Python with the build tools),
// SIGRPC_RELEASE_PYTHON (the Python with twine, auditwheel, pypiserver and
// PyYAML: build/release-venv) and SIGRPC_VERDACCIO (verdaccio's bin
// script); without them they skip, so `go test ./...` stays quick. The
// install tests need Linux on amd64 or arm64 and skip elsewhere. `make
// release-check` runs the TestReleaseCheck tests, `make test-dist` the
// others.
//
// What they prove:
//
//   - every wheel's platform tags describe the helper inside it (ELF or
//     Mach-O machine, OS, macOS minimum), the helper is static and is the
//     wheel's script sigrpc (sigrpc-<version>.data/scripts/sigrpc, 0755),
//     so that pip installs the binary itself as the sigrpc command, with
//     no entry point beside it, and the wheel's metadata has the version;
//   - every npm platform package's os and cpu describe its bin/sigrpc, and
//     the main package lists each platform package at the exact version;
//   - the sdist carries the Go module, and a wheel built from it compiles
//     the helper (as its script) when Go is on PATH and fails naming Go
//     when it is not;
//   - in a fresh venv and a fresh npm project, with no Go and no sigrpc on
//     PATH and SIGRPC_BIN unset, pip and npm install the files offline, and
//     again from a local pypiserver and verdaccio that dist/ was published
//     to as the release workflow publishes it (twine; platform packages
//     before sigrpc), with the README's `pip install sigrpc` and `npm
//     install sigrpc`; each time the clients kill a child process through
//     the bundled helper, the helper, the Python package and the npm
//     package report the same version, and the sigrpc command on the
//     venv's PATH is the helper binary, starting within twice its time;
//   - the release checks (TestReleaseCheck...): twine check --strict,
//     auditwheel show on the Linux wheels, npm publish --dry-run of every
//     package, and the release workflow's shape.
package disttest
