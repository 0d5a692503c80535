package rhp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// socketPair returns both ends of a Unix stream socket pair, as the sandbox
// gives them to host and runtime.
func socketPair(tb testing.TB) (*os.File, *os.File) {
	tb.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		tb.Fatal(err)
	}
	// Non-blocking descriptors are served by the runtime poller, so that
	// Close unblocks readers and write deadlines work.
	for _, fd := range fds {
		if err := unix.SetNonblock(fd, true); err != nil {
			tb.Fatal(err)
		}
	}
	return os.NewFile(uintptr(fds[0]), "host"), os.NewFile(uintptr(fds[1]), "runtime")
}

// pair connects a host Conn and a runtime Conn with the given handlers.
func pair(tb testing.TB, hostH, rtH Handler, rtOpts ...func(*Options)) (host, rt *Conn) {
	tb.Helper()
	a, b := socketPair(tb)
	host = NewConn(a, Options{Role: RoleHost, Handler: hostH})
	o := Options{Role: RoleRuntime, Handler: rtH}
	for _, f := range rtOpts {
		f(&o)
	}
	rt = NewConn(b, o)
	tb.Cleanup(func() { host.Close(); rt.Close() })
	return host, rt
}

func ctxT(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

func TestConn_Call(t *testing.T) {
	host, _ := pair(t, nil, HandlerFunc(func(ctx context.Context, req *Request) (Message, error) {
		switch b := req.Body.(type) {
		case *Ping:
			return &PingResponse{}, nil
		case *Query:
			return &QueryResponse{Data: append([]byte("echo:"), b.Args...)}, nil
		}
		return nil, Errorf(CodeUnsupported, "test", "no")
	}))
	if err := host.Call(ctxT(t), &Ping{}, &PingResponse{}); err != nil {
		t.Fatal(err)
	}
	var qr QueryResponse
	if err := host.Call(ctxT(t), &Query{Method: "m", Args: []byte("x")}, &qr); err != nil {
		t.Fatal(err)
	}
	if string(qr.Data) != "echo:x" {
		t.Fatalf("got %q", qr.Data)
	}
}

// TestConn_CallbackWhileServing: the runtime reads storage from the host
// while it serves the host's ExecuteTxBatch, on the same socket.
func TestConn_CallbackWhileServing(t *testing.T) {
	var rt *Conn
	rtReady := make(chan struct{})
	hostH := HandlerFunc(func(ctx context.Context, req *Request) (Message, error) {
		g := req.Body.(*StorageGet)
		resp := &StorageGetResponse{Proof: []byte("proof")}
		for _, k := range g.Keys {
			resp.Entries = append(resp.Entries, StorageEntry{Key: k, Found: true, Value: append([]byte("v-"), k...)})
		}
		return resp, nil
	})
	rtH := HandlerFunc(func(ctx context.Context, req *Request) (Message, error) {
		<-rtReady
		ex := req.Body.(*ExecuteTxBatch)
		var out ExecuteTxBatchResponse
		for _, tx := range ex.Txs {
			var sg StorageGetResponse
			if err := rt.Call(ctx, &StorageGet{Root: ex.PrevRoots.State, Keys: [][]byte{tx}}, &sg); err != nil {
				return nil, err
			}
			out.Results = append(out.Results, TxResult{Data: sg.Entries[0].Value})
		}
		return &out, nil
	})
	host, r := pair(t, hostH, rtH)
	rt = r
	close(rtReady)
	var resp ExecuteTxBatchResponse
	if err := host.Call(ctxT(t), &ExecuteTxBatch{Txs: [][]byte{[]byte("a"), []byte("b")}}, &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Results) != 2 || string(resp.Results[0].Data) != "v-a" || string(resp.Results[1].Data) != "v-b" {
		t.Fatalf("got %+v", resp.Results)
	}
}

func TestConn_ErrorResponses(t *testing.T) {
	block, blocked := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() { close(block) })
	rtH := HandlerFunc(func(ctx context.Context, req *Request) (Message, error) {
		switch b := req.Body.(type) {
		case *Query:
			switch b.Method {
			case "notfound":
				return nil, Errorf(CodeNotFound, "test", "no such thing")
			case "plain":
				return nil, errors.New("disk on fire")
			case "panic":
				panic("boom")
			case "wrongtype":
				return &PingResponse{}, nil
			case "block":
				close(blocked)
				<-block
				return &QueryResponse{}, nil
			}
		}
		return nil, Errorf(CodeUnsupported, "test", "no")
	})
	host, _ := pair(t, nil, rtH, func(o *Options) { o.MaxInflight = 1 })

	tests := []struct {
		method string
		code   ErrorCode
	}{
		{"notfound", CodeNotFound},
		{"plain", CodeInternal},
		{"panic", CodeInternal},
		{"wrongtype", CodeInternal},
	}
	for _, tt := range tests {
		err := host.Call(ctxT(t), &Query{Method: tt.method}, &QueryResponse{})
		var e *Error
		if !errors.As(err, &e) || e.Code != tt.code {
			t.Errorf("%s: got %v, want code %d", tt.method, err, tt.code)
		}
	}
	if err := host.Call(ctxT(t), &Query{Method: "notfound"}, &QueryResponse{}); !errors.Is(err, ErrPeerNotFound) {
		t.Errorf("errors.Is(ErrPeerNotFound) fails for %v", err)
	}

	// A request of the wrong direction is refused, not fatal.
	err := host.Call(ctxT(t), &StorageGet{}, &StorageGetResponse{})
	if !errors.Is(err, ErrPeerUnsupported) {
		t.Errorf("wrong-direction request: got %v", err)
	}

	// With one request in flight and MaxInflight 1, the next one is refused.
	go host.Call(context.Background(), &Query{Method: "block"}, &QueryResponse{})
	<-blocked
	if err := host.Call(ctxT(t), &Ping{}, &PingResponse{}); !errors.Is(err, ErrPeerBusy) {
		t.Fatalf("second request while one is in flight: got %v, want CodeBusy", err)
	}
	if host.Err() != nil {
		t.Fatalf("connection ended: %v", host.Err())
	}
}

