// Package recipes runs the recipes of the README's "Editors and shells"
// section exactly as they are written there: the bash script (a coproc
// and jq), the Neovim Lua file (a job speaking ndjson) and the Emacs Lisp
// file (jsonrpc.el with LSP framing).
//
// Its tests take the section's fenced blocks tagged bash, lua and elisp
// out of README.md, write each to a file and run it headless against the
// helper named by SIGRPC_BIN: `bash FILE`, `nvim --headless -u NONE` with
// the file run by dofile, `emacs --batch -Q -l FILE`. `make test-recipes`
// builds bin/sigrpc and sets SIGRPC_BIN; without it the recipe tests skip,
// so `go test ./...` stays quick (the check of the section's shape always
// runs).
//
// Each run has a time limit, its own process group, a HOME of its own and
// a marker in its environment; after it, no process carrying the marker
// may be left (the recipes kill only a sleep child they start). A recipe
// whose tool (bash and jq, nvim, emacs) is missing is skipped with the
// package that brings it, except when CI=true: CI installs them, so there
// a missing tool fails the test. The runs need Linux (/proc, pidfds,
// inspect).
package recipes
