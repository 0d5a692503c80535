package programs

import (
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/connmgr"
	"github.com/atoll-dev/atoll/bridge/programs/home"
	"github.com/atoll-dev/atoll/bridge/programs/replica"
	"github.com/atoll-dev/atoll/bridge/programs/token"
	"github.com/atoll-dev/atoll/bridge/programs/tokenbridge"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Config is what the bridge programs of one network are built with; every
// node of the network must use the same values (they are genesis parameters).
type Config struct {
	// LocalDomain is the network's bridge domain id.
	LocalDomain uint32
	// Admin alone may initialize the Home, the Replicas, the connection
	// manager and the token bridge; each is then governed by the owner key
	// given at initialization.
	Admin sol.Pubkey
}

// Options returns the executor options that register every bridge program.
func Options(cfg Config) []svm.Option {
	return []svm.Option{
		svm.WithProgram(address.Home, home.New(cfg.LocalDomain, cfg.Admin)),
		svm.WithProgram(address.Replica, replica.New(cfg.LocalDomain, cfg.Admin)),
		svm.WithProgram(address.ConnMgr, connmgr.New(cfg.LocalDomain, cfg.Admin)),
		svm.WithProgram(address.Token, token.New(cfg.LocalDomain)),
		svm.WithProgram(address.TokenBridge, tokenbridge.New(cfg.LocalDomain)),
	}
}
