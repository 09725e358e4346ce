package rpc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/sourcegraph/jsonrpc2"
)

// Framing selects how messages are delimited on the wire.
type Framing int

// The framings. FramingAuto decides from the first non-whitespace byte of
// the input: '{' or '[' means ndjson, anything else means lsp.
const (
	FramingAuto Framing = iota
	FramingNDJSON
	FramingLSP
)

// ParseFraming parses a --framing flag value: "auto", "ndjson" or "lsp".
func ParseFraming(s string) (Framing, error) {
	switch s {
	case "auto":
		return FramingAuto, nil
	case "ndjson":
		return FramingNDJSON, nil
	case "lsp":
		return FramingLSP, nil
	}
	return 0, fmt.Errorf("unknown framing %q (want auto, ndjson or lsp)", s)
}

// String returns the flag spelling of f.
func (f Framing) String() string {
	switch f {
	case FramingNDJSON:
		return "ndjson"
	case FramingLSP:
		return "lsp"
	}
	return "auto"
}

// readBufferSize is the size of the input buffer. A message larger than
// this is gathered into a separate buffer, up to the message size limit.
const readBufferSize = 64 << 10

// maxHeaderLine bounds one LSP header line; a longer line is a broken header.
const maxHeaderLine = 4 << 10

// A frameError is a malformed or oversize frame. The stream goes on: the
// error is answered with id null and the next message is read.
type frameError struct {
	rpcErr *jsonrpc2.Error
}

func (e *frameError) Error() string { return e.rpcErr.Message }

var (
	errTooLarge  = &frameError{&jsonrpc2.Error{Code: jsonrpc2.CodeInvalidRequest, Message: "message too large"}}
	errHeader    = &frameError{&jsonrpc2.Error{Code: jsonrpc2.CodeParseError, Message: "Parse error: malformed header"}}
	errTruncated = &frameError{&jsonrpc2.Error{Code: jsonrpc2.CodeParseError, Message: "Parse error: truncated message"}}
)

// A messageReader reads message bodies from one framing.
type messageReader interface {
	// readMessage returns the next message body, valid until the next call.
	// It returns a *frameError for a bad frame after which reading can go
	// on, io.EOF at a clean end of input, and any other error as fatal.
	readMessage() ([]byte, error)
}

// input is the buffered input stream shared by the framings.
type input struct {
	br    *bufio.Reader
	limit int64  // the largest message body accepted
	big   []byte // reused for messages larger than the read buffer
}

// pending reports whether input is already buffered, so that reading the
// next message will not block.
func (in *input) pending() bool { return in.br.Buffered() > 0 }

// newMessageReader returns the reader for framing f over r, detecting the
// framing first if f is FramingAuto. A UTF-8 byte order mark at the start
// of the stream is skipped.
func newMessageReader(r io.Reader, f Framing, limit int64) (messageReader, *input, Framing, error) {
	in := &input{br: bufio.NewReaderSize(r, readBufferSize), limit: limit}
	if b, err := in.br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		in.br.Discard(3)
	}
	if f == FramingAuto {
		var err error
		if f, err = in.detect(); err != nil {
			return nil, in, f, err
		}
	}
	if f == FramingLSP {
		return &lspReader{input: in}, in, f, nil
	}
	return &ndjsonReader{input: in}, in, f, nil
}

// detect skips leading whitespace and chooses a framing by the next byte.
func (in *input) detect() (Framing, error) {
	for {
		c, err := in.br.ReadByte()
		if err != nil {
			return FramingNDJSON, err
		}
		if isSpace(c) {
			continue
		}
		in.br.UnreadByte()
		if c == '{' || c == '[' {
			return FramingNDJSON, nil
		}
		return FramingLSP, nil
	}
}

// readLine returns the next line without its "\n" and any "\r" before it.
// A line longer than max is consumed to its end and reported with
// tooLong; its bytes are not kept. At end of input a final unterminated
// line is returned with a nil error; after it, io.EOF.
func (in *input) readLine(max int64) (line []byte, tooLong bool, err error) {
	line, err = in.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		line, tooLong, err = in.readLongLine(line, max)
	}
	if err == io.EOF && len(line) > 0 {
		err = nil
	}
	if err != nil || tooLong {
		return nil, tooLong, err
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	return line, int64(len(line)) > max, nil
}

