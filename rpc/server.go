package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"

	"github.com/sourcegraph/jsonrpc2"
)

// Method is one JSON-RPC method: its wire name, its parameters, and its
// implementation. The same table drives dispatch and documentation.
type Method struct {
	Name    string
	Summary string
	Params  []Param
	// Result is a JSON Schema of the result, as JSON text.
	Result string
	// Blocking marks a method that may wait (for a process to exit, say).
	// Blocking methods run on their own goroutine, up to a limit, so they
	// never hold up other requests; the others run inline, in order.
	Blocking bool
	// Call runs the method with args decoded against Params (same order),
	// appends the JSON result to dst and returns it, or returns an error.
	// ctx is cancelled when the session ends; a blocking method must then
	// return promptly.
	Call func(ctx context.Context, args []Value, dst []byte) ([]byte, *jsonrpc2.Error)
}

// Defaults for Options.
const (
	DefaultMaxMessageBytes = 1 << 20
	DefaultMaxBlocking     = 1024
)

// Options configures a Server.
type Options struct {
	Framing         Framing
	MaxMessageBytes int64        // the largest message accepted; 0 means DefaultMaxMessageBytes
	MaxBlocking     int          // blocking calls in flight at once; 0 means DefaultMaxBlocking
	Logger          *slog.Logger // nil discards logs
	Version         string       // the service version rpc.discover reports
}

// Server serves a fixed set of methods over a byte stream. One Server may
// serve many streams, one after another or at once.
type Server struct {
	methods []*Method // searched in order: for a table this small, faster than a map
	opts    Options
}

// NewServer returns a Server for methods and rpc.discover, which answers
// with an OpenRPC document generated from the same table. It panics if a
// name repeats or a method has more than eight params: the table is fixed
// at build time.
func NewServer(methods []Method, opts Options) *Server {
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if opts.MaxBlocking <= 0 {
		opts.MaxBlocking = DefaultMaxBlocking
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{methods: make([]*Method, 0, len(methods)+1), opts: opts}
	var doc []byte
	methods = append(slices.Clone(methods), discoverMethod(&doc))
	for i := range methods {
		m := &methods[i]
		if s.find([]byte(m.Name)) != nil || len(m.Params) > maxParams {
			panic(fmt.Sprintf("rpc: bad method table entry %q", m.Name))
		}
		s.methods = append(s.methods, m)
	}
	doc = openRPCDocument(s.methods, opts.Version)
	return s
}

// Serve reads requests from r and writes responses to w until r ends, ctx
// is cancelled, or writing fails. Either way it first answers every
// request it has accepted: blocking calls see their context cancelled and
// answer, and all output is flushed. It returns nil at the end of input or
// on cancellation, and the error otherwise (a write error means the peer
// is gone).
func (s *Server) Serve(ctx context.Context, r io.Reader, w io.Writer) error {
	callCtx, cancelCalls := context.WithCancel(ctx)
	defer cancelCalls()
	ss := &session{
		srv:    s,
		ctx:    callCtx,
		out:    &output{w: w},
		result: make([]byte, 0, 1024),
		sem:    make(chan struct{}, s.opts.MaxBlocking),
		debug:  s.opts.Logger.Enabled(ctx, slog.LevelDebug),
	}
	done := make(chan error, 1)
	go func() { done <- ss.readLoop(r) }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		ss.stopReading()
	}
	cancelCalls()
	ss.calls.Wait()
	if ferr := ss.out.flush(); err == nil {
		err = ferr
	}
	return err
}

// session is the state of one Serve call.
type session struct {
	srv   *Server
	ctx   context.Context
	out   *output
	sem   chan struct{} // a slot per running blocking call
	calls sync.WaitGroup
	debug bool

	mu      sync.Mutex // held while the reader dispatches a message
	stopped bool

	// Owned by the reader goroutine.
	req     request
	args    [maxParams]Value
	scratch []byte // the response being built
	result  []byte // the result being built
}

// stopReading makes the reader stop before its next message, and waits
// for the message it is dispatching, if any.
func (ss *session) stopReading() {
	ss.mu.Lock()
	ss.stopped = true
	ss.mu.Unlock()
}

// readLoop reads and dispatches messages until the input ends (nil), the
// session is stopped (nil), or reading or writing fails (the error).
func (ss *session) readLoop(r io.Reader) error {
	mr, in, framing, err := newMessageReader(r, ss.srv.opts.Framing, ss.srv.opts.MaxMessageBytes)
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading input: %w", err)
	}
	ss.out.setFraming(framing)
	for {
		msg, err := mr.readMessage()
		if err != nil {
			var fe *frameError
			switch {
			case err == io.EOF:
				return nil
			case errors.As(err, &fe):
				ss.out.send(appendError(ss.scratch[:0], nil, fe.rpcErr))
			default:
				return fmt.Errorf("reading input: %w", err)
			}
		} else if !ss.dispatch(msg) {
			return nil
		}
		if !in.pending() {
			if err := ss.out.flush(); err != nil {
				return err
			}
		}
	}
}

// dispatch handles one message unless the session has stopped.
func (ss *session) dispatch(msg []byte) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.stopped {
		return false
	}
	msg = trimSpace(msg) // an LSP body may have whitespace around it
	switch {
	case len(msg) > 0 && msg[0] == '[' && validJSON(msg):
		ss.handleBatch(msg)
	default:
		ss.handle(msg, reply{}) // parse errors included
	}
	return true
}