func TestConn_CancelIncoming(t *testing.T) {
	started := make(chan uint64, 1)
	var rt *Conn
	rtH := HandlerFunc(func(ctx context.Context, req *Request) (Message, error) {
		switch b := req.Body.(type) {
		case *ExecuteTxBatch:
			started <- req.ID
			<-ctx.Done()
			return nil, ctx.Err()
		case *Abort:
			rt.CancelIncoming(b.Target)
			return &AbortResponse{}, nil
		}
		return nil, Errorf(CodeUnsupported, "test", "no")
	})
	host, r := pair(t, nil, rtH)
	rt = r
	errc := make(chan error, 1)
	go func() { errc <- host.Call(ctxT(t), &ExecuteTxBatch{}, &ExecuteTxBatchResponse{}) }()
	id := <-started
	if err := host.Call(ctxT(t), &Abort{Target: id}, &AbortResponse{}); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, ErrPeerAborted) {
		t.Fatalf("aborted call returned %v", err)
	}
}

func TestConn_CallContext(t *testing.T) {
	rtH := HandlerFunc(func(ctx context.Context, req *Request) (Message, error) {
		if _, ok := req.Body.(*Ping); ok {
			time.Sleep(50 * time.Millisecond)
		}
		return &PingResponse{}, nil
	})
	host, _ := pair(t, nil, rtH)
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if err := host.Call(ctx, &Ping{}, &PingResponse{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	// The late response is dropped, and the connection still works.
	if err := host.Call(ctxT(t), &Ping{}, &PingResponse{}); err != nil {
		t.Fatal(err)
	}
}

func TestConn_Call_WrongResponseBody(t *testing.T) {
	host, _ := pair(t, nil, nil)
	if err := host.Call(ctxT(t), &Ping{}, &QueryResponse{}); err == nil {
		t.Fatal("Call accepted a response value of the wrong type")
	}
}

// TestConn_PeerViolations writes raw bytes as a broken peer would and checks
// that the connection ends with the right error and pending calls fail.
func TestConn_PeerViolations(t *testing.T) {
	frame := func(id uint64, m Message) []byte {
		b, err := AppendFrame(nil, id, m, DefaultMaxFrameSize)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name string
		raw  func(reqID uint64) []byte
		want error
	}{
		{"garbage", func(uint64) []byte { return []byte{0, 0, 0, 3, 'a', 'b', 'c'} }, ErrMalformedFrame},
		{"oversized", func(uint64) []byte { return []byte{0x7f, 0xff, 0xff, 0xff} }, ErrFrameTooLarge},
		{"unsolicited response", func(id uint64) []byte { return frame(id+100, &PingResponse{}) }, ErrProtocol},
		{"wrong response type", func(id uint64) []byte { return frame(id, &QueryResponse{}) }, ErrUnexpectedResponse},
		{"malformed response body", func(id uint64) []byte {
			return lengthPrefixed([]byte{0x83, byte(id), 0x18, byte(TypePing.Response()), 0x01})
		}, ErrMalformedBody},
		{"request id 0", func(uint64) []byte { return frame(0, &StorageGet{}) }, ErrProtocol},
		{"eof", func(uint64) []byte { return nil }, io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := socketPair(t)
			defer b.Close()
			host := NewConn(a, Options{Role: RoleHost})
			defer host.Close()
			errc := make(chan error, 1)
			go func() { errc <- host.Call(ctxT(t), &Ping{}, &PingResponse{}) }()
			req, err := ReadFrame(b, DefaultMaxFrameSize)
			if err != nil {
				t.Fatal(err)
			}
			if raw := tt.raw(req.ID); raw != nil {
				if _, err := b.Write(raw); err != nil {
					t.Fatal(err)
				}
			} else {
				b.Close()
			}
			if err := <-errc; err == nil {
				t.Fatal("call succeeded")
			}
			select {
			case <-host.Done():
			case <-time.After(10 * time.Second):
				t.Fatal("connection still open after the violation")
			}
			if !errors.Is(host.Err(), tt.want) {
				t.Fatalf("connection ended with %v, want %v", host.Err(), tt.want)
			}
		})
	}
}

func TestConn_Handshake(t *testing.T) {
	tests := []struct {
		name    string
		answer  func() (Message, error)
		wantErr error
	}{
		{"same major", func() (Message, error) { return &HandshakeResponse{Version: Version{1, 7, 0}}, nil }, nil},
		{"runtime newer major", func() (Message, error) { return &HandshakeResponse{Version: Version{2, 0, 0}}, nil }, ErrVersionMismatch},
		{"runtime refuses", func() (Message, error) { return nil, Errorf(CodeVersionMismatch, "guest", "want 0.x") }, ErrVersionMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host, _ := pair(t, nil, HandlerFunc(func(context.Context, *Request) (Message, error) { return tt.answer() }))
			_, err := host.Handshake(ctxT(t))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got %v want %v", err, tt.wantErr)
			}
		})
	}
}

