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
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sourcegraph/jsonrpc2"
)

// Method is one JSON-RPC method: its wire name, its parameters, its
// documentation and its implementation. One table of Methods drives
// dispatch, parameter decoding with defaults, and rpc.discover; a program
// can print its help from the same table. Define makes the Params, Result
// and Call of a Method from a typed Go function.
type Method struct {
	Name    string
	Summary string
	// Params are the method's params, in positional order. Define leaves
	// it empty and derives them when they are first asked for: read them
	// with ParamList.
	Params []Param
	// paramsOf derives the params of a Method made by Define.
	paramsOf func() []Param
	// decoded is ParamList with the defaults decoded, made by NewServer
	// when the method is first called.
	decoded func() []Param
	// Result is a JSON Schema of the result, as JSON text. Define leaves
	// it empty and derives the schema when it is first asked for: read it
	// with ResultSchema.
	Result string
	// resultOf derives the result schema of a Method made by Define.
	resultOf func() string
	// Example is the params of an example request, as JSON text, for
	// documentation such as a --help listing.
	Example string
	// Blocking marks a method that may wait (for a process to exit, say).
	// Blocking methods run on their own goroutine, up to a limit, so they
	// never hold up other requests; the others run inline, in order.
	Blocking bool
	// Call runs the method with args decoded against Params, appends the
	// JSON result to dst and returns it, or returns an error. An error
	// that is (or wraps) a *jsonrpc2.Error is answered as such; any other
	// is a bug, answered -32603 and logged. ctx is cancelled when the
	// session is told to stop; a blocking method must then return
	// promptly.
	Call func(ctx context.Context, args *Args, dst []byte) ([]byte, error)
}

// ParamList returns m's params: Params, or, for a Method made by Define,
// the params derived from its params type. The caller must not modify
// the slice.
func (m *Method) ParamList() []Param {
	if m.Params == nil && m.paramsOf != nil {
		return m.paramsOf()
	}
	return m.Params
}

// ResultSchema returns m's result schema: Result, or, for a Method made
// by Define, the schema derived from its result type.
func (m *Method) ResultSchema() string {
	if m.Result == "" && m.resultOf != nil {
		return m.resultOf()
	}
	return m.Result
}

// Defaults for Options.
const (
	DefaultMaxMessageBytes = 1 << 20
	DefaultMaxBlocking     = 1024
	DefaultMaxBatchMembers = 1024
	DefaultShutdownTimeout = 2 * time.Second
)

// Options configures a Server.
type Options struct {
	Framing         Framing
	MaxMessageBytes int64        // the largest message accepted; 0 means DefaultMaxMessageBytes
	MaxBlocking     int          // blocking calls in flight at once; 0 means DefaultMaxBlocking
	Logger          *slog.Logger // nil discards logs
	Version         string       // the service version rpc.discover reports
	// ShutdownTimeout bounds how long Serve takes to answer and write out
	// what it owes once ctx is cancelled; 0 means DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
	// MaxPendingOutput bounds the output queued but not yet written, and
	// separately the answers held for batches whose last member has not
	// answered yet (see BatchFull); 0 means DefaultMaxPendingOutput.
	MaxPendingOutput int
	// MaxBatchMembers bounds the members of a batch: a larger batch is
	// answered with one -32600 error and none of it runs. 0 means
	// DefaultMaxBatchMembers.
	MaxBatchMembers int
	// Busy answers a blocking call beyond MaxBlocking; nil means a -32000
	// error saying so.
	Busy *jsonrpc2.Error
	// BatchFull answers a batch member that is not run because the
	// answers held for unfinished batches have reached MaxPendingOutput
	// (and each member after it in its batch); nil means a -32000 error
	// saying so.
	BatchFull *jsonrpc2.Error
}

// Server serves a fixed set of methods over a byte stream. One Server may
// serve many streams, one after another or at once.
type Server struct {
	methods       []*Method // searched in order: for a table this small, faster than a map
	opts          Options
	batchTooLarge *jsonrpc2.Error // the answer to a batch over MaxBatchMembers
}