// A reply says where a response goes: straight out, or into a batch slot.
type reply struct {
	batch *batch
	slot  int
}

// deliver sends body (nil for a notification) where r says.
func (ss *session) deliver(r reply, body []byte) {
	if r.batch == nil {
		if body != nil {
			ss.out.send(body)
		}
		return
	}
	if whole := r.batch.fill(r.slot, body); whole != nil {
		ss.out.send(whole)
	}
}

// handleBatch splits a batch, handles each member, and regroups the
// responses into one array once the last member answers.
func (ss *session) handleBatch(msg []byte) {
	n := 0
	for it := newElements(msg); ; n++ {
		if _, _, ok := it.next(); !ok {
			break
		}
	}
	if n == 0 {
		ss.deliver(reply{}, appendError(ss.scratch[:0], nil, errEmptyBatch))
		return
	}
	b := &batch{parts: make([][]byte, n), pending: n}
	it := newElements(msg)
	for i := 0; i < n; i++ {
		_, member, _ := it.next()
		ss.handle(member, reply{b, i})
	}
}

// handle validates and runs one request.
func (ss *session) handle(msg []byte, r reply) {
	req := &ss.req
	if err := parseRequest(msg, req); err != nil {
		ss.deliver(r, appendError(ss.scratch[:0], nil, err))
		return
	}
	m, err := ss.srv.lookup(req)
	if err == nil {
		err = decodeParams(req.params, m.Params, ss.args[:])
	}
	if ss.debug {
		ss.srv.opts.Logger.Debug("request", "method", req.Method, "id", string(req.id), "params", string(req.params))
	}
	switch {
	case err != nil && req.Notif:
		ss.deliver(r, nil)
	case err != nil:
		ss.deliver(r, appendError(ss.scratch[:0], req.id, err))
	case m.Blocking:
		ss.start(m, req, r)
	default:
		ss.scratch = ss.run(ss.scratch[:0], ss.result[:0], m, req.id, ss.args[:len(m.Params)])
		if req.Notif {
			ss.deliver(r, nil)
		} else {
			ss.deliver(r, ss.scratch)
		}
	}
}

// lookup resolves the request's method and sets req.Method.
func (s *Server) lookup(req *request) (*Method, *jsonrpc2.Error) {
	raw := req.methodRaw
	m := s.find(raw[1 : len(raw)-1])
	if m == nil {
		name, _ := unquote(raw)
		if m = s.find([]byte(name)); m == nil {
			req.Method = name
			e := &jsonrpc2.Error{Code: jsonrpc2.CodeMethodNotFound, Message: "Method not found"}
			e.SetError(struct {
				Method string `json:"method"`
			}{name})
			return nil, e
		}
	}
	req.Method = m.Name
	return m, nil
}

// find returns the method called name, or nil.
func (s *Server) find(name []byte) *Method {
	for _, m := range s.methods {
		if string(name) == m.Name {
			return m
		}
	}
	return nil
}

// start runs a blocking method on its own goroutine, or refuses it when
// too many are already running.
func (ss *session) start(m *Method, req *request, r reply) {
	select {
	case ss.sem <- struct{}{}:
	default:
		if !req.Notif {
			ss.deliver(r, appendError(ss.scratch[:0], req.id, errTooManyBlocking))
		} else {
			ss.deliver(r, nil)
		}
		return
	}
	id := append(json.RawMessage(nil), req.id...)
	notif := req.Notif
	args := copyArgs(ss.args[:len(m.Params)])
	ss.calls.Add(1)
	go func() {
		defer ss.calls.Done()
		body := ss.run(nil, nil, m, id, args)
		<-ss.sem
		if notif {
			body = nil
		}
		ss.deliver(r, body)
		if r.batch == nil || body != nil {
			ss.out.flush()
		}
	}()
}

// run calls m and appends its response to dst; res is scratch space for
// the result. A panic in the method is recovered into a -32603 error.
func (ss *session) run(dst, res []byte, m *Method, id []byte, args []Value) (out []byte) {
	defer func() {
		if p := recover(); p != nil {
			ss.srv.opts.Logger.Error("method panicked", "method", m.Name, "panic", p, "stack", string(debug.Stack()))
			out = appendError(dst, id, &jsonrpc2.Error{Code: jsonrpc2.CodeInternalError, Message: "Internal error"})
		}
	}()
	result, err := m.Call(ss.ctx, args, res)
	if err != nil {
		return appendError(dst, id, err)
	}
	return appendResult(dst, id, result)
}

// batch gathers the responses of a batch's members.
type batch struct {
	mu      sync.Mutex
	parts   [][]byte
	pending int
}

// fill records the response of member i (nil for a notification) and, when
// it is the last to answer, returns the whole batch response: an array of
// the non-nil parts, or nil if there are none.
func (b *batch) fill(i int, body []byte) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	if body != nil {
		b.parts[i] = append([]byte(nil), body...)
	}
	if b.pending--; b.pending > 0 {
		return nil
	}
	var whole []byte
	for _, p := range b.parts {
		if p == nil {
			continue
		}
		if whole == nil {
			whole = append(whole, '[')
		} else {
			whole = append(whole, ',')
		}
		whole = append(whole, p...)
	}
	if whole != nil {
		whole = append(whole, ']')
	}
	return whole
}
