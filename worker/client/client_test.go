package client

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"

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
