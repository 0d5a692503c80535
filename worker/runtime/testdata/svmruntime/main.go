// Command svmruntime serves the SVM runtime over RHP on the inherited
// descriptor, as `atoll runtime svm` does, for the worker/runtime tests
// (building it is much faster than building atoll).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/atoll-dev/atoll/runtime/rhp/guest"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
)

func main() {
	conn, err := guest.OpenInherited()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := guest.NewServer(conn, guest.Options{})
	rt, err := hosted.New(srv.Host().StorageGet)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := srv.Serve(context.Background(), rt); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
