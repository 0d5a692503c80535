package host

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/atoll-dev/atoll/runtime/host/sandbox"
	"github.com/atoll-dev/atoll/runtime/rhp"
)

// exitGrace is how long a runtime that closed its socket gets to exit before
// it is reported without an exit status.
const exitGrace = time.Second

// instance is one process of the runtime and its connection.
type instance struct {
	proc    *sandbox.Process
	conn    *rhp.Conn
	started time.Time
	version rhp.Version
	info    *rhp.InfoResponse

	failOnce sync.Once
	failed   chan struct{}
	reason   error
}

func newInstance(proc *sandbox.Process, opts rhp.Options) *instance {
	return &instance{
		proc:    proc,
		conn:    rhp.NewConn(proc.Conn, opts),
		started: time.Now(),
		failed:  make(chan struct{}),
	}
}

// fail records why the instance must go and kills it; the first reason wins.
func (i *instance) fail(reason error) {
	i.failOnce.Do(func() {
		i.reason = reason
		close(i.failed)
		go i.kill()
	})
}

// dead reports whether the instance is known to be gone or going, so that
// new calls wait for its replacement instead of failing on it.
func (i *instance) dead() bool {
	select {
	case <-i.failed:
		return true
	case <-i.conn.Done():
		return true
	case <-i.proc.Done():
		return true
	default:
		return false
	}
}

func (i *instance) kill() {
	i.conn.Close()
	i.proc.Kill()
}

// handshake checks the version and asks for Info; it classifies failures.
func (i *instance) handshake(ctx context.Context, info *rhp.InfoRequest) error {
	v, err := i.conn.Handshake(ctx)
	if err != nil {
		return i.classify(ctx, "handshake", err)
	}
	i.version = v
	var resp rhp.InfoResponse
	if err := i.conn.Call(ctx, info, &resp); err != nil {
		return i.classify(ctx, "info", err)
	}
	i.info = &resp
	return nil
}

// classify turns an error met while talking to the runtime into a Failure.
func (i *instance) classify(ctx context.Context, what string, err error) error {
	switch {
	case errors.Is(err, rhp.ErrVersionMismatch):
		return &Failure{FailVersion, err}
	case isProtocolError(err) || isProtocolError(i.conn.Err()):
		if cerr := i.conn.Err(); cerr != nil {
			err = cerr
		}
		return &Failure{FailProtocol, err}
	case errors.Is(err, rhp.ErrClosed):
		return i.lost()
	case ctx.Err() != nil:
		return &Failure{FailStart, fmt.Errorf("no answer to %s: %w", what, err)}
	}
	var perr *rhp.Error
	if errors.As(err, &perr) {
		return &Failure{FailStart, fmt.Errorf("%s refused: %w", what, err)}
	}
	return &Failure{FailCrash, err}
}

// lost describes a runtime whose connection ended without a protocol error:
// by its exit status if it exits within exitGrace.
func (i *instance) lost() error {
	if err := i.conn.Err(); isProtocolError(err) {
		return &Failure{FailProtocol, err}
	} else if errors.Is(err, os.ErrDeadlineExceeded) {
		return &Failure{FailHang, fmt.Errorf("stopped reading its socket: %v", err)}
	}
	select {
	case <-i.proc.Done():
		return &Failure{FailCrash, fmt.Errorf("exited: %v", exitDescription(i.proc.ExitErr()))}
	case <-time.After(exitGrace):
		return &Failure{FailCrash, fmt.Errorf("closed its connection: %v", i.conn.Err())}
	}
}

func exitDescription(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// watch returns when the instance is lost or closing is closed (then nil).
// It pings the runtime every interval to find hangs between requests.
func (i *instance) watch(closing <-chan struct{}, interval, timeout time.Duration) error {
	stopPing := make(chan struct{})
	defer close(stopPing)
	if interval > 0 {
		go i.pinger(stopPing, interval, timeout)
	}
	select {
	case <-closing:
		return nil
	case <-i.failed:
		return i.reason
	case <-i.proc.Done():
		if err := i.conn.Err(); isProtocolError(err) {
			return &Failure{FailProtocol, err}
		}
		return &Failure{FailCrash, fmt.Errorf("exited: %v", exitDescription(i.proc.ExitErr()))}
	case <-i.conn.Done():
		select {
		case <-i.failed:
			return i.reason
		default:
		}
		return i.lost()
	}
}

func (i *instance) pinger(stop <-chan struct{}, interval, timeout time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		err := i.conn.Call(ctx, &rhp.Ping{}, &rhp.PingResponse{})
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			i.fail(&Failure{FailHang, fmt.Errorf("no answer to a ping within %s", timeout)})
			return
		}
	}
}

// call is Host.Call on this instance.
func (i *instance) call(ctx context.Context, req, resp rhp.Message, timeout time.Duration) error {
	callCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	p, err := i.conn.Send(req)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			f := &Failure{FailHang, fmt.Errorf("stopped reading its socket: %v", err)}
			i.fail(f)
			return fmt.Errorf("%w: %v", ErrHung, f)
		}
		if errors.Is(err, rhp.ErrClosed) {
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		return err
	}
	err = p.Wait(callCtx, resp)
	var perr *rhp.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &perr):
		return err
	case ctx.Err() != nil:
		// The caller gave up: tell the runtime to stop working on it.
		go func() {
			actx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_ = i.conn.Call(actx, &rhp.Abort{Target: p.ID}, &rhp.AbortResponse{})
		}()
		return err
	case callCtx.Err() != nil:
		f := &Failure{FailHang, fmt.Errorf("%s unanswered after %s", req.MessageType(), timeout)}
		i.fail(f)
		return fmt.Errorf("%w: %v", ErrHung, f)
	default:
		return fmt.Errorf("%w: lost during %s: %v", ErrUnavailable, req.MessageType(), err)
	}
}

// shutdown asks the runtime to exit and kills it if it does not.
func (i *instance) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := i.conn.Call(ctx, &rhp.Shutdown{}, &rhp.ShutdownResponse{}); err == nil {
		select {
		case <-i.proc.Done():
		case <-time.After(time.Second):
		}
	}
	i.kill()
}
