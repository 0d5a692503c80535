package rpc_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/rpc/devbank"
)

// A node serves its Backend like this; here the backend is a devbank.
func ExampleServer() {
	bank, err := devbank.New(devbank.Config{ConfirmedDepth: 1, FinalizedDepth: 2})
	if err != nil {
		panic(err)
	}
	ls, err := rpc.Listen("127.0.0.1:0") // HTTP on a free port, websocket on port+1
	if err != nil {
		panic(err)
	}
	srv := rpc.NewServer(bank, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	srv.Serve(ls)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a real node runs until it is told to stop
	_ = bank.Run(ctx)
	fmt.Println("serving", ls.HTTP.Addr().Network())
	// Output: serving tcp
}