func TestConn_ConcurrentCalls(t *testing.T) {
	var served atomic.Int64
	host, _ := pair(t, nil, HandlerFunc(func(ctx context.Context, req *Request) (Message, error) {
		served.Add(1)
		q := req.Body.(*Query)
		return &QueryResponse{Data: q.Args}, nil
	}))
	const n = 200
	errc := make(chan error, n)
	for i := range n {
		go func() {
			want := fmt.Sprint(i)
			var r QueryResponse
			err := host.Call(ctxT(t), &Query{Args: []byte(want)}, &r)
			if err == nil && string(r.Data) != want {
				err = fmt.Errorf("call %d got %q", i, r.Data)
			}
			errc <- err
		}()
	}
	for range n {
		if err := <-errc; err != nil && !errors.Is(err, ErrPeerBusy) {
			t.Fatal(err)
		}
	}
	if served.Load() == 0 {
		t.Fatal("nothing served")
	}
}

// FuzzConn writes an arbitrary byte stream into a host Conn as a runtime
// would: nothing may panic, and the connection must either keep serving or
// end with an error.
func FuzzConn(f *testing.F) {
	for _, m := range sampleMessages() {
		frame, err := AppendFrame(nil, 1, m, DefaultMaxFrameSize)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(frame)
	}
	f.Add([]byte{0, 0, 0, 4, 0x83, 0x00, 0x20, 0xa0})
	f.Add([]byte{0, 0, 0, 5, 0x83, 0x01, 0x18, 0x83, 0xa0})
	f.Fuzz(func(t *testing.T, stream []byte) {
		a, b := socketPair(t)
		host := NewConn(a, Options{Role: RoleHost, MaxFrameSize: 1 << 16, Handler: HandlerFunc(
			func(ctx context.Context, req *Request) (Message, error) {
				return nil, Errorf(CodeNotFound, "fuzz", "nothing here")
			})})
		defer host.Close()
		// Keep one call of our own in flight so that responses in the
		// stream can match it.
		go host.Call(context.Background(), &Ping{}, &PingResponse{})
		go io.Copy(io.Discard, b)
		b.Write(stream)
		b.Close()
		select {
		case <-host.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("connection neither ended nor failed after the stream closed")
		}
		if host.Err() == nil {
			t.Fatal("ended without a reason")
		}
	})
}

// TestConn_WriteTimeout: a peer that stops reading cannot block a sender.
func TestConn_WriteTimeout(t *testing.T) {
	a, b := socketPair(t)
	defer b.Close() // b is never read
	host := NewConn(a, Options{Role: RoleHost, WriteTimeout: 100 * time.Millisecond})
	defer host.Close()
	big := &ExecuteTxBatch{Txs: [][]byte{make([]byte, 8<<20)}}
	err := host.Call(ctxT(t), big, &ExecuteTxBatchResponse{})
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	<-host.Done()
	if !errors.Is(host.Err(), os.ErrDeadlineExceeded) {
		t.Fatalf("connection ended with %v", host.Err())
	}
}
