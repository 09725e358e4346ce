package service_test

import (
	"path/filepath"
	"testing"

	"github.com/sigrpc/sigrpc/internal/docgen"
)

// TestDocsAreGenerated fails while README.md's method table or
// PROTOCOL.md's method reference differs from what make docs writes from
// this package's method table: after a change to the table, or a hand
// edit between the generated markers.
func TestDocsAreGenerated(t *testing.T) {
	stale, err := docgen.Stale(filepath.Join("..", ".."))
	if err != nil {
		t.Fatalf("%v\n(fix that, then run make docs)", err)
	}
	for _, s := range stale {
		t.Errorf("%s\nthe generated text is stale: run make docs", s)
	}
}
