package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/atoll-dev/atoll/runtime/host/sandbox"
	"github.com/atoll-dev/atoll/runtime/rhp"
)

// Errors of Call and of supervision.
var (
	ErrClosed      = errors.New("host: closed")
	ErrUnavailable = errors.New("host: runtime unavailable")
	ErrHung        = errors.New("host: runtime hung")
	ErrReserved    = errors.New("host: request type is reserved to the supervisor")
)

// Host supervises one runtime. Its methods are safe for concurrent use.
type Host struct {
	cfg Config
	log *slog.Logger

	closing chan struct{}
	stopped chan struct{}

	mu       sync.Mutex
	status   Status
	inst     *instance     // the ready instance, or nil
	changed  chan struct{} // closed and replaced whenever inst or state changes
	closeErr error
	once     sync.Once
}

// New validates cfg and starts supervising the runtime in the background;
// WaitReady or the first Call waits for it to be ready. Close ends it.
func New(cfg Config) (*Host, error) {
	if cfg.Sandbox.Binary == "" {
		return nil, fmt.Errorf("%w: no runtime binary", ErrConfig)
	}
	if !cfg.Sandbox.Unsafe {
		if err := sandbox.CheckBwrap(cfg.Sandbox.Bwrap); err != nil {
			return nil, err
		}
	}
	c := cfg.withDefaults()
	if c.BackoffMin <= 0 || c.BackoffMax < c.BackoffMin {
		return nil, fmt.Errorf("%w: backoff %s..%s", ErrConfig, c.BackoffMin, c.BackoffMax)
	}
	if c.Sandbox.Logger == nil {
		c.Sandbox.Logger = c.Logger
	}
	h := &Host{
		cfg:     c,
		log:     c.Logger.With("component", "runtime-host", "runtime", c.Sandbox.Binary),
		closing: make(chan struct{}),
		stopped: make(chan struct{}),
		changed: make(chan struct{}),
		status:  Status{State: StateStarting, Since: time.Now()},
	}
	go h.supervise()
	return h, nil
}

// Status returns a snapshot of the supervision state and counters.
func (h *Host) Status() Status {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.status
	if s.Info != nil {
		info := *s.Info
		s.Info = &info
	}
	return s
}

// WaitReady waits until the runtime is ready, ctx ends or the Host closes.
func (h *Host) WaitReady(ctx context.Context) error {
	_, err := h.ready(ctx)
	return err
}

// ready returns the current ready instance, waiting for one.
func (h *Host) ready(ctx context.Context) (*instance, error) {
	for {
		h.mu.Lock()
		inst, changed, st := h.inst, h.changed, h.status
		h.mu.Unlock()
		if st.State == StateClosed {
			return nil, ErrClosed
		}
		if inst != nil && !inst.dead() {
			return inst, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			if st.LastFailure != "" {
				return nil, fmt.Errorf("%w (%s; last failure: %s): %w", ErrUnavailable, st.State, st.LastFailure, ctx.Err())
			}
			return nil, fmt.Errorf("%w (%s): %w", ErrUnavailable, st.State, ctx.Err())
		}
	}
}

// Call sends req to the runtime and decodes its answer into resp (a pointer
// to req's response type), waiting for the runtime to be ready first.
//
// It returns nil, the runtime's *rhp.Error, or an error wrapping:
// ErrUnavailable when ctx ends before the runtime is ready or the runtime
// is lost during the call (the call is not retried: the caller knows
// whether its request is safe to repeat), ErrHung when the runtime did not
// answer within CallTimeout (it is then killed and restarted), ctx's error
// when the caller gave up (the runtime is sent an Abort), or ErrClosed.
// Handshake and Shutdown are reserved to the supervisor.
func (h *Host) Call(ctx context.Context, req rhp.Message, resp rhp.Message) error {
	switch t := req.MessageType(); {
	case t == rhp.TypeHandshake || t == rhp.TypeShutdown:
		return fmt.Errorf("%w: %s", ErrReserved, t)
	case !t.SentByHost():
		return fmt.Errorf("host: %s is not a host request", t)
	}
	inst, err := h.ready(ctx)
	if err != nil {
		return err
	}
	return inst.call(ctx, req, resp, h.cfg.CallTimeout)
}

