package host

import (
	"context"

	"github.com/atoll-dev/atoll/runtime/rhp"
)

// Handler serves the runtime's calls back into the node. Methods are called
// concurrently, each on its own goroutine, with a ctx that ends when the
// runtime goes away. Requests come from an untrusted process: a Handler
// must bound what it reads and allocates per request. Returning an
// *rhp.Error sends it as is; any other error is sent as rhp.CodeInternal.
type Handler interface {
	// StorageGet answers every key (in request order) with its value at
	// req.Root and one proof covering them all.
	StorageGet(ctx context.Context, req *rhp.StorageGet) (*rhp.StorageGetResponse, error)
	ConsensusQuery(ctx context.Context, req *rhp.ConsensusQuery) (*rhp.ConsensusQueryResponse, error)
	LocalGet(ctx context.Context, req *rhp.LocalGet) (*rhp.LocalGetResponse, error)
	LocalSet(ctx context.Context, req *rhp.LocalSet) (*rhp.LocalSetResponse, error)
}

// rhpHandler adapts a Handler to the connection.
func rhpHandler(h Handler) rhp.Handler {
	if h == nil {
		return nil
	}
	return rhp.HandlerFunc(func(ctx context.Context, req *rhp.Request) (rhp.Message, error) {
		switch b := req.Body.(type) {
		case *rhp.StorageGet:
			return nonNil(h.StorageGet(ctx, b))
		case *rhp.ConsensusQuery:
			return nonNil(h.ConsensusQuery(ctx, b))
		case *rhp.LocalGet:
			return nonNil(h.LocalGet(ctx, b))
		case *rhp.LocalSet:
			return nonNil(h.LocalSet(ctx, b))
		}
		return nil, rhp.Errorf(rhp.CodeUnsupported, "host", "%s is not served", req.Type)
	})
}

func nonNil[T rhp.Message](resp T, err error) (rhp.Message, error) {
	if err != nil {
		return nil, err
	}
	var zero T
	if any(resp) == any(zero) {
		return nil, rhp.Errorf(rhp.CodeInternal, "host", "handler returned nothing")
	}
	return resp, nil
}
