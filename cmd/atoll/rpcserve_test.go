package main

import (
	"context"
	"testing"

	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/rpc/devbank"
)

// serveRPC serves backend's JSON-RPC on a free loopback port until the
// test ends and returns its HTTP URL.
func serveRPC(tb testing.TB, backend rpc.Backend) string {
	tb.Helper()
	ls, err := rpc.Listen("127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := rpc.NewServer(backend, nil)
	srv.Serve(ls)
	tb.Cleanup(func() { srv.Close() })
	return "http://" + ls.HTTP.Addr().String()
}

// runBank runs bank's slot clock until the test ends.
func runBank(tb testing.TB, bank *devbank.Bank) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- bank.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && ctx.Err() == nil {
			tb.Errorf("bank: %v", err)
		}
	})
}
