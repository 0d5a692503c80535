package guest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/atoll-dev/atoll/runtime/rhp"
)

// FDEnv names the environment variable through which the host tells the
// runtime which inherited file descriptor is its end of the socket pair.
const FDEnv = "ATOLL_RHP_FD"

// DefaultFD is the descriptor used when FDEnv is unset: the first one after
// stdin, stdout and stderr.
const DefaultFD = 3

// Errors of the runtime side.
var (
	ErrNoConnection = errors.New("guest: no RHP connection inherited")
	ErrNotServing   = errors.New("guest: handler does not serve this request")
)

// OpenInherited returns the runtime's end of the RHP socket pair, the file
// descriptor named by FDEnv (DefaultFD when unset), switched to non-blocking
// mode so that closing it unblocks readers.
func OpenInherited() (*os.File, error) {
	fd := DefaultFD
	if s := os.Getenv(FDEnv); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%w: %s=%q is not a file descriptor", ErrNoConnection, FDEnv, s)
		}
		fd = n
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, fmt.Errorf("%w: fd %d: %v", ErrNoConnection, fd, err)
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFSOCK {
		return nil, fmt.Errorf("%w: fd %d is not a socket", ErrNoConnection, fd)
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		return nil, fmt.Errorf("guest: fd %d: %w", fd, err)
	}
	return os.NewFile(uintptr(fd), "rhp"), nil
}

// Handler is what a runtime implements. Its methods are called concurrently,
// each on its own goroutine; ctx is cancelled when the host aborts the request
// or the connection ends. Returning an *rhp.Error sends it as is; any other
// error is sent as rhp.CodeInternal. A method the runtime does not support
// returns ErrNotServing (sent as rhp.CodeUnsupported).
type Handler interface {
	Info(ctx context.Context, req *rhp.InfoRequest) (*rhp.InfoResponse, error)
	CheckTxBatch(ctx context.Context, req *rhp.CheckTxBatch) (*rhp.CheckTxBatchResponse, error)
	ExecuteTxBatch(ctx context.Context, req *rhp.ExecuteTxBatch) (*rhp.ExecuteTxBatchResponse, error)
	Query(ctx context.Context, req *rhp.Query) (*rhp.QueryResponse, error)
}

// Options configure a Server.
type Options struct {
	MaxFrameSize int          // 0 means rhp.DefaultMaxFrameSize
	MaxInflight  int          // 0 means rhp.DefaultMaxInflight
	Logger       *slog.Logger // nil discards
	// VerifyProof, when set, checks every StorageGet answer against the
	// requested root before Host.StorageGet returns it.
	VerifyProof ProofVerifier
}

// Server serves one RHP connection on the runtime's side.
type Server struct {
	conn *rhp.Conn
	host *Host
	log  *slog.Logger

	handlerSet chan struct{}
	handler    Handler

	handshaken atomic.Bool
	shutdown   chan struct{}
	stopOnce   sync.Once
}

// NewServer starts reading rw. Requests that arrive before Serve is called
// wait for it.
func NewServer(rw io.ReadWriteCloser, opts Options) *Server {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		log:        log,
		handlerSet: make(chan struct{}),
		shutdown:   make(chan struct{}),
	}
	s.conn = rhp.NewConn(rw, rhp.Options{
		Role:         rhp.RoleRuntime,
		MaxFrameSize: opts.MaxFrameSize,
		MaxInflight:  opts.MaxInflight,
		Handler:      rhp.HandlerFunc(s.dispatch),
		Logger:       log,
	})
	s.host = &Host{conn: s.conn, verify: opts.VerifyProof}
	return s
}

// Host returns the handle through which the runtime calls the host. It is
// valid for the life of the Server.
func (s *Server) Host() *Host { return s.host }

// Serve dispatches requests to h until the host sends Shutdown (it returns
// nil once the acknowledgement is written), the connection ends (it returns
// why) or ctx ends.
func (s *Server) Serve(ctx context.Context, h Handler) error {
	s.handler = h
	close(s.handlerSet)
	defer s.conn.Close()
	select {
	case <-s.shutdown:
		return nil
	case <-s.conn.Done():
		select {
		case <-s.shutdown:
			return nil
		default:
		}
		return fmt.Errorf("guest: connection ended: %w", s.conn.Err())
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) dispatch(ctx context.Context, req *rhp.Request) (rhp.Message, error) {
	select {
	case <-s.handlerSet:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if hs, ok := req.Body.(*rhp.Handshake); ok {
		if !hs.Version.Compatible(rhp.ProtocolVersion) {
			return nil, rhp.Errorf(rhp.CodeVersionMismatch, "guest", "host speaks %s, runtime speaks %s", hs.Version, rhp.ProtocolVersion)
		}
		s.handshaken.Store(true)
		return &rhp.HandshakeResponse{Version: rhp.ProtocolVersion}, nil
	}
	if !s.handshaken.Load() {
		return nil, rhp.Errorf(rhp.CodeNotReady, "guest", "%s before the handshake", req.Type)
	}
	var (
		resp rhp.Message
		err  error
	)
	switch b := req.Body.(type) {
	case *rhp.Ping:
		return &rhp.PingResponse{}, nil
	case *rhp.Abort:
		s.conn.CancelIncoming(b.Target)
		return &rhp.AbortResponse{}, nil
	case *rhp.Shutdown:
		req.AfterResponse = func() { s.stopOnce.Do(func() { close(s.shutdown) }) }
		return &rhp.ShutdownResponse{}, nil
	case *rhp.InfoRequest:
		resp, err = nonNil(s.handler.Info(ctx, b))
	case *rhp.CheckTxBatch:
		resp, err = nonNil(s.handler.CheckTxBatch(ctx, b))
	case *rhp.ExecuteTxBatch:
		resp, err = nonNil(s.handler.ExecuteTxBatch(ctx, b))
	case *rhp.Query:
		resp, err = nonNil(s.handler.Query(ctx, b))
	default:
		err = ErrNotServing
	}
	if errors.Is(err, ErrNotServing) {
		return nil, rhp.Errorf(rhp.CodeUnsupported, "guest", "%s: %v", req.Type, err)
	}
	if err != nil && ctx.Err() != nil && !isPeerError(err) {
		return nil, rhp.Errorf(rhp.CodeAborted, "guest", "%s aborted: %v", req.Type, err)
	}
	return resp, err
}

func isPeerError(err error) bool {
	var e *rhp.Error
	return errors.As(err, &e)
}

// nonNil turns a typed nil response into an untyped nil Message, so that a
// handler returning (nil, err) is seen as an error, not as a nil body.
func nonNil[T rhp.Message](resp T, err error) (rhp.Message, error) {
	if err != nil {
		return nil, err
	}
	var zero T
	if any(resp) == any(zero) {
		return nil, fmt.Errorf("guest: handler returned a nil %T and no error", resp)
	}
	return resp, nil
}
