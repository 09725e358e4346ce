package rpc

import (
	"bufio"
	"bytes"
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

// The frame errors. errTooLarge is per server, since it names the limit.
var (
	errHeader    = &frameError{requestError(jsonrpc2.CodeParseError, "Parse error: malformed header", "malformed header")}
	errTruncated = &frameError{requestError(jsonrpc2.CodeParseError, "Parse error: truncated message", "truncated message")}
	errNotFramed = &frameError{requestError(jsonrpc2.CodeParseError, "Parse error", "neither JSON nor a Content-Length header")}
)

// tooLarge returns the frame error for a message over limit bytes.
func tooLarge(limit int64) *frameError {
	return &frameError{requestError(jsonrpc2.CodeInvalidRequest, "message too large",
		"larger than the limit of "+strconv.FormatInt(limit, 10)+" bytes")}
}

// A messageReader reads message bodies from one framing.
type messageReader interface {
	// readMessage returns the next message body, valid until the next call.
	// It returns a *frameError for a bad frame after which reading can go
	// on, io.EOF at a clean end of input, and any other error as fatal.
	readMessage() ([]byte, error)
}

// input is the buffered input stream shared by the framings. It never
// waits for bytes it does not need: a frame error is reported as soon as
// the bytes that prove it have arrived, and an oversize message is
// discarded afterwards, as it arrives. Buffers grow with the bytes that
// arrived, never from a length a header declares.
type input struct {
	br       *bufio.Reader
	limit    int64       // the largest message body accepted
	tooLarge *frameError // the error for a body over limit
	big      []byte      // a message that does not fit the read buffer
	skipLine bool        // discard up to the next newline before reading on
	skip     int64       // bytes of an oversize body still to discard
}

// newInput returns the input over r for messages of up to limit bytes.
func newInput(r io.Reader, limit int64) *input {
	return &input{br: bufio.NewReaderSize(r, readBufferSize), limit: limit, tooLarge: tooLarge(limit)}
}

// newMessageReader returns the reader for framing f, which must not be
// FramingAuto (see detect).
func newMessageReader(in *input, f Framing) messageReader {
	if f == FramingLSP {
		return &lspReader{input: in}
	}
	return &ndjsonReader{input: in}
}

// buffered returns the bytes buffered, waiting for at least one if none
// are. The error is the reader's, once nothing is buffered.
func (in *input) buffered() ([]byte, error) {
	if in.br.Buffered() == 0 {
		if _, err := in.br.Peek(1); err != nil {
			return nil, err
		}
	}
	b, _ := in.br.Peek(in.br.Buffered())
	return b, nil
}

// bom is the UTF-8 byte order mark, ignored at the start of the input.
const bom = "\xef\xbb\xbf"

// skipBOM discards a byte order mark at the start of the input. It waits
// for more bytes only while those buffered could still begin one.
func (in *input) skipBOM() error {
	for {
		b, err := in.buffered()
		if err != nil {
			return err
		}
		n := min(len(b), len(bom))
		switch {
		case string(b[:n]) != bom[:n]:
			return nil
		case n == len(bom):
			in.br.Discard(n)
			return nil
		}
		if _, err := in.br.Peek(n + 1); err != nil {
			return nil // the end of input comes next; the framing reports it
		}
	}
}

// detect skips the BOM and whitespace and chooses a framing: ndjson for a
// message that starts with '{' or '[', lsp for a line that starts with a
// Content-Length header (any case), which it leaves unread. Any other line
// is errNotFramed, reported as soon as its first bytes show it, and then
// discarded up to its newline; the caller answers it and calls detect
// again. It returns io.EOF at the end of input.
func (in *input) detect() (Framing, error) {
	const header = "content-length:"
	if in.skipLine {
		if err := in.discardLine(); err != nil {
			return 0, err
		}
	}
	for {
		b, err := in.buffered()
		if err != nil {
			return 0, err
		}
		i := skipSpace(b, 0)
		in.br.Discard(i)
		if b = b[i:]; len(b) == 0 {
			continue
		}
		n := min(len(b), len(header))
		switch {
		case b[0] == '{' || b[0] == '[':
			return FramingNDJSON, nil
		case !bytes.EqualFold(b[:n], []byte(header[:n])):
			in.skipLine = true
			return 0, errNotFramed
		case n == len(header):
			return FramingLSP, nil
		}
		// The start of a header so far: wait for the next byte.
		if _, err := in.br.Peek(len(b) + 1); err != nil {
			in.skipLine = true
			return 0, errNotFramed
		}
	}
}

// readLine returns the next line without its "\n" and any "\r" before it,
// valid until the next read. A line longer than max is reported with
// tooLong as soon as more than max bytes of it (and a possible "\r") have
// arrived; its bytes are not kept, and the rest of it is discarded by the
// next read, as it arrives. At end of input a final unterminated line is
// returned with a nil error; after it, io.EOF.
func (in *input) readLine(max int64) (line []byte, tooLong bool, err error) {
	if in.skipLine {
		if err := in.discardLine(); err != nil {
			return nil, false, err
		}
	}
	in.releaseBig()
	long := in.big[:0] // the start of a line longer than the buffered bytes
	for {
		b, err := in.buffered()
		if err != nil {
			if len(long) == 0 {
				return nil, false, err
			}
			in.big = long
			return in.finishLine(long, max)
		}
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line := b[:i]
			if len(long) > 0 {
				long = append(long, line...)
				in.big, line = long, long
			}
			in.br.Discard(i + 1)
			return in.finishLine(line, max)
		}
		if int64(len(long))+int64(len(b)) > max+1 {
			in.br.Discard(len(b))
			in.skipLine = true
			return nil, true, nil
		}
		long = append(long, b...)
		in.br.Discard(len(b))
	}
}

