package main

import (
	"bytes"
	"fmt"
	"io"
	"math"

	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/node"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/loader"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// lamportsPerSOL converts --faucet-sol.
const lamportsPerSOL = 1_000_000_000

// bridgeFlags configure the bridge programs of a new devnet's runtime.
type bridgeFlags struct {
	domain uint32
	admin  string
}

func (b *bridgeFlags) register(c *cobra.Command) {
	c.Flags().Uint32Var(&b.domain, "bridge-domain", 0, "bridge domain id (Nomad's u32) of a new devnet; 0 is no domain, which bridge agents refuse")
	c.Flags().StringVar(&b.admin, "bridge-admin", "", "PUBKEY (or keypair file) that alone may initialize a new devnet's bridge programs; none by default")
}

// devnetSpec is the part of a new devnet's runtime genesis its flags shape.
type devnetSpec struct {
	// slotsPerEpoch is the runtime's epoch length; epochs warm up from
	// svm.MinimumSlotsPerEpoch slots, as solana-test-validator's.
	slotsPerEpoch  uint64
	faucetLamports uint64
	bridgeDomain   uint32
	bridgeAdmin    sol.Pubkey
	accounts       []node.GenesisAccount
	// origins[i] names the flag that gave accounts[i].
	origins []string
	// changed lists the scalar flags given on the command line.
	changed map[string]bool
}

// devnetGenesis reads and checks the genesis flags, programs and account
// files included, so that a bad value fails before anything is written.
func devnetGenesis(cmd *cobra.Command, gf *genesisFlags, args []string, faucetSOL uint64, b *bridgeFlags) (*devnetSpec, error) {
	if faucetSOL == 0 || faucetSOL > math.MaxUint64/lamportsPerSOL {
		return nil, fmt.Errorf("--faucet-sol %d: want 1 to %d", faucetSOL, uint64(math.MaxUint64/lamportsPerSOL))
	}
	s := &devnetSpec{faucetLamports: faucetSOL * lamportsPerSOL, bridgeDomain: b.domain, changed: map[string]bool{}}
	for _, f := range []string{"faucet-sol", "bridge-domain", "bridge-admin"} {
		s.changed[f] = cmd.Flags().Changed(f)
	}
	if b.admin != "" {
		k, err := pubkeyOrKeypair("bridge-admin", b.admin)
		if err != nil {
			return nil, err
		}
		s.bridgeAdmin = k
	}
	if len(args) > 0 || gf.set() {
		rt, err := loader.New()
		if err != nil {
			return nil, err
		}
		ws, err := gf.load(rt, args)
		if err != nil {
			return nil, err
		}
		for i, w := range ws {
			s.accounts = append(s.accounts, node.GenesisAccount{Pubkey: w.Key, Account: w.Account})
			flag := "--account"
			if i < len(gf.programs.values) {
				flag = "--bpf-program" // load returns programs first
			}
			s.origins = append(s.origins, flag+" "+w.Key.String())
		}
	}
	return s, nil
}

// setSlotsPerEpoch checks and records --slots-per-epoch.
func (s *devnetSpec) setSlotsPerEpoch(cmd *cobra.Command, n uint64) error {
	if n < svm.MinimumSlotsPerEpoch {
		return fmt.Errorf("--slots-per-epoch %d: want at least %d", n, svm.MinimumSlotsPerEpoch)
	}
	s.slotsPerEpoch = n
	s.changed["slots-per-epoch"] = cmd.Flags().Changed("slots-per-epoch")
	return nil
}

// describe lists what the flags given add to a new devnet's genesis, one
// line each; none for a default devnet.
func (s *devnetSpec) describe() []string {
	var out []string
	if s.changed["faucet-sol"] {
		out = append(out, fmt.Sprintf("faucet funded with %d SOL", s.faucetLamports/lamportsPerSOL))
	}
	if s.changed["slots-per-epoch"] {
		out = append(out, fmt.Sprintf("%d slots per epoch, after warmup epochs from %d slots", s.slotsPerEpoch, svm.MinimumSlotsPerEpoch))
	}
	if s.bridgeDomain != 0 || !s.bridgeAdmin.IsZero() {
		out = append(out, fmt.Sprintf("bridge domain %d, admin %s", s.bridgeDomain, s.bridgeAdmin))
	}
	for i, a := range s.accounts {
		out = append(out, fmt.Sprintf("%s: %d bytes, %d lamports, owner %s", s.origins[i], len(a.Account.Data), a.Account.Lamports, a.Account.Owner))
	}
	return out
}

// ignoredGenesis lists the given genesis flags whose values an existing
// devnet's genesis g does not have.
func (s *devnetSpec) ignoredGenesis(g *node.SVMGenesis) []string {
	var out []string
	if s.changed["faucet-sol"] && g.FaucetLamports != s.faucetLamports {
		out = append(out, fmt.Sprintf("--faucet-sol %d (the faucet was funded with %d SOL)", s.faucetLamports/lamportsPerSOL, g.FaucetLamports/lamportsPerSOL))
	}
	if s.changed["slots-per-epoch"] && g.SlotsPerEpoch != s.slotsPerEpoch {
		out = append(out, fmt.Sprintf("--slots-per-epoch %d (the devnet's epochs have %d slots)", s.slotsPerEpoch, g.SlotsPerEpoch))
	}
	if s.changed["bridge-domain"] && g.BridgeDomain != s.bridgeDomain {
		out = append(out, fmt.Sprintf("--bridge-domain %d (the devnet's domain is %d)", s.bridgeDomain, g.BridgeDomain))
	}
	if s.changed["bridge-admin"] && g.BridgeAdmin != s.bridgeAdmin {
		out = append(out, fmt.Sprintf("--bridge-admin %s (the devnet's admin is %s)", s.bridgeAdmin, g.BridgeAdmin))
	}
	have := map[sol.Pubkey]*sol.Account{}
	for i := range g.Accounts {
		have[g.Accounts[i].Pubkey] = &g.Accounts[i].Account
	}
	for i, a := range s.accounts {
		switch h := have[a.Pubkey]; {
		case h == nil:
			out = append(out, s.origins[i]+" (not in the devnet's genesis)")
		case !sameAccount(h, &a.Account):
			out = append(out, s.origins[i]+" (differs from the devnet's genesis account)")
		}
	}
	return out
}

func sameAccount(a, b *sol.Account) bool {
	return a.Lamports == b.Lamports && bytes.Equal(a.Data, b.Data) && a.Owner == b.Owner && a.Executable == b.Executable && a.RentEpoch == b.RentEpoch
}

// reportIgnoredGenesis tells the user which genesis flags a resumed devnet
// ignores. solana-test-validator ignores them silently; saying so spares
// users a stale program they believe they reloaded.
func reportIgnoredGenesis(out io.Writer, dir string, s *devnetSpec) error {
	g, ok, err := node.LoadSVMGenesis(dir)
	if err != nil {
		return err
	}
	if !ok {
		g = &node.SVMGenesis{}
	}
	ignored := s.ignoredGenesis(g)
	if len(ignored) == 0 {
		return nil
	}
	fmt.Fprintf(out, "ignored: the devnet in %s keeps the genesis it was created with; --reset starts a new chain (wiping %s) with:\n", dir, dir)
	for _, l := range ignored {
		fmt.Fprintf(out, "  %s\n", l)
	}
	return nil
}