// readLongLine finishes a line that overflowed the read buffer, gathering
// it into in.big while it fits within max and discarding the rest.
func (in *input) readLongLine(first []byte, max int64) ([]byte, bool, error) {
	in.big = append(in.big[:0], first...)
	for {
		chunk, err := in.br.ReadSlice('\n')
		if int64(len(in.big)) <= max+2 { // room for "\r\n"
			in.big = append(in.big, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if int64(len(in.big)) > max+2 {
			if cap(in.big) > readBufferSize*4 {
				in.big = nil // do not pin a large buffer
			}
			return nil, true, nil
		}
		return in.big, false, err
	}
}

// ndjsonReader reads one JSON value per line. Blank lines are skipped.
type ndjsonReader struct {
	*input
}

func (r *ndjsonReader) readMessage() ([]byte, error) {
	for {
		line, tooLong, err := r.readLine(r.limit)
		if err != nil {
			return nil, err
		}
		if tooLong {
			return nil, errTooLarge
		}
		if line = trimSpace(line); len(line) > 0 {
			return line, nil
		}
	}
}

// lspReader reads LSP base protocol frames: header lines, a blank line,
// then Content-Length bytes of body.
type lspReader struct {
	*input
	resync bool   // a header broke: skip to the next Content-Length line
	carry  []byte // a Content-Length header found inside a broken line
}

func (r *lspReader) readMessage() ([]byte, error) {
	length, ok := r.readCanonicalHeader()
	if !ok {
		var err error
		if length, err = r.readHeader(); err != nil {
			return nil, err
		}
	}
	if length > r.limit {
		// Skip the body without buffering it; a body cut short by the end
		// of input is still answered as too large.
		if _, err := r.br.Discard(int(min(length, int64(^uint(0)>>1)))); err != nil && err != io.EOF {
			return nil, err
		}
		return nil, errTooLarge
	}
	if int64(cap(r.big)) < length {
		r.big = make([]byte, length)
	}
	body := r.big[:length]
	if _, err := io.ReadFull(r.br, body); err != nil {
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errTruncated // a header block promised a body
		}
		return nil, err
	}
	return body, nil
}

// lengthHeader starts the header block nearly every client writes:
// "Content-Length: N\r\n\r\n", nothing else.
const lengthHeader = "Content-Length: "

// readCanonicalHeader is readHeader's fast path: if the buffered input
// starts with exactly that block, it consumes it and returns N. Otherwise
// it consumes nothing and reports false, and readHeader, which accepts the
// same block among much else, takes over.
func (r *lspReader) readCanonicalHeader() (int64, bool) {
	if r.resync || r.carry != nil {
		return 0, false
	}
	if r.br.Buffered() == 0 {
		if _, err := r.br.Peek(1); err != nil {
			return 0, false
		}
	}
	b, _ := r.br.Peek(r.br.Buffered())
	if !bytes.HasPrefix(b, []byte(lengthHeader)) {
		return 0, false
	}
	var n int64
	i := len(lengthHeader)
	for ; i < len(b) && i < len(lengthHeader)+18 && '0' <= b[i] && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
	}
	if i == len(lengthHeader) || !bytes.HasPrefix(b[i:], []byte("\r\n\r\n")) {
		return 0, false
	}
	r.br.Discard(i + 4)
	return n, true
}

// readHeader reads one header block and returns its Content-Length. It
// returns errHeader for a malformed block (and resynchronises on the next
// call), errTruncated if the input ends inside a block, and io.EOF at a
// clean end of input.
func (r *lspReader) readHeader() (int64, error) {
	var length int64
	seen, started := false, false
	for {
		line, tooLong, err := r.nextHeaderLine()
		if err == io.EOF && started {
			return 0, errTruncated
		}
		if err != nil {
			return 0, err
		}
		if r.resync {
			i := indexFold(line, "content-length:")
			if tooLong || i < 0 {
				continue
			}
			line, r.resync = line[i:], false
		}
		if len(line) == 0 && !started {
			continue // blank lines between messages
		}
		if len(line) == 0 && seen {
			return length, nil
		}
		started = true
		n, isLength, ok := parseHeaderLine(line)
		if tooLong || !ok || (isLength && seen && n != length) {
			r.fail(line)
			return 0, errHeader
		}
		if isLength {
			length, seen = n, true
		}
	}
}

// nextHeaderLine returns the carried-over line, if any, else reads one.
func (r *lspReader) nextHeaderLine() ([]byte, bool, error) {
	if r.carry != nil {
		line := r.carry
		r.carry = nil
		return line, false, nil
	}
	return r.readLine(maxHeaderLine)
}

// fail marks the header block broken. A body shorter than its declared
// length leaves its tail in front of the next header on the same line, so
// a Content-Length header later in the broken line is where reading
// resumes; otherwise reading resumes at the next line that starts with one.
func (r *lspReader) fail(line []byte) {
	r.resync = true
	if len(line) > 1 {
		if i := indexFold(line[1:], "content-length:"); i >= 0 {
			r.carry = append([]byte(nil), line[1+i:]...)
		}
	}
}

// parseHeaderLine parses "Name: value". For Content-Length (any case) it
// returns the length; other well-formed headers are accepted and ignored.
func parseHeaderLine(line []byte) (length int64, isLength, ok bool) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 || !isToken(line[:colon]) {
		return 0, false, false
	}
	if !bytes.EqualFold(line[:colon], []byte("content-length")) {
		return 0, false, true
	}
	v := bytes.TrimSpace(line[colon+1:])
	if len(v) == 0 || v[0] < '0' || v[0] > '9' {
		return 0, true, false
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	return n, true, err == nil
}

// isToken reports whether b is an HTTP header field name (RFC 9110 token).
func isToken(b []byte) bool {
	for _, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0
		if !ok {
			return false
		}
	}
	return len(b) > 0
}

// indexFold returns the index of the first instance of the lower-case
// ASCII string sub in line, ignoring case, or -1.
func indexFold(line []byte, sub string) int {
	for i := 0; i+len(sub) <= len(line); i++ {
		if bytes.EqualFold(line[i:i+len(sub)], []byte(sub)) {
			return i
		}
	}
	return -1
}

// appendFrame appends body to dst framed for f (never FramingAuto).
func appendFrame(dst []byte, f Framing, body []byte) []byte {
	if f == FramingLSP {
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(body)), 10)
		dst = append(dst, "\r\n\r\n"...)
		return append(dst, body...)
	}
	dst = append(dst, body...)
	return append(dst, '\n')
}
