package main

import (
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/bridge/agent/localnet"
)

// bridgeNetFlags choose the two networks of `bridge demo` and `bridge
// localnet`: by default two atoll networks, each an `atoll devnet` child
// process of this executable; with --devbank two single-process chains.
type bridgeNetFlags struct {
	devbank      bool
	baseA, baseB int
	rpcA, rpcB   string
	blockTime    time.Duration
	slotTime     time.Duration
}

func (b *bridgeNetFlags) register(c *cobra.Command, rpcA, rpcB string) {
	f := c.Flags()
	f.BoolVar(&b.devbank, "devbank", false, "run two single-process devbank chains instead of two atoll networks (faster, no consensus)")
	f.IntVar(&b.baseA, "alpha-base-port", 16656, "first port of alpha's devnet (CometBFT p2p; CometBFT RPC and the compute nodes follow)")
	f.IntVar(&b.baseB, "beta-base-port", 16756, "first port of beta's devnet")
	f.StringVar(&b.rpcA, "alpha-rpc", rpcA, "JSON-RPC address of alpha (websocket on port+1)")
	f.StringVar(&b.rpcB, "beta-rpc", rpcB, "JSON-RPC address of beta (websocket on port+1)")
	f.DurationVar(&b.blockTime, "block-time", 200*time.Millisecond, "CometBFT block time of both networks (a runtime round takes about two blocks)")
	f.DurationVar(&b.slotTime, "slot-time", 200*time.Millisecond, "time between slots with --devbank")
}

// devnets returns the two atoll networks in dir (alpha and beta), or nils
// with --devbank.
func (b *bridgeNetFlags) devnets(dir string) ([2]*localnet.Devnet, error) {
	if b.devbank {
		return [2]*localnet.Devnet{}, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return [2]*localnet.Devnet{}, err
	}
	return [2]*localnet.Devnet{
		{Binary: exe, Dir: filepath.Join(dir, "alpha"), BasePort: b.baseA, RPCAddr: b.rpcA, BlockTime: b.blockTime},
		{Binary: exe, Dir: filepath.Join(dir, "beta"), BasePort: b.baseB, RPCAddr: b.rpcB, BlockTime: b.blockTime},
	}, nil
}
