module github.com/sigrpc/sigrpc

go 1.26.0

require (
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3
	github.com/sourcegraph/jsonrpc2 v0.2.3
	golang.org/x/sys v0.50.0
)

require golang.org/x/text v0.14.0 // indirect