// NewServer returns a Server for methods and rpc.discover, which answers
// with an OpenRPC document generated from the same table. It panics if a
// name repeats, a method has more than eight params, or a default does not
// decode: the table is fixed at build time.
func NewServer(methods []Method, opts Options) *Server {
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if opts.MaxBlocking <= 0 {
		opts.MaxBlocking = DefaultMaxBlocking
	}
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = DefaultShutdownTimeout
	}
	if opts.MaxPendingOutput <= 0 {
		opts.MaxPendingOutput = DefaultMaxPendingOutput
	}
	if opts.MaxBatchMembers <= 0 {
		opts.MaxBatchMembers = DefaultMaxBatchMembers
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Busy == nil {
		opts.Busy = &jsonrpc2.Error{Code: -32000, Message: "too many blocking calls in flight"}
	}
	if opts.BatchFull == nil {
		opts.BatchFull = requestError(-32000, "batch answers over the output limit", "batch answers over the output limit")
	}
	s := &Server{
		methods: make([]*Method, 0, len(methods)+1),
		opts:    opts,
		batchTooLarge: requestError(jsonrpc2.CodeInvalidRequest, "batch too large",
			"more than "+strconv.Itoa(opts.MaxBatchMembers)+" members"),
	}
	// The document is made on the first rpc.discover, not here: a one-shot
	// run that never asks for it does not pay for it.
	doc := sync.OnceValue(func() []byte { return openRPCDocument(s.methods, opts.Version) })
	methods = append(slices.Clone(methods), discoverMethod(doc))
	for i := range methods {
		m := &methods[i]
		if s.find([]byte(m.Name)) != nil {
			panic(fmt.Sprintf("rpc: method %q listed twice", m.Name))
		}
		// Each method's params are derived and checked, and their defaults
		// decoded, when it is first called: a one-shot run pays for one.
		m.decoded = sync.OnceValue(func() []Param {
			params := slices.Clone(m.ParamList())
			if len(params) > maxParams {
				panic(fmt.Sprintf("rpc: method %q has more than %d params", m.Name, maxParams))
			}
			for j := range params {
				params[j].decodeDefault()
			}
			return params
		})
		s.methods = append(s.methods, m)
	}
	return s
}

// Methods returns the methods s serves, rpc.discover included, in the
// order they were given.
func (s *Server) Methods() []Method {
	out := make([]Method, len(s.methods))
	for i, m := range s.methods {
		out[i] = *m
	}
	return out
}

// ErrShutdownTimeout is what Serve returns when, after ctx was cancelled,
// it could not write every answer it owed within Options.ShutdownTimeout
// (the peer stopped reading).
var ErrShutdownTimeout = errors.New("rpc: answers not written before the shutdown deadline")

// Serve reads requests from r and writes responses to w until r ends, ctx
// is cancelled, or writing fails.
//
// At the end of input Serve finishes every request it has read: blocking
// calls run to their end, and Serve returns nil once every answer is
// written. When ctx is cancelled, Serve stops reading, cancels the
// blocking calls, and returns nil once their answers and all other
// output are written, or ErrShutdownTimeout if that takes longer than
// Options.ShutdownTimeout. A write error ends the session at once and is
// returned; it means the peer is gone.
//
// When Serve returns, nothing more is written to w. A Read of r may still
// be in progress if r cannot be interrupted (Serve sets a read deadline
// where r has one); its result is discarded.
func (s *Server) Serve(ctx context.Context, r io.Reader, w io.Writer) error {
	callCtx, cancelCalls := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelCalls()
	ss := &session{
		srv:    s,
		ctx:    callCtx,
		out:    newOutput(w, s.opts.MaxPendingOutput),
		result: make([]byte, 0, 1024),
		sem:    make(chan struct{}, s.opts.MaxBlocking),
		debug:  s.opts.Logger.Enabled(ctx, slog.LevelDebug),
	}
	defer ss.out.abort()
	readDone := make(chan error, 1)
	go func() { readDone <- ss.readLoop(r) }()
	select {
	case err := <-readDone:
		if err != nil {
			return err
		}
		return ss.finish(ctx, r, cancelCalls)
	case <-ctx.Done():
		return ss.shutdown(r, cancelCalls)
	}
}

