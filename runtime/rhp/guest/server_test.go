package guest

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/atoll-dev/atoll/runtime/rhp"
)

// testRuntime echoes and reads storage through the host.
type testRuntime struct {
	host    *Host
	started chan struct{}
}

func (r *testRuntime) Info(ctx context.Context, req *rhp.InfoRequest) (*rhp.InfoResponse, error) {
	return &rhp.InfoResponse{Name: "test", Version: rhp.Version{Major: 0, Minor: 1}}, nil
}

func (r *testRuntime) CheckTxBatch(ctx context.Context, req *rhp.CheckTxBatch) (*rhp.CheckTxBatchResponse, error) {
	return nil, ErrNotServing
}

func (r *testRuntime) ExecuteTxBatch(ctx context.Context, req *rhp.ExecuteTxBatch) (*rhp.ExecuteTxBatchResponse, error) {
	if len(req.Txs) == 0 {
		close(r.started)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	sg, err := r.host.StorageGet(ctx, req.PrevRoots.State, req.Txs)
	if err != nil {
		return nil, err
	}
	out := &rhp.ExecuteTxBatchResponse{}
	for _, e := range sg.Entries {
		out.Results = append(out.Results, rhp.TxResult{Data: e.Value})
	}
	return out, nil
}

func (r *testRuntime) Query(ctx context.Context, req *rhp.Query) (*rhp.QueryResponse, error) {
	return nil, nil // a handler bug: nil response without an error
}

type hostSide struct{ lie bool }

func (h hostSide) ServeRHP(ctx context.Context, req *rhp.Request) (rhp.Message, error) {
	g := req.Body.(*rhp.StorageGet)
	resp := &rhp.StorageGetResponse{Proof: []byte("ok")}
	for _, k := range g.Keys {
		resp.Entries = append(resp.Entries, rhp.StorageEntry{Key: k, Found: true, Value: append([]byte("v:"), k...)})
	}
	if h.lie {
		resp.Proof = []byte("bad")
	}
	return resp, nil
}

func start(t *testing.T, hostH rhp.Handler) (*rhp.Conn, *testRuntime, chan error) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		if err := unix.SetNonblock(fd, true); err != nil {
			t.Fatal(err)
		}
	}
	hostConn := rhp.NewConn(os.NewFile(uintptr(fds[0]), "host"), rhp.Options{Role: rhp.RoleHost, Handler: hostH})
	srv := NewServer(os.NewFile(uintptr(fds[1]), "rt"), Options{
		VerifyProof: func(root rhp.Root, entries []rhp.StorageEntry, proof []byte) error {
			if string(proof) != "ok" {
				return errors.New("proof does not match root")
			}
			return nil
		},
	})
	rt := &testRuntime{host: srv.Host(), started: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(context.Background(), rt) }()
	t.Cleanup(func() { hostConn.Close() })
	return hostConn, rt, done
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestServer_Serve(t *testing.T) {
	host, rt, done := start(t, hostSide{})
	if err := host.Call(ctxT(t), &rhp.Ping{}, &rhp.PingResponse{}); !errors.Is(err, &rhp.Error{Code: rhp.CodeNotReady}) {
		t.Fatalf("ping before handshake: %v", err)
	}
	if _, err := host.Handshake(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if err := host.Call(ctxT(t), &rhp.Ping{}, &rhp.PingResponse{}); err != nil {
		t.Fatal(err)
	}
	var info rhp.InfoResponse
	if err := host.Call(ctxT(t), &rhp.InfoRequest{}, &info); err != nil || info.Name != "test" {
		t.Fatalf("info: %v %+v", err, info)
	}
	var ex rhp.ExecuteTxBatchResponse
	if err := host.Call(ctxT(t), &rhp.ExecuteTxBatch{Txs: [][]byte{[]byte("k1"), []byte("k2")}}, &ex); err != nil {
		t.Fatal(err)
	}
	if len(ex.Results) != 2 || string(ex.Results[1].Data) != "v:k2" {
		t.Fatalf("execute: %+v", ex.Results)
	}
	if err := host.Call(ctxT(t), &rhp.CheckTxBatch{}, &rhp.CheckTxBatchResponse{}); !errors.Is(err, rhp.ErrPeerUnsupported) {
		t.Fatalf("unsupported: %v", err)
	}
	if err := host.Call(ctxT(t), &rhp.Query{}, &rhp.QueryResponse{}); !errors.Is(err, &rhp.Error{Code: rhp.CodeInternal}) {
		t.Fatalf("nil response: %v", err)
	}

	// Abort: the long request ends with CodeAborted.
	errc := make(chan error, 1)
	go func() { errc <- host.Call(ctxT(t), &rhp.ExecuteTxBatch{}, &rhp.ExecuteTxBatchResponse{}) }()
	<-rt.started
	// The request id of the blocked call is the last one issued: 8.
	if err := host.Call(ctxT(t), &rhp.Abort{Target: 8}, &rhp.AbortResponse{}); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, rhp.ErrPeerAborted) {
		t.Fatalf("aborted execute: %v", err)
	}

	if err := host.Call(ctxT(t), &rhp.Shutdown{}, &rhp.ShutdownResponse{}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after Shutdown: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after Shutdown")
	}
}

func TestServer_VersionMismatch(t *testing.T) {
	host, _, _ := start(t, hostSide{})
	err := host.Call(ctxT(t), &rhp.Handshake{Version: rhp.Version{Major: rhp.ProtocolVersion.Major + 1}}, &rhp.HandshakeResponse{})
	if !errors.Is(err, &rhp.Error{Code: rhp.CodeVersionMismatch}) {
		t.Fatalf("got %v", err)
	}
	if err := host.Call(ctxT(t), &rhp.Ping{}, &rhp.PingResponse{}); !errors.Is(err, &rhp.Error{Code: rhp.CodeNotReady}) {
		t.Fatalf("after a refused handshake: %v", err)
	}
}

func TestHost_StorageGetVerifies(t *testing.T) {
	host, _, _ := start(t, hostSide{lie: true})
	if _, err := host.Handshake(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	err := host.Call(ctxT(t), &rhp.ExecuteTxBatch{Txs: [][]byte{[]byte("k")}}, &rhp.ExecuteTxBatchResponse{})
	var e *rhp.Error
	if !errors.As(err, &e) || e.Code != rhp.CodeInternal || !strings.Contains(e.Message, "proof does not match root") {
		t.Fatalf("got %v", err)
	}
}