// Close shuts the runtime down (Shutdown, then a kill if it does not exit
// within a second) and stops supervising. Calls in flight fail.
func (h *Host) Close() error {
	h.once.Do(func() {
		close(h.closing)
		<-h.stopped
	})
	return nil
}

// setState records a state change and wakes waiters. Callers hold no lock.
func (h *Host) setState(f func(s *Status)) {
	h.mu.Lock()
	prev := h.status.State
	f(&h.status)
	if h.status.State != prev {
		h.status.Since = time.Now()
	}
	close(h.changed)
	h.changed = make(chan struct{})
	h.mu.Unlock()
}

func (h *Host) isClosing() bool {
	select {
	case <-h.closing:
		return true
	default:
		return false
	}
}

// supervise starts, watches and restarts the runtime until Close.
func (h *Host) supervise() {
	defer close(h.stopped)
	failures := 0
	for {
		h.setState(func(s *Status) { s.State = StateStarting; s.Pid = 0 })
		inst, err := h.start()
		var reason error
		var uptime time.Duration
		if err == nil {
			h.setState(func(s *Status) {
				s.State = StateReady
				s.Pid = inst.proc.Pid()
				s.Version = inst.version
				s.Info = inst.info
				s.Counters.Ready++
				h.inst = inst
			})
			h.log.Info("runtime ready", "pid", inst.proc.Pid(), "version", inst.version, "name", inst.info.Name)
			reason = inst.watch(h.closing, h.cfg.PingInterval, h.cfg.PingTimeout)
			uptime = time.Since(inst.started)
			h.setState(func(s *Status) { h.inst = nil })
		} else {
			reason = err
		}
		if h.isClosing() {
			if inst != nil {
				inst.shutdown()
			}
			h.setState(func(s *Status) { s.State = StateClosed; s.Pid = 0 })
			h.log.Info("runtime host closed")
			return
		}
		if inst != nil {
			inst.kill()
		}
		if uptime >= h.cfg.StableAfter {
			failures = 0
		}
		delay := backoff(h.cfg.BackoffMin, h.cfg.BackoffMax, failures)
		failures++
		h.setState(func(s *Status) {
			countFailure(&s.Counters, reason)
			s.Counters.Restarts++
			s.State = StateBackoff
			s.Pid = 0
			s.LastFailure = reason.Error()
			s.LastFailureAt = time.Now()
			s.NextStart = time.Now().Add(delay)
		})
		h.log.Warn("runtime failed; restarting", "reason", reason, "kind", failureKind(reason), "backoff", delay, "consecutive", failures)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-h.closing:
			t.Stop()
			h.setState(func(s *Status) { s.State = StateClosed })
			return
		}
	}
}

// backoff is min(max, min·2^failures).
func backoff(min, max time.Duration, failures int) time.Duration {
	d := min
	for i := 0; i < failures && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d
}

// start starts a process and brings it to ready.
func (h *Host) start() (*instance, error) {
	h.setState(func(s *Status) { s.Counters.Starts++ })
	sb := h.cfg.Sandbox
	if sb.Stderr == nil {
		sb.Stderr = newLineLogger(h.log, "runtime stderr")
	}
	if sb.Stdout == nil {
		sb.Stdout = newLineLogger(h.log, "runtime stdout")
	}
	proc, err := sandbox.Start(sb)
	if err != nil {
		return nil, &Failure{FailStart, err}
	}
	inst := newInstance(proc, rhp.Options{
		Role:         rhp.RoleHost,
		MaxFrameSize: h.cfg.MaxFrameSize,
		Handler:      rhpHandler(h.cfg.Handler),
		Logger:       h.log,
		WriteTimeout: h.cfg.CallTimeout,
	})
	ctx, cancel := context.WithTimeout(context.Background(), h.cfg.StartTimeout)
	defer cancel()
	go func() {
		select {
		case <-h.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := inst.handshake(ctx, &h.cfg.Info); err != nil {
		inst.kill()
		return nil, err
	}
	return inst, nil
}