// finishLine strips a trailing "\r" and checks the line's length.
func (in *input) finishLine(line []byte, max int64) ([]byte, bool, error) {
	line = bytes.TrimSuffix(line, []byte("\r"))
	if int64(len(line)) > max {
		return nil, true, nil
	}
	return line, false, nil
}

// discardLine discards input up to and including the next newline, as it
// arrives.
func (in *input) discardLine() error {
	for {
		b, err := in.buffered()
		if err != nil {
			return err
		}
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			in.br.Discard(i + 1)
			in.skipLine = false
			return nil
		}
		in.br.Discard(len(b))
	}
}

// readBody returns the next n bytes, valid until the next read. Bytes
// already buffered are returned in place; a longer body is gathered in a
// buffer that grows as its bytes arrive. The end of input inside the body
// is errTruncated.
func (in *input) readBody(n int64) ([]byte, error) {
	if int64(in.br.Buffered()) >= n {
		b, _ := in.br.Peek(int(n))
		in.br.Discard(int(n))
		return b, nil
	}
	in.releaseBig()
	body := in.big[:0]
	for int64(len(body)) < n {
		b, err := in.buffered()
		if err == io.EOF {
			return nil, errTruncated
		}
		if err != nil {
			return nil, err
		}
		b = b[:min(int64(len(b)), n-int64(len(body)))]
		body = append(body, b...)
		in.br.Discard(len(b))
	}
	in.big = body
	return body, nil
}

// discardBody discards what is left of an oversize body, as it arrives.
// The end of input inside it is a clean end: the body was answered.
func (in *input) discardBody() error {
	for in.skip > 0 {
		n, err := in.br.Discard(int(min(in.skip, readBufferSize)))
		in.skip -= int64(n)
		if err != nil {
			return err
		}
	}
	return nil
}

// releaseBig lets go of a large message buffer, so that one large message
// does not pin its memory for the rest of the session.
func (in *input) releaseBig() {
	if cap(in.big) > 4*readBufferSize {
		in.big = nil
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
			return nil, r.tooLarge
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
	if err := r.discardBody(); err != nil {
		return nil, err
	}
	length, ok := r.readCanonicalHeader()
	if !ok {
		var err error
		if length, err = r.readHeader(); err != nil {
			return nil, err
		}
	}
	if length > r.limit {
		r.skip = length // discarded as it arrives, after the error is answered
		return nil, r.tooLarge
	}
	return r.readBody(length)
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
