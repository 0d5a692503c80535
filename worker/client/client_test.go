package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/worker/submit"
)

type echo struct{}

func (echo) SubmitTx(_ context.Context, tx []byte) (*submit.TxResult, error) {
	if string(tx) == "bad" {
		return nil, errors.New("txpool: runtime rejected the transaction")
	}
	return &submit.TxResult{Round: 7, Units: uint64(len(tx)), Logs: []string{string(tx)}}, nil
}

func TestClient_SubmitTx(t *testing.T) {
	h := submit.NewHandler()
	h.Register(registry.RuntimeID{1}, echo{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	defer srv.Close()
	c := &Client{URL: "http://" + l.Addr().String(), Runtime: registry.RuntimeID{1}}
	r, err := c.SubmitTx(context.Background(), []byte("hello"))
	if err != nil || r.Round != 7 || r.Units != 5 || r.Logs[0] != "hello" {
		t.Fatalf("%+v %v", r, err)
	}
	if _, err := c.SubmitTx(context.Background(), []byte("bad")); !errors.Is(err, ErrRejected) {
		t.Fatalf("rejection: %v", err)
	}
	other := &Client{URL: c.URL, Runtime: registry.RuntimeID{2}}
	if _, err := other.SubmitTx(context.Background(), []byte("x")); err == nil || errors.Is(err, ErrRejected) {
		t.Fatalf("unserved runtime: %v", err)
	}
}

func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}

// counting counts the submission server's requests by path.
type counting struct {
	h     http.Handler
	mu    sync.Mutex
	paths map[string]int
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.paths[r.URL.Path]++
	c.mu.Unlock()
	c.h.ServeHTTP(w, r)
}

func TestClient_SubmitTxBatched(t *testing.T) {
	h := submit.NewHandler()
	h.Register(registry.RuntimeID{1}, echo{})
	ch := &counting{h: h, paths: map[string]int{}}
	c := &Client{URL: serve(t, ch), Runtime: registry.RuntimeID{1}}
	const n = 500
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tx := []byte(fmt.Sprintf("tx-%d", i))
			if i%50 == 0 {
				tx = []byte("bad")
			}
			r, err := c.SubmitTx(context.Background(), tx)
			switch {
			case i%50 == 0:
				if !errors.Is(err, ErrRejected) {
					errs[i] = fmt.Errorf("rejection %d: %v", i, err)
				}
			case err != nil:
				errs[i] = err
			case r.Logs[0] != string(tx):
				errs[i] = fmt.Errorf("submission %d answered with %q", i, r.Logs[0])
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if got := ch.paths[submit.BatchPath(registry.RuntimeID{1})]; got == 0 || got >= n/2 || ch.paths[submit.Path(registry.RuntimeID{1})] != 0 {
		t.Fatalf("%d concurrent submissions took requests %v", n, ch.paths)
	}
}

func TestClient_SubmitTxFallsBackToSingle(t *testing.T) {
	h := submit.NewHandler()
	h.Register(registry.RuntimeID{1}, echo{})
	// A node that predates the batch endpoint.
	old := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != submit.Path(registry.RuntimeID{1}) {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"error":"submit: no such endpoint %s"}`, r.URL.Path)
			return
		}
		h.ServeHTTP(w, r)
	})
	c := &Client{URL: serve(t, old), Runtime: registry.RuntimeID{1}}
	for range 2 {
		if r, err := c.SubmitTx(context.Background(), []byte("hello")); err != nil || r.Logs[0] != "hello" {
			t.Fatalf("%+v %v", r, err)
		}
	}
}

// slow never finalizes anything.
type slow struct{}

func (slow) SubmitTx(ctx context.Context, _ []byte) (*submit.TxResult, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestClient_SubmitTxGivesUp(t *testing.T) {
	h := submit.NewHandler()
	h.Register(registry.RuntimeID{1}, slow{})
	c := &Client{URL: serve(t, h), Runtime: registry.RuntimeID{1}, HTTP: &http.Client{Timeout: 300 * time.Millisecond}}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.SubmitTx(ctx, []byte("x")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("caller's deadline: %v", err)
	}
	// The batch request ends with the HTTP client's timeout: not a refusal.
	if _, err := c.SubmitTx(context.Background(), []byte("y")); err == nil || errors.Is(err, ErrRejected) {
		t.Fatalf("unfinished submission: %v", err)
	}
}

func TestReadAnswers(t *testing.T) {
	for _, c := range []struct {
		name, in string
		ok       bool
		answered int
	}{
		{"all", `{"index":1,"result":{"round":3}}` + "\n" + `{"index":0,"error":"x","rejected":true}` + "\n", true, 2},
		{"short", `{"index":1,"result":{"round":3}}`, true, 1},
		{"blank lines", "\n\n" + `{"index":0,"error":"late"}` + "\n\n", true, 1},
		{"out of range", `{"index":2,"result":{}}`, false, 0},
		{"negative", `{"index":-1,"result":{}}`, false, 0},
		{"twice", `{"index":0,"result":{}}` + "\n" + `{"index":0,"result":{}}`, false, 1},
		{"empty answer", `{"index":0}`, false, 0},
		{"garbage", `{"index":0,`, false, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			answered := 0
			err := readAnswers(strings.NewReader(c.in), 2, func(i int, res *submit.TxResult, err error) {
				answered++
				if (res == nil) == (err == nil) {
					t.Fatalf("answer %d: result %v and error %v", i, res, err)
				}
			})
			if (err == nil) != c.ok || answered != c.answered {
				t.Fatalf("err %v, %d answered", err, answered)
			}
		})
	}
}

func FuzzReadAnswers(f *testing.F) {
	f.Add([]byte(`{"index":1,"result":{"round":3,"logs":["a"]}}` + "\n" + `{"index":0,"error":"x","rejected":true}`))
	f.Add([]byte(`{"index":0,"result":{"data":"AQI="}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		seen := map[int]bool{}
		_ = readAnswers(bytes.NewReader(in), 4, func(i int, res *submit.TxResult, err error) {
			if i < 0 || i >= 4 || seen[i] || (res == nil) == (err == nil) {
				t.Fatalf("bad delivery %d %v %v", i, res, err)
			}
			seen[i] = true
		})
	})
}
