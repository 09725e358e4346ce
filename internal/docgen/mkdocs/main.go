// Command mkdocs writes the generated blocks of README.md and PROTOCOL.md
// from sigrpc's method table (see package docgen). `make docs` runs it from
// the module's root.
package main

import (
	"fmt"
	"os"

	"github.com/sigrpc/sigrpc/internal/docgen"
)

func main() {
	changed, err := docgen.Write(".")
	if err != nil {
		fmt.Fprintf(os.Stderr, "make docs: %v\n", err)
		os.Exit(1)
	}
	for _, name := range changed {
		fmt.Printf("make docs: wrote %s\n", name)
	}
	if len(changed) == 0 {
		fmt.Println("make docs: README.md and PROTOCOL.md are up to date")
	}
}
