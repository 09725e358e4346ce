package rpc

import (
	"strings"
	"testing"
)

// TestCanonicalHeaderAgreesWithTheGeneralParser: wherever the lsp fast path
// takes a header block, the general parser reads the same length and
// stops at the same byte; elsewhere the fast path consumes nothing.
func TestCanonicalHeaderAgreesWithTheGeneralParser(t *testing.T) {
	for _, header := range []string{
		"Content-Length: 2\r\n\r\n",
		"Content-Length: 0\r\n\r\n",
		"Content-Length: 007\r\n\r\n",
		"Content-Length: 123456789012345678\r\n\r\n",
		"Content-Length: 1234567890123456789\r\n\r\n",
		"Content-Length: 2\n\n",
		"content-length: 2\r\n\r\n",
		"Content-Length:  2\r\n\r\n",
		"Content-Length: 2 \r\n\r\n",
		"Content-Length: 2\r\nContent-Type: x\r\n\r\n",
		"Content-Length: \r\n\r\n",
		"Content-Length: -2\r\n\r\n",
		"Content-Length: 2\r\n",
		"\r\nContent-Length: 2\r\n\r\n",
	} {
		input := header + "{}"
		fast := newLSPTestReader(input)
		n, ok := fast.readCanonicalHeader()
		if !ok {
			if got := fast.br.Buffered(); got != len(input) {
				t.Errorf("%q: the fast path declined but consumed %d bytes", header, len(input)-got)
			}
			continue
		}
		general := newLSPTestReader(input)
		want, err := general.readHeader()
		if err != nil || n != want || fast.br.Buffered() != general.br.Buffered() {
			t.Errorf("%q: fast path read %d and left %d bytes; general parser %d, %v, left %d",
				header, n, fast.br.Buffered(), want, err, general.br.Buffered())
		}
	}
}

func newLSPTestReader(input string) *lspReader {
	return newMessageReader(newInput(strings.NewReader(input), DefaultMaxMessageBytes), FramingLSP).(*lspReader)
}
