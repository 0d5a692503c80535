package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/node"
	"github.com/atoll-dev/atoll/node/rpcnode"
	"github.com/atoll-dev/atoll/rpc"
)

// nodeRPC is the Solana JSON-RPC a node serves from its first compute
// node's replica and executor.
type nodeRPC struct {
	backend *rpcnode.Backend
	server  *rpc.Server
	ls      *rpc.Listeners
}

// startNodeRPC builds the replicated backend over the home's first worker and
// listens on addr (HTTP) and port+1 (websocket). The faucet is the home's
// faucet.json, when the network funded one. The backend must still be added
// to the node's components, which is how it follows the chain.
func startNodeRPC(home, addr string, hw *homeWorkers, log *slog.Logger) (*nodeRPC, error) {
	if addr == "" || len(hw.all) == 0 {
		return nil, nil
	}
	cfg, err := rpcnode.ForWorkers(hw.all[0], hw.cfgs[0])
	if err != nil {
		return nil, err
	}
	faucet := filepath.Join(home, "faucet.json")
	if _, statErr := os.Stat(faucet); statErr == nil {
		if cfg.Faucet, err = client.ReadKeypair(faucet); err != nil {
			return nil, fmt.Errorf("faucet %s: %w", faucet, err)
		}
	}
	backend, err := rpcnode.New(cfg)
	if err != nil {
		return nil, err
	}
	ls, err := rpc.Listen(addr)
	if err != nil {
		return nil, fmt.Errorf("solana rpc %w: %s (%v)", node.ErrPortInUse, addr, err)
	}
	srv := rpc.NewServer(backend, log.With("module", "rpc"))
	srv.Serve(ls)
	return &nodeRPC{backend: backend, server: srv, ls: ls}, nil
}

func (r *nodeRPC) components() []node.Component {
	if r == nil {
		return nil
	}
	return []node.Component{r.backend}
}

func (r *nodeRPC) urls() (string, string) {
	return "http://" + r.ls.HTTP.Addr().String(), "ws://" + r.ls.WS.Addr().String()
}

func (r *nodeRPC) Close() error {
	if r == nil {
		return nil
	}
	return errors.Join(r.server.Close())
}
