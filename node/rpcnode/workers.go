package rpcnode

import (
	"fmt"

	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/worker"
)

// ForWorkers is the Config of a backend over the roles worker.Start
// started from wc: its replica, its compute worker (nil without the
// compute role: the backend then serves reads only), the runtime
// configuration wc passes the runtime, and the node's identity. Chain is
// left nil (the backend reads the chain through the node.Host it runs in)
// and so is the faucet.
func ForWorkers(w *worker.Workers, wc worker.Config) (Config, error) {
	cfg := Config{Runtime: wc.Runtime, Replica: w.Replica, Compute: w.Compute, Logger: wc.Logger}
	if w.Compute != nil {
		cfg.Fetch = w.Compute.DiffFetcher()
	}
	if wc.Identity != nil {
		cfg.Identity = sol.Pubkey(wc.Identity.Public())
	}
	if len(wc.RuntimeConfig) > 0 {
		if err := rhp.Unmarshal(wc.RuntimeConfig, &cfg.RuntimeConfig); err != nil {
			return Config{}, fmt.Errorf("rpcnode: runtime configuration is not a %T: %w", hosted.Config{}, err)
		}
	}
	return cfg, nil
}
