package rhp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Role says which end of the protocol a Conn is, and so which requests it
// accepts from its peer.
type Role uint8

const (
	RoleHost    Role = 1 // accepts runtime → host requests
	RoleRuntime Role = 2 // accepts host → runtime requests
)

// largeBody is the body size from which a frame is written in two writes.
const largeBody = 64 << 10

// DefaultMaxInflight bounds the peer's requests a Conn serves at once.
const DefaultMaxInflight = 64

// Request is a decoded incoming request. Its body's byte strings may alias
// the frame it arrived in (see Call).
type Request struct {
	ID   uint64
	Type MessageType
	Body Message // a pointer to the type's body, e.g. *Ping

	// AfterResponse, when the handler sets it, is called once the response
	// (or error) has been written, e.g. to exit only after a Shutdown has
	// been acknowledged.
	AfterResponse func()
}

// Handler serves the peer's requests. It is called on its own goroutine per
// request, concurrently with other calls; ctx is cancelled when the peer
// aborts the request or the connection ends. It returns the response body
// (whose type must be req.Type.Response()) or an error; an *Error is sent as
// is, any other error as CodeInternal.
type Handler interface {
	ServeRHP(ctx context.Context, req *Request) (Message, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, req *Request) (Message, error)

// ServeRHP calls f.
func (f HandlerFunc) ServeRHP(ctx context.Context, req *Request) (Message, error) { return f(ctx, req) }

// Options configure a Conn.
type Options struct {
	Role         Role
	MaxFrameSize int          // 0 means DefaultMaxFrameSize; applies to both directions
	MaxInflight  int          // 0 means DefaultMaxInflight; excess requests get CodeBusy
	Handler      Handler      // nil answers every request with CodeUnsupported
	Logger       *slog.Logger // nil discards
	// WriteTimeout, when not zero and the stream supports write deadlines
	// (a socket as an *os.File does), bounds the writing of one frame: a
	// peer that stops reading cannot block the writer forever. A frame not
	// written in time ends the connection with an error wrapping
	// os.ErrDeadlineExceeded.
	WriteTimeout time.Duration
}

// writeDeadliner is implemented by streams that support write deadlines.
type writeDeadliner interface {
	SetWriteDeadline(t time.Time) error
}

// Conn multiplexes requests in both directions over one byte stream. It is
// safe for concurrent use. A Conn ends when the stream fails, the peer
// violates the protocol (garbage, an oversized frame, a response nobody asked
// for) or Close is called; Done is closed then and Err says why.
type Conn struct {
	rw      io.ReadWriteCloser
	opts    Options
	baseCtx context.Context
	cancel  context.CancelFunc

	wmu sync.Mutex // serialises whole frames on the stream
	// spare is a large frame buffer kept from a write for the next one: a
	// round's answer is megabytes, which a new buffer would zero and the
	// collector would sweep each round.
	spare atomic.Pointer[[]byte]

	mu       sync.Mutex
	nextID   uint64
	pending  map[uint64]chan Frame
	inflight map[uint64]context.CancelFunc
	err      error
	done     chan struct{}
}

// NewConn starts serving rw. The Conn owns rw and closes it when it ends.
func NewConn(rw io.ReadWriteCloser, opts Options) *Conn {
	if opts.MaxFrameSize <= 0 {
		opts.MaxFrameSize = DefaultMaxFrameSize
	}
	if opts.MaxInflight <= 0 {
		opts.MaxInflight = DefaultMaxInflight
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Conn{
		rw:       rw,
		opts:     opts,
		baseCtx:  ctx,
		cancel:   cancel,
		nextID:   1,
		pending:  make(map[uint64]chan Frame),
		inflight: make(map[uint64]context.CancelFunc),
		done:     make(chan struct{}),
	}
	go c.readLoop()
	return c
}

// Done is closed when the connection has ended.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err is nil while the connection is open and then the reason it ended:
// ErrClosed after Close, io.EOF when the peer closed the stream, or a
// protocol error (ErrMalformedFrame, ErrFrameTooLarge, ErrProtocol, …).
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close ends the connection. Pending calls fail with ErrClosed and running
// handlers see their contexts cancelled.
func (c *Conn) Close() error {
	c.fail(ErrClosed)
	return nil
}

// fail ends the connection with cause; the first cause wins.
func (c *Conn) fail(cause error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = cause
	close(c.done)
	c.mu.Unlock()
	c.cancel()
	_ = c.rw.Close()
	if !errors.Is(cause, ErrClosed) && !errors.Is(cause, io.EOF) {
		c.opts.Logger.Warn("rhp connection failed", "err", cause)
	}
}

// closedErr is what calls return once the connection has ended.
func (c *Conn) closedErr() error {
	err := c.Err()
	if errors.Is(err, ErrClosed) {
		return ErrClosed
	}
	return fmt.Errorf("%w: %w", ErrClosed, err)
}

// Call sends req and decodes the peer's response into resp, which must be a
// pointer to req's response type. It returns an *Error when the peer answered
// with one, ctx's error when ctx ends first (the request stays in flight at
// the peer; a late response is dropped), or an ErrClosed-wrapped error when
// the connection ends. A response of the wrong type or one that does not
// decode ends the connection: the peer is broken.
//
// The byte strings of a response with a hand-written codec (a round's
// answer, a storage read) alias the buffer of the whole frame, which is
// never reused: a caller that keeps a small part of a large response for
// long should copy it, or it keeps the whole frame alive.
func (c *Conn) Call(ctx context.Context, req Message, resp Message) error {
	if want := req.MessageType().Response(); resp.MessageType() != want {
		return fmt.Errorf("rhp: %s needs a *%s to decode into, got %T", req.MessageType(), want, resp)
	}
	p, err := c.Send(req)
	if err != nil {
		return err
	}
	return p.Wait(ctx, resp)
}

// Pending is a request that has been sent and not yet answered.
type Pending struct {
	// ID is the request's id, e.g. for an Abort that targets it.
	ID  uint64
	typ MessageType
	c   *Conn
	ch  chan Frame
}

// Send sends req and returns at once; Wait collects the response. Call is
// Send followed by Wait.
func (c *Conn) Send(req Message) (*Pending, error) {
	p := &Pending{typ: req.MessageType(), c: c, ch: make(chan Frame, 1)}
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return nil, c.closedErr()
	}
	p.ID = c.nextID
	c.nextID++
	c.pending[p.ID] = p.ch
	c.mu.Unlock()
	if err := c.send(p.ID, req); err != nil {
		c.forget(p.ID)
		return nil, err
	}
	return p, nil
}

// Wait waits for the response as Call describes. It must be called at most
// once per Pending.
func (p *Pending) Wait(ctx context.Context, resp Message) error {
	c := p.c
	if want := p.typ.Response(); resp.MessageType() != want {
		c.forget(p.ID)
		return fmt.Errorf("rhp: %s needs a *%s to decode into, got %T", p.typ, want, resp)
	}
	var f Frame
	select {
	case f = <-p.ch:
	case <-ctx.Done():
		c.forget(p.ID)
		return fmt.Errorf("rhp: %s: %w", p.typ, ctx.Err())
	case <-c.done:
		// The response may have arrived just before the connection ended.
		select {
		case f = <-p.ch:
		default:
			return c.closedErr()
		}
	}
	switch f.Type {
	case TypeError:
		e := new(Error)
		if err := decodeInto(f.Type, f.Body, e); err != nil {
			c.fail(err)
			return err
		}
		return e
	case resp.MessageType():
		if err := decodeInto(f.Type, f.Body, resp); err != nil {
			c.fail(err)
			return err
		}
		return nil
	default:
		err := fmt.Errorf("%w: %s answered with %s", ErrUnexpectedResponse, p.typ, f.Type)
		c.fail(err)
		return err
	}
}

func (c *Conn) forget(id uint64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// CancelIncoming cancels the context of the peer's request id, if it is
// still being served. It reports whether it was.
func (c *Conn) CancelIncoming(id uint64) bool {
	c.mu.Lock()
	cancel, ok := c.inflight[id]
	c.mu.Unlock()
	if ok {
		cancel()
	}
	return ok
}

// send writes one frame. A write failure ends the connection.
func (c *Conn) send(id uint64, msg Message) error {
	var spare []byte
	if p := c.spare.Swap(nil); p != nil {
		spare = *p
	}
	prefix, body, err := encodeFrame(id, msg, c.opts.MaxFrameSize, spare)
	if err != nil {
		c.keepSpare(spare)
		return err
	}
	defer func() {
		// After the write nothing refers to the frame's buffer any more.
		if len(body) == 0 && cap(prefix) > cap(spare) {
			spare = prefix
		}
		c.keepSpare(spare)
	}()
	c.wmu.Lock()
	if wd, ok := c.rw.(writeDeadliner); ok && c.opts.WriteTimeout > 0 {
		_ = wd.SetWriteDeadline(time.Now().Add(c.opts.WriteTimeout))
	}
	if len(body) < largeBody {
		_, err = c.rw.Write(append(prefix, body...))
	} else {
		// Two writes instead of copying a large body behind its prefix.
		if _, err = c.rw.Write(prefix); err == nil {
			_, err = c.rw.Write(body)
		}
	}
	c.wmu.Unlock()
	if err != nil {
		c.fail(fmt.Errorf("rhp: writing %s: %w", msg.MessageType(), err))
		return c.closedErr()
	}
	return nil
}

// minSpare is the smallest frame buffer worth keeping for the next write.
const minSpare = 64 << 10

// keepSpare keeps b for the next write unless it is small or a larger one
// is already kept.
func (c *Conn) keepSpare(b []byte) {
	if cap(b) < minSpare {
		return
	}
	p := new([]byte)
	*p = b[:0]
	for {
		old := c.spare.Load()
		if old != nil && cap(*old) >= cap(b) {
			return
		}
		if c.spare.CompareAndSwap(old, p) {
			return
		}
	}
}

func (c *Conn) readLoop() {
	br := bufio.NewReaderSize(c.rw, 64<<10)
	var hdr [frameHeaderSize]byte
	for {
		f, err := readFrame(br, c.opts.MaxFrameSize, true, &hdr)
		if err != nil {
			c.fail(err)
			return
		}
		if f.Type.IsResponse() {
			if err := c.deliver(f); err != nil {
				c.fail(err)
				return
			}
			continue
		}
		if err := c.serve(f); err != nil {
			c.fail(err)
			return
		}
	}
}

// deliver hands a response to its caller. A response to an id this side
// never issued is a protocol violation; one to an abandoned call is dropped.
func (c *Conn) deliver(f Frame) error {
	c.mu.Lock()
	ch, ok := c.pending[f.ID]
	delete(c.pending, f.ID)
	issued := f.ID < c.nextID
	c.mu.Unlock()
	if ok {
		ch <- f // Wait decodes it, and fails the connection if it does not
		return nil
	}
	if !issued || f.ID == 0 {
		return fmt.Errorf("%w: %s for request id %d, which was never sent", ErrProtocol, f.Type, f.ID)
	}
	if f.unchecked {
		// Nobody will decode it, but a malformed body is fatal all the same.
		return f.checkBody()
	}
	return nil
}

// accepts reports whether this side serves requests of type t.
func (c *Conn) accepts(t MessageType) bool {
	if !t.Known() {
		return false
	}
	switch c.opts.Role {
	case RoleHost:
		return t.SentByRuntime()
	case RoleRuntime:
		return t.SentByHost()
	}
	return false
}

// serve starts a handler for an incoming request, or answers it at once
// when it cannot be served.
func (c *Conn) serve(f Frame) error {
	if f.ID == 0 {
		return fmt.Errorf("%w: %s with request id 0", ErrProtocol, f.Type)
	}
	// An unchecked body answered without decoding is checked here; one
	// that handle decodes is checked there: a malformed body is fatal.
	if !c.accepts(f.Type) || c.opts.Handler == nil {
		if f.unchecked {
			if err := f.checkBody(); err != nil {
				return err
			}
		}
		return c.sendError(f.ID, Errorf(CodeUnsupported, "rhp", "%s is not served here", f.Type))
	}
	c.mu.Lock()
	if _, dup := c.inflight[f.ID]; dup {
		c.mu.Unlock()
		return fmt.Errorf("%w: request id %d reused while in flight", ErrProtocol, f.ID)
	}
	if len(c.inflight) >= c.opts.MaxInflight {
		c.mu.Unlock()
		if f.unchecked {
			if err := f.checkBody(); err != nil {
				return err
			}
		}
		return c.sendError(f.ID, Errorf(CodeBusy, "rhp", "%d requests in flight", c.opts.MaxInflight))
	}
	ctx, cancel := context.WithCancel(c.baseCtx)
	c.inflight[f.ID] = cancel
	c.mu.Unlock()

	go func() {
		req := &Request{ID: f.ID, Type: f.Type}
		resp, err := c.handle(ctx, f, req)
		// Leave the in-flight set before answering: a peer that waits for
		// this response before sending its next request must not see CodeBusy.
		c.mu.Lock()
		delete(c.inflight, f.ID)
		c.mu.Unlock()
		cancel()
		if req.AfterResponse != nil {
			defer req.AfterResponse()
		}
		if err != nil {
			_ = c.sendError(f.ID, asPeerError(err))
			return
		}
		if err := c.send(f.ID, resp); err != nil {
			// A response we cannot encode is our bug; tell the peer.
			_ = c.sendError(f.ID, Errorf(CodeInternal, "rhp", "%v", err))
		}
	}()
	return nil
}

// handle decodes and dispatches one request; no handler panic escapes.
func (c *Conn) handle(ctx context.Context, f Frame, req *Request) (resp Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			c.opts.Logger.Error("rhp handler panicked", "type", f.Type, "panic", r)
			resp, err = nil, Errorf(CodeInternal, "rhp", "handler for %s panicked", f.Type)
		}
	}()
	body, err := DecodeMessage(f.Type, f.Body)
	if err != nil {
		if f.unchecked {
			if cerr := f.checkBody(); cerr != nil {
				c.fail(cerr) // not even well-formed: a protocol violation
				return nil, cerr
			}
		}
		return nil, Errorf(CodeMalformed, "rhp", "%v", err)
	}
	req.Body = body
	resp, err = c.opts.Handler.ServeRHP(ctx, req)
	if err != nil {
		return nil, err
	}
	if resp == nil || resp.MessageType() != f.Type.Response() {
		return nil, Errorf(CodeInternal, "rhp", "handler for %s returned %T", f.Type, resp)
	}
	return resp, nil
}

func (c *Conn) sendError(id uint64, e *Error) error {
	err := c.send(id, e)
	if errors.Is(err, ErrClosed) {
		return nil // the connection is already ending; the read loop sees it
	}
	return err
}

// asPeerError turns a handler error into the Error sent to the peer.
func asPeerError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, context.Canceled) {
		return Errorf(CodeAborted, "rhp", "%v", err)
	}
	return Errorf(CodeInternal, "", "%v", err)
}

// decodeInto decodes a body of type t into m with DecodeMessage's checks.
// m may alias body.
func decodeInto(t MessageType, body []byte, m Message) error {
	// Every body is a CBOR map (major type 5); rejecting anything else here
	// keeps a stray integer or null from decoding into a zero struct.
	if len(body) == 0 || body[0]>>5 != 5 {
		return fmt.Errorf("%w: %s body is not a CBOR map", ErrMalformedBody, t)
	}
	if err := unmarshal(body, m, true); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrMalformedBody, t, err)
	}
	return nil
}