// finish waits, at the end of input, for the blocking calls and the
// output; a cancellation of ctx meanwhile turns it into a shutdown.
func (ss *session) finish(ctx context.Context, r io.Reader, cancelCalls context.CancelFunc) error {
	done := make(chan error, 1)
	go func() {
		ss.calls.Wait()
		done <- ss.out.flush()
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ss.shutdown(r, cancelCalls)
	}
}

// shutdown stops the reader, cancels the blocking calls and waits for
// their answers to be written, for at most the shutdown timeout. It never
// waits for a lock that a blocked write may hold: past the deadline it
// abandons the output, and returns whatever is still stuck.
func (ss *session) shutdown(r io.Reader, cancelCalls context.CancelFunc) error {
	deadline := time.NewTimer(ss.srv.opts.ShutdownTimeout)
	defer deadline.Stop()
	if d, ok := r.(interface{ SetReadDeadline(time.Time) error }); ok {
		d.SetReadDeadline(time.Now())
	}
	done := make(chan error, 1)
	go func() {
		ss.stopReading() // waits for a message being dispatched
		cancelCalls()
		ss.calls.Wait()
		done <- ss.out.flush()
	}()
	select {
	case err := <-done:
		return err
	case <-deadline.C:
		return ErrShutdownTimeout
	}
}

