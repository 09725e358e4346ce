module github.com/sigrpc/sigrpc

go 1.26.0

require (
	github.com/sourcegraph/jsonrpc2 v0.2.3
	golang.org/x/sys v0.50.0
)
