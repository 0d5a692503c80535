package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/rpc/devbank"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/loader"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// pairFlag is a repeatable flag that takes two words, as
// solana-test-validator's `--bpf-program ADDRESS FILE` does. pflag gives the
// flag its first word and leaves the second among the positional
// arguments; since it appends positional arguments as it meets them, Set
// records how many there were, which is the index of this value's second
// word. So pairs may interleave with other pair flags and plain flags.
type pairFlag struct {
	fs     *pflag.FlagSet
	typ    string
	joined bool // also accept FIRST=SECOND in one word
	seq    *int // counts Set calls across the pair flags of fs
	values []pairValue
}

type pairValue struct {
	first, second string
	at            int // index of second among the positional arguments; -1 if joined
	seq           int // order among the values of all pair flags
}

func (p *pairFlag) Type() string { return p.typ }

func (p *pairFlag) String() string {
	var s []string
	for _, v := range p.values {
		s = append(s, v.first)
	}
	return strings.Join(s, ",")
}

func (p *pairFlag) Set(v string) error {
	*p.seq++
	if first, second, ok := strings.Cut(v, "="); ok && p.joined {
		p.values = append(p.values, pairValue{first: first, second: second, at: -1, seq: *p.seq})
		return nil
	}
	p.values = append(p.values, pairValue{first: v, at: len(p.fs.Args()), seq: *p.seq})
	return nil
}

// genesisFlags are the flags that add programs and accounts to a new chain's
// genesis state: --bpf-program ADDRESS_OR_KEYPAIR FILE.so and --account
// ADDRESS FILE.json (also ADDRESS=FILE.json), each repeatable.
type genesisFlags struct {
	programs, accounts pairFlag
	seq                int
}

func (g *genesisFlags) register(c *cobra.Command) {
	g.programs = pairFlag{fs: c.Flags(), typ: "ADDRESS_OR_KEYPAIR FILE.so", seq: &g.seq}
	g.accounts = pairFlag{fs: c.Flags(), typ: "ADDRESS FILE.json", joined: true, seq: &g.seq}
	c.Flags().Var(&g.programs, "bpf-program", "load an sBPF program at genesis, executable and owned by BPFLoader2 as solana-test-validator does; repeatable")
	c.Flags().Var(&g.accounts, "account", "load an account at genesis from a file in the format of solana account --output json (ADDRESS '-' takes the file's pubkey); repeatable")
}

// set reports whether any program or account was given.
func (g *genesisFlags) set() bool { return len(g.programs.values)+len(g.accounts.values) > 0 }

// pairs resolves the second words of p's values from args. owner maps a
// positional argument to the value it completes: the last one set before
// it, so in "--bpf-program A --account B F" F completes the account and
// the program lacks its file.
func (p *pairFlag) pairs(name string, args []string, owner map[int]int) ([]pairValue, error) {
	out := make([]pairValue, len(p.values))
	for i, v := range p.values {
		out[i] = v
		if v.at < 0 {
			continue
		}
		if v.at >= len(args) || owner[v.at] != v.seq {
			return nil, fmt.Errorf("--%s %s: want two words, %s", name, v.first, p.typ)
		}
		out[i].second = args[v.at]
	}
	return out, nil
}

// load reads and checks every program and account file. args are the
// command's positional arguments, which must all be second words of the
// pair flags. Every program is loaded and verified now, so that a bad file
// fails at startup. An address given twice is an error.
func (g *genesisFlags) load(rt *loader.Runtime, args []string) ([]svm.AccountWrite, error) {
	owner := map[int]int{}
	for _, vs := range [][]pairValue{g.programs.values, g.accounts.values} {
		for _, v := range vs {
			if v.at >= 0 && v.at < len(args) {
				owner[v.at] = max(owner[v.at], v.seq)
			}
		}
	}
	progs, err := g.programs.pairs("bpf-program", args, owner)
	if err != nil {
		return nil, err
	}
	accts, err := g.accounts.pairs("account", args, owner)
	if err != nil {
		return nil, err
	}
	for i := range args {
		if _, ok := owner[i]; !ok {
			return nil, fmt.Errorf("unexpected argument %q (flags that take two words: --bpf-program ADDRESS FILE, --account ADDRESS FILE)", args[i])
		}
	}
	var out []svm.AccountWrite
	for _, p := range progs {
		w, err := genesisProgram(rt, p.first, p.second)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	for _, a := range accts {
		w, err := genesisAccount(a.first, a.second)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	seen := map[sol.Pubkey]bool{}
	for _, w := range out {
		if seen[w.Key] {
			return nil, fmt.Errorf("genesis account %s is given twice (--bpf-program and --account addresses must differ)", w.Key)
		}
		seen[w.Key] = true
	}
	return out, nil
}

// genesisAccount reads one --account ADDRESS FILE pair.
func genesisAccount(addr, file string) (svm.AccountWrite, error) {
	var key sol.Pubkey
	if addr != "-" {
		k, err := sol.PubkeyFromString(addr)
		if err != nil {
			return svm.AccountWrite{}, fmt.Errorf("--account %s: %w", addr, err)
		}
		key = k
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return svm.AccountWrite{}, fmt.Errorf("--account %s: %w", addr, err)
	}
	w, err := devbank.ParseAccountFile(b, key)
	if err != nil {
		return svm.AccountWrite{}, fmt.Errorf("--account %s %s: %w", addr, file, err)
	}
	return w, nil
}

// pubkeyOrKeypair reads a base58 address or, failing that, a keypair file's
// public key.
func pubkeyOrKeypair(flag, s string) (sol.Pubkey, error) {
	if id, err := sol.PubkeyFromString(s); err == nil {
		return id, nil
	}
	key, err := client.ReadKeypair(s)
	if err != nil {
		return sol.Pubkey{}, fmt.Errorf("--%s %s: neither a base58 address nor a keypair file", flag, s)
	}
	return client.PubkeyOf(key), nil
}