// session is the state of one Serve call.
type session struct {
	srv   *Server
	ctx   context.Context
	out   *output
	sem   chan struct{} // a slot per blocking call whose answer is unwritten
	calls sync.WaitGroup
	debug bool
	held  atomic.Int64 // bytes of answers held for unfinished batches

	// mu is held while the reader dispatches a message, so that once
	// stopped is set no message is dispatched and no call started.
	mu      sync.Mutex
	stopped bool

	// Owned by the reader goroutine.
	req     request
	args    Args
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
// Before every read of r it writes out the answers it has (see
// flushingReader), so no answer waits for input.
func (ss *session) readLoop(r io.Reader) error {
	in := newInput(flushingReader{r: r, out: ss.out}, ss.srv.opts.MaxMessageBytes)
	mr, err := ss.chooseFraming(in)
	for err == nil {
		var msg []byte
		msg, err = mr.readMessage()
		fe, isFrame := err.(*frameError) // returned as is, never wrapped
		if err == nil || isFrame {
			if !ss.dispatch(msg, fe) {
				return nil
			}
			err = nil
		}
	}
	return ss.readError(err)
}

// chooseFraming returns the reader for the configured framing, detecting
// it first for FramingAuto: a first line that is neither JSON nor a
// Content-Length header is answered with a parse error (framed as ndjson)
// and detection goes on with the next line.
func (ss *session) chooseFraming(in *input) (messageReader, error) {
	if err := in.skipBOM(); err != nil {
		return nil, err
	}
	f := ss.srv.opts.Framing
	for f == FramingAuto {
		var err error
		f, err = in.detect()
		fe, isFrame := err.(*frameError)
		switch {
		case isFrame:
			if !ss.dispatch(nil, fe) {
				return nil, io.EOF
			}
		case err != nil:
			return nil, err
		}
	}
	ss.out.setFraming(f)
	return newMessageReader(in, f), nil
}

// readError turns the error that ended reading into Serve's result: nil
// at the end of input, the write error if writing failed, else the read
// error.
func (ss *session) readError(err error) error {
	if err == io.EOF {
		return nil
	}
	if werr := ss.out.writeError(); werr != nil {
		return fmt.Errorf("writing output: %w", werr)
	}
	return fmt.Errorf("reading input: %w", err)
}

// dispatch handles one message, or answers the frame error fe, unless the
// session has stopped; it reports whether it had.
func (ss *session) dispatch(msg []byte, fe *frameError) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.stopped {
		return false
	}
	msg = trimSpace(msg) // an lsp body may have whitespace around it
	switch {
	case fe != nil:
		ss.out.send(appendError(ss.scratch[:0], nil, fe.rpcErr))
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

// deliver sends body (nil for a notification) where r says, and reports
// whether it queued output: the response, or a batch's whole response.
// slots is the number of blocking slots (0 or 1) the caller holds for
// this answer: they are given back once the answer is written, and for a
// batch member once the batch's whole answer is.
func (ss *session) deliver(r reply, body []byte, slots int) bool {
	var held int64 // bytes of the batch's answer counted in ss.held
	if r.batch != nil {
		body, slots, held = r.batch.fill(r.slot, body, slots, &ss.held)
	}
	release := ss.releaseSlots(slots)
	if body == nil {
		if release != nil {
			release()
		}
		return false
	}
	ss.out.sendThen(body, release)
	ss.held.Add(-held) // queued now: the output's own bound covers it
	return true
}

// releaseSlots returns a function that gives n blocking slots back, or nil
// if n is 0.
func (ss *session) releaseSlots(n int) func() {
	if n == 0 {
		return nil
	}
	return func() {
		for range n {
			<-ss.sem
		}
	}
}

// handleBatch splits a batch, handles each member in order, and regroups
// the responses into one array once the last member answers. A batch with
// more than MaxBatchMembers members is answered with one error, and none
// of it runs.
func (ss *session) handleBatch(msg []byte) {
	n := 0
	for it := newMembers(msg); ; n++ {
		if _, _, ok := it.next(); !ok {
			break
		}
	}
	switch {
	case n == 0:
		ss.deliver(reply{}, appendError(ss.scratch[:0], nil, errEmptyBatch), 0)
		return
	case n > ss.srv.opts.MaxBatchMembers:
		ss.deliver(reply{}, appendError(ss.scratch[:0], nil, ss.srv.batchTooLarge), 0)
		return
	}
	b := &batch{parts: make([][]byte, n), pending: n}
	it := newMembers(msg)
	for i := range n {
		_, member, _ := it.next()
		ss.handle(member, reply{b, i})
	}
}

// admit reports whether a request that is a member of b may run. Its
// answer, like every answer held for an unfinished batch, counts against
// the output bound: once the answers held reach MaxPendingOutput, the
// member whose turn it is and every member after it in its batch are not
// run. The member that reaches the bound has run; its answer is kept
// whatever its size.
func (ss *session) admit(b *batch) bool {
	if !b.refusing && ss.held.Load() >= int64(ss.srv.opts.MaxPendingOutput) {
		b.refusing = true
	}
	return !b.refusing
}

// handle validates and runs one request.
func (ss *session) handle(msg []byte, r reply) {
	req := &ss.req
	if err := parseRequest(msg, req); err != nil {
		ss.deliver(r, appendError(ss.scratch[:0], nil, err), 0)
		return
	}
	if r.batch != nil && !ss.admit(r.batch) {
		if req.notif {
			ss.deliver(r, nil, 0)
		} else {
			ss.deliver(r, appendError(ss.scratch[:0], req.id, ss.srv.opts.BatchFull), 0)
		}
		return
	}
	m, err := ss.srv.lookup(req)
	if err == nil {
		err = decodeParams(req.params, m.decoded(), &ss.args)
	}
	if ss.debug {
		ss.srv.opts.Logger.Debug("request", "method", req.method, "id", string(req.id), "params", string(req.params))
	}
	switch {
	case err != nil && req.notif:
		ss.deliver(r, nil, 0)
	case err != nil:
		ss.deliver(r, appendError(ss.scratch[:0], req.id, err), 0)
	case m.Blocking:
		ss.start(m, req, r)
	default:
		ss.scratch = ss.run(ss.scratch[:0], ss.result[:0], m, req.id, &ss.args)
		if req.notif {
			ss.deliver(r, nil, 0)
		} else {
			ss.deliver(r, ss.scratch, 0)
		}
	}
}

// lookup resolves the request's method and sets req.method.
func (s *Server) lookup(req *request) (*Method, *jsonrpc2.Error) {
	raw := req.methodRaw
	m := s.find(raw[1 : len(raw)-1])
	if m == nil {
		name, _ := unquote(raw)
		if m = s.find([]byte(name)); m == nil {
			req.method = name
			return nil, errorWithData(jsonrpc2.CodeMethodNotFound, "Method not found", "method", name)
		}
	}
	req.method = m.Name
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
// too many are already running. The call holds its slot until its answer
// has been written (for a batch member, its batch's answer), so that
// answers the client does not read cannot pile up behind the limit.
func (ss *session) start(m *Method, req *request, r reply) {
	select {
	case ss.sem <- struct{}{}:
	default:
		if !req.notif {
			ss.deliver(r, appendError(ss.scratch[:0], req.id, ss.srv.opts.Busy), 0)
		} else {
			ss.deliver(r, nil, 0)
		}
		return
	}
	id := append(json.RawMessage(nil), req.id...)
	notif := req.notif
	args := ss.args.detach()
	ss.calls.Add(1)
	go func() {
		defer ss.calls.Done()
		body := ss.run(nil, nil, m, id, args)
		if notif {
			body = nil
		}
		if ss.deliver(r, body, 1) {
			ss.out.flush() // the reader may be waiting for input; a write error ends it
		}
	}()
}

// run calls m and appends its response to dst; res is scratch space for
// the result. A panic in the method, or an error that is not a
// *jsonrpc2.Error, is a bug: it is logged and answered -32603.
func (ss *session) run(dst, res []byte, m *Method, id []byte, args *Args) (out []byte) {
	defer func() {
		if p := recover(); p != nil {
			ss.srv.opts.Logger.Error("method panicked", "method", m.Name, "panic", p, "stack", string(debug.Stack()))
			out = appendError(dst, id, errInternal)
		}
	}()
	result, err := m.Call(ss.ctx, args, res)
	if err == nil {
		return appendResult(dst, id, result)
	}
	var rpcErr *jsonrpc2.Error
	if !errors.As(err, &rpcErr) {
		ss.srv.opts.Logger.Error("method failed", "method", m.Name, "err", err)
		rpcErr = errInternal
	}
	return appendError(dst, id, rpcErr)
}

// errInternal answers a method that panicked or failed unexpectedly.
var errInternal = &jsonrpc2.Error{Code: jsonrpc2.CodeInternalError, Message: "Internal error"}

// batch gathers the responses of a batch's members.
type batch struct {
	mu      sync.Mutex
	parts   [][]byte
	pending int   // members that have not answered yet
	size    int64 // bytes of parts, counted in the session's held answers
	slots   int   // blocking slots held by members that have answered

	// refusing is set, by the reader, once a member has been refused for
	// the output bound: the members after it are refused too (see admit).
	refusing bool
}

// fill records the answer of member i (nil for a notification), which
// holds slots blocking slots, and adds its size to held. Until the last
// member answers, the batch keeps the answer and the slots, and fill
// returns nothing. To the last, it returns the whole batch response (an
// array of the non-nil answers, or nil if there are none), every slot
// the batch's members hold, and the bytes counted in held for it, which
// the caller subtracts once the response is queued.
func (b *batch) fill(i int, body []byte, slots int, held *atomic.Int64) (whole []byte, allSlots int, size int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if body != nil {
		b.parts[i] = append([]byte(nil), body...)
		b.size += int64(len(body))
		held.Add(int64(len(body)))
	}
	b.slots += slots
	if b.pending--; b.pending > 0 {
		return nil, 0, 0
	}
	if b.size > 0 {
		whole = make([]byte, 0, b.size+int64(len(b.parts))+1)
	}
	for _, p := range b.parts {
		if p == nil {
			continue
		}
		if len(whole) == 0 {
			whole = append(whole, '[')
		} else {
			whole = append(whole, ',')
		}
		whole = append(whole, p...)
	}
	if whole != nil {
		whole = append(whole, ']')
	}
	b.parts = nil
	return whole, b.slots, b.size
}
