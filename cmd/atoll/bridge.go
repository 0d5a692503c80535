package main

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/bridge/agent"
	"github.com/atoll-dev/atoll/bridge/agent/localnet"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/home"
	"github.com/atoll-dev/atoll/bridge/programs/token"
	"github.com/atoll-dev/atoll/bridge/programs/tokenbridge"
	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

func init() { subcommands = append(subcommands, newBridgeCommand) }

func newBridgeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bridge",
		Short: "Send messages and tokens over the bridge, follow them, or run a two-network demo",
	}
	token := &cobra.Command{Use: "token", Short: "Token bridge: lock lamports here, mint wrapped balances there, burn to return"}
	token.AddCommand(newBridgeTokenSendCommand())
	cmd.AddCommand(newBridgeDemoCommand(), newBridgeLocalnetCommand(), newBridgeSendCommand(), newBridgeStatusCommand(), token)
	return cmd
}

// bridgeChain is the chain behind a client URL, its domain read from its Home.
func bridgeChain(ctx context.Context, f *clientFlags, name string) (*agent.Chain, error) {
	c, err := f.client()
	if err != nil {
		return nil, err
	}
	ch := agent.NewChain(name, 0, c.URL())
	st, err := agent.HomeState(ctx, ch)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.URL(), err)
	}
	ch.Domain = st.Home.LocalDomain()
	return ch, nil
}

// dispatchFromOrigin signs with cf's key on the origin chain, sends the
// instruction build makes for that chain and sender, and prints the message
// it dispatched: the frame of `bridge send` and `bridge token send`.
func dispatchFromOrigin(cmd *cobra.Command, cf *clientFlags, build func(ch *agent.Chain, sender sol.Pubkey) (sol.Instruction, error)) error {
	ctx := cmd.Context()
	key, err := cf.signer()
	if err != nil {
		return err
	}
	ch, err := bridgeChain(ctx, cf, "origin")
	if err != nil {
		return err
	}
	ix, err := build(ch, client.PubkeyOf(key))
	if err != nil {
		return err
	}
	d, tx, err := sendDispatching(ctx, ch, key, ix)
	if err != nil {
		return err
	}
	printDispatched(cmd.OutOrStdout(), d, tx.Signature)
	return nil
}

// sendDispatching submits ix and returns the message it dispatched and the
// transaction's signature and slot.
func sendDispatching(ctx context.Context, ch *agent.Chain, signer ed25519.PrivateKey, ix sol.Instruction) (agent.Dispatched, *agent.Tx, error) {
	sig, err := ch.Send(ctx, signer, nil, ix)
	if err != nil {
		return agent.Dispatched{}, nil, err
	}
	tx, err := ch.Transaction(ctx, sig)
	if err != nil {
		return agent.Dispatched{}, nil, err
	}
	if tx == nil {
		return agent.Dispatched{}, nil, fmt.Errorf("transaction %s is not visible", sig)
	}
	ds := agent.DispatchedIn(tx)
	if len(ds) != 1 {
		return agent.Dispatched{}, nil, fmt.Errorf("transaction %s dispatched %d messages", sig, len(ds))
	}
	return ds[0], tx, nil
}

func printDispatched(w io.Writer, d agent.Dispatched, sig sol.Signature) {
	m, _ := message.Decode(d.Raw)
	fmt.Fprintf(w, "Message hash: %s\nOrigin: %d  Destination: %d  Nonce: %d  Leaf index: %d\nSignature: %s\n",
		message.Leaf(d.Raw), m.Origin, m.Destination, m.Nonce, d.Index, sig)
}

func newBridgeSendCommand() *cobra.Command {
	var (
		cf          clientFlags
		destination uint32
		recipient   string
		body        string
	)
	cmd := &cobra.Command{
		Use:   "send",
		Short: "Dispatch a message through this chain's Home",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := agent.ParseRecipient(recipient)
			if err != nil {
				return fmt.Errorf("--recipient %q: want a base58 program id or 0x-hex bytes32", recipient)
			}
			return dispatchFromOrigin(cmd, &cf, func(_ *agent.Chain, sender sol.Pubkey) (sol.Instruction, error) {
				return home.Dispatch(sender, destination, r, []byte(body))
			})
		},
	}
	cf.register(cmd)
	f := cmd.Flags()
	f.Uint32Var(&destination, "destination", 0, "destination domain")
	f.StringVar(&recipient, "recipient", "", "recipient program on the destination (base58 or 0x-hex bytes32)")
	f.StringVar(&body, "body", "", "message body (at most 2048 bytes)")
	_ = cmd.MarkFlagRequired("destination")
	_ = cmd.MarkFlagRequired("recipient")
	return cmd
}

func newBridgeTokenSendCommand() *cobra.Command {
	var (
		cf          clientFlags
		destination uint32
		to, amount  string
		assetOrigin uint32
	)
	cmd := &cobra.Command{
		Use:   "send",
		Short: "Send lamports (or wrapped lamports back to their origin) to an account on another domain",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			lamports, err := parseSOL(amount)
			if err != nil {
				return err
			}
			dest, err := resolveAddress(to)
			if err != nil {
				return fmt.Errorf("--to: %w", err)
			}
			return dispatchFromOrigin(cmd, &cf, func(ch *agent.Chain, sender sol.Pubkey) (sol.Instruction, error) {
				origin := assetOrigin
				if origin == 0 {
					origin = ch.Domain
				}
				return tokenbridge.SendInstruction(ch.Domain, sender, destination, dest, lamports, origin), nil
			})
		},
	}
	cf.register(cmd)
	f := cmd.Flags()
	f.Uint32Var(&destination, "destination", 0, "destination domain")
	f.StringVar(&to, "to", "", "receiving account on the destination (base58 or keypair file)")
	f.StringVar(&amount, "amount", "", "amount in SOL")
	f.Uint32Var(&assetOrigin, "asset-origin", 0, "domain whose lamports are sent (default: this chain's; another domain burns wrapped balance)")
	for _, n := range []string{"destination", "to", "amount"} {
		_ = cmd.MarkFlagRequired(n)
	}
	return cmd
}

func newBridgeStatusCommand() *cobra.Command {
	var (
		cf     clientFlags
		dstURL string
	)
	cmd := &cobra.Command{
		Use:   "status MESSAGE_HASH",
		Short: "Show how far a message has travelled: dispatched, signed, relayed, confirmable, processed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			leaf, err := keccak.ParseHash(args[0])
			if err != nil {
				return fmt.Errorf("MESSAGE_HASH %q: want 0x-hex of 32 bytes", args[0])
			}
			src, err := bridgeChain(ctx, &cf, "origin")
			if err != nil {
				return err
			}
			dcf := clientFlags{url: dstURL, commitment: cf.commitment}
			dst, err := bridgeChain(ctx, &dcf, "destination")
			if err != nil {
				return err
			}
			hist, err := agent.ReadHistory(ctx, src)
			if err != nil {
				return err
			}
			d, ok := hist.Find(leaf)
			if !ok {
				return fmt.Errorf("no message %s was dispatched on %s", leaf, src.RPC.URL())
			}
			p, err := agent.Track(ctx, src, dst, hist, d)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "Message %s: %s\n", leaf, p.Stage)
			if p.Stage == agent.StageRelayed {
				fmt.Fprintf(w, "Confirmable in %ds (confirmAt %d, destination clock %d)\n", p.ConfirmAt-p.Now, p.ConfirmAt, p.Now)
			}
			return nil
		},
	}
	cf.register(cmd)
	cmd.Flags().StringVar(&dstURL, "destination-url", "", "JSON-RPC URL of the destination chain")
	_ = cmd.MarkFlagRequired("destination-url")
	return cmd
}

func newBridgeDemoCommand() *cobra.Command {
	var (
		optimistic    uint64
		interval      time.Duration
		dir           string
		verbose, keep bool
		onSlot        bool
		nets          bridgeNetFlags
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Start two atoll networks (domains 1000 and 2000) and every agent, send a message and a token transfer, and follow them",
		Long: `Start two atoll networks and every bridge agent, and follow a message and
a token transfer from alpha (domain 1000) to beta (domain 2000).

Each network is a real atoll devnet, run as a child process: its own
CometBFT chain, consensus application, compute committee and sandboxed SVM
runtime, with the bridge domain and admin in its runtime configuration. The
bridge is then set up on each by transactions the admin signs, and the
agents (3 updaters per Home with a quorum of 2, a relayer and a processor
per Home, a watcher) talk to both only through their JSON-RPC. The demo's
recipient program is built with clang.

--devbank runs two single-process chains instead, which is faster but has
no consensus.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if dir == "" {
				d, err := os.MkdirTemp("", "atoll-bridge-demo-")
				if err != nil {
					return err
				}
				dir = d
				if !keep {
					defer os.RemoveAll(d)
				}
			}
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			if verbose {
				log = slog.New(slog.NewTextHandler(os.Stderr, nil))
			}
			devnets, err := nets.devnets(dir)
			if err != nil {
				return err
			}
			_, err = runDemo(ctx, cmd.OutOrStdout(), demoConfig{dir: dir, optimistic: optimistic, interval: interval, slot: nets.slotTime,
				log: log, onSlot: onSlot, devnets: devnets})
			return err
		},
	}
	f := cmd.Flags()
	f.Uint64Var(&optimistic, "optimistic", 5, "optimistic period of the Replicas, in seconds")
	f.DurationVar(&interval, "interval", time.Second, "poll interval of every agent (Nomad's defaults are 5-10s)")
	f.BoolVar(&onSlot, "poll-on-slot", true, "agents also poll on every new slot (runtime round) of their chains, notified over the websocket")
	nets.register(cmd, "127.0.0.1:17899", "127.0.0.1:17999")
	f.StringVar(&dir, "dir", "", "directory for the networks, agent configs, keys and databases (default: a temporary one)")
	f.BoolVar(&keep, "keep", false, "keep the temporary directory")
	f.BoolVarP(&verbose, "verbose", "v", false, "print the agents' logs to stderr")
	return cmd
}

func newBridgeLocalnetCommand() *cobra.Command {
	var (
		dir                     string
		optimistic              uint64
		agents, verbose, onSlot bool
		fund                    []string
		nets                    bridgeNetFlags
	)
	cmd := &cobra.Command{
		Use:   "localnet",
		Short: "Serve two bridged atoll networks (domains 1000 and 2000) and write every agent's config; run the agents here or as processes",
		Long: `Serve two bridged networks and write every agent's configuration.

As with bridge demo, the networks are two atoll devnets run as child
processes (--devbank: two single-process chains), and the bridge is set up
on each by transactions its admin signs. With --agents=false only the
agents' configuration files are written, for running each agent as its own
process (atoll agent ROLE --config FILE).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			var funded []sol.Pubkey
			for _, f := range fund {
				k, err := resolveAddress(f)
				if err != nil {
					return fmt.Errorf("--fund: %w", err)
				}
				funded = append(funded, k)
			}
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			if verbose {
				log = slog.New(slog.NewTextHandler(os.Stderr, nil))
			}
			devnets, err := nets.devnets(dir)
			if err != nil {
				return err
			}
			br, err := localnet.StartBridge(ctx, localnet.BridgeConfig{Dir: dir, OptimisticSeconds: optimistic, SlotDuration: nets.slotTime,
				Funded: funded, FundLamports: 1_000 * 1_000_000_000, Log: log, AddrA: nets.rpcA, AddrB: nets.rpcB, NoAgents: !agents,
				PollOnSlot: onSlot, DevnetA: devnets[0], DevnetB: devnets[1]})
			if err != nil {
				return err
			}
			defer br.Close()
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "alpha (domain %d) JSON RPC URL: %s\nbeta  (domain %d) JSON RPC URL: %s\noptimistic period %ds\n",
				localnet.DomainA, br.A.URL, localnet.DomainB, br.B.URL, optimistic)
			names := make([]string, 0, len(br.Configs))
			for n := range br.Configs {
				names = append(names, n)
			}
			sort.Strings(names)
			if agents {
				fmt.Fprintf(w, "agents running here; their configs are in %s\n", dir)
			} else {
				fmt.Fprintln(w, "run the agents:")
				for _, n := range names {
					role, _, _ := strings.Cut(n, "-")
					fmt.Fprintf(w, "  atoll agent %s --config %s\n", role, br.Configs[n])
				}
			}
			<-ctx.Done()
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "dir", ".atoll/bridge", "directory for the networks and the agents' configs, keys and databases")
	nets.register(cmd, "127.0.0.1:8899", "127.0.0.1:8999")
	f.Uint64Var(&optimistic, "optimistic", 30, "optimistic period of the Replicas, in seconds")
	f.BoolVar(&agents, "agents", true, "run every agent in this process (false: only write their configs)")
	f.BoolVar(&onSlot, "poll-on-slot", true, "agents also poll on every new slot of their chains")
	f.StringSliceVar(&fund, "fund", nil, "addresses or keypair files to fund with 1000 SOL on both networks")
	f.BoolVarP(&verbose, "verbose", "v", false, "print the agents' logs to stderr")
	return cmd
}

type demoConfig struct {
	dir            string
	optimistic     uint64
	interval, slot time.Duration
	log            *slog.Logger
	// devnets, if set, are alpha's and beta's atoll networks; otherwise
	// both are devbanks.
	devnets [2]*localnet.Devnet
	onSlot  bool
}

// demoResult is what a demo run measured.
type demoResult struct {
	Latency map[string]time.Duration // dispatch to processed, per message
	// Rounds is each message's latency beyond the optimistic period, in
	// beta's runtime rounds (slots).
	Rounds map[string]float64
}

func runDemo(ctx context.Context, w io.Writer, cfg demoConfig) (*demoResult, error) {
	user, recipient := demoKey("user"), demoKey("recipient")
	kind := "two devbank chains"
	if d := cfg.devnets[0]; d != nil {
		compute := d.Compute
		if compute == 0 {
			compute = 3 // localnet.Devnet's default, as atoll devnet's
		}
		kind = fmt.Sprintf("two atoll networks (each a CometBFT validator, %d compute nodes, the sandboxed SVM runtime)", compute)
	}
	fmt.Fprintf(w, "Starting alpha (domain %d) and beta (domain %d) as %s;\nsetting the bridge up by admin transactions; starting 3 updaters per Home (quorum 2), relayers, processors, a watcher\n",
		localnet.DomainA, localnet.DomainB, kind)
	startAt := time.Now()
	br, err := localnet.StartBridge(ctx, localnet.BridgeConfig{Dir: cfg.dir, OptimisticSeconds: cfg.optimistic,
		SlotDuration: cfg.slot, Interval: cfg.interval, Funded: []sol.Pubkey{client.PubkeyOf(user)},
		FundLamports: 100 * 1_000_000_000, Log: cfg.log, DevnetA: cfg.devnets[0], DevnetB: cfg.devnets[1], PollOnSlot: cfg.onSlot})
	if err != nil {
		return nil, err
	}
	defer br.Close()
	polls := "every " + cfg.interval.String()
	if cfg.onSlot {
		polls += " and on every new slot"
	}
	fmt.Fprintf(w, "ready in %.1fs\nalpha RPC %s\nbeta  RPC %s\nnetworks and agent configs in %s\noptimistic period %ds, agents poll %s\n\n",
		time.Since(startAt).Seconds(), br.A.URL, br.B.URL, cfg.dir, cfg.optimistic, polls)
	userKey := client.PubkeyOf(user)
	recipientKey := client.PubkeyOf(recipient)
	escrowBefore, err := br.A.Lamports(ctx, address.Escrow())
	if err != nil {
		return nil, err
	}
	start := time.Now()
	stamp := func() string { return fmt.Sprintf("[%7.3fs]", time.Since(start).Seconds()) }
	slotA0, err := br.A.Chain.Slot(ctx)
	if err != nil {
		return nil, err
	}
	slotB0, err := br.B.Chain.Slot(ctx)
	if err != nil {
		return nil, err
	}

	type tracked struct {
		name  string
		d     agent.Dispatched
		at    time.Time
		stage agent.Stage
		left  int64
		// round is the slot (runtime round) of the chain that holds each
		// stage when the demo saw it: alpha up to signed, beta after.
		round [agent.StageProcessed + 1]uint64
		// seen is when the demo saw each stage.
		seen [agent.StageProcessed + 1]time.Time
	}
	var msgs []*tracked
	ix, err := home.Dispatch(userKey, localnet.DomainB, keccak.Hash(localnet.Inbox), []byte("hello from alpha"))
	if err != nil {
		return nil, err
	}
	const amount = 2_500_000_000
	for _, s := range []struct {
		name string
		ix   sol.Instruction
	}{
		{"message ", ix},
		{"transfer", tokenbridge.SendInstruction(localnet.DomainA, userKey, localnet.DomainB, recipientKey, amount, localnet.DomainA)},
	} {
		d, tx, err := sendDispatching(ctx, br.A.Chain, user, s.ix)
		if err != nil {
			return nil, fmt.Errorf("sending the %s: %w", s.name, err)
		}
		slot := tx.Slot
		t := &tracked{name: s.name, d: d, at: time.Now(), stage: agent.StageDispatched, left: -1}
		t.round[agent.StageDispatched], t.seen[agent.StageDispatched] = slot, t.at
		msgs = append(msgs, t)
		fmt.Fprintf(w, "%s %s dispatched   alpha round %d, leaf %s (index %d)\n", stamp(), s.name, slot, message.Leaf(d.Raw), d.Index)
	}
	res := &demoResult{Latency: map[string]time.Duration{}, Rounds: map[string]float64{}}
	// A healthy bridge delivers within the optimistic period and a few
	// rounds; far past that something is wrong, and the demo says so.
	deadline := time.Now().Add(time.Duration(cfg.optimistic)*time.Second + 20*cfg.interval + time.Minute)
	var slotA, slotB uint64
	for done := 0; done < len(msgs); {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("messages not processed by %s: message %s, transfer %s (rerun with -v for the agents' logs)",
				deadline.Format(time.TimeOnly), msgs[0].stage, msgs[1].stage)
		}
		if slotA, err = br.A.Chain.Slot(ctx); err != nil {
			return nil, err
		}
		if slotB, err = br.B.Chain.Slot(ctx); err != nil {
			return nil, err
		}
		hist, err := agent.ReadHistory(ctx, br.A.Chain)
		if err != nil {
			return nil, err
		}
		done = 0
		for _, t := range msgs {
			p, err := agent.Track(ctx, br.A.Chain, br.B.Chain, hist, &t.d)
			if err != nil {
				return nil, err
			}
			for s := t.stage + 1; s <= p.Stage; s++ {
				// A poll may skip stages; print each one it passed.
				t.round[s], t.seen[s] = slotB, time.Now()
				if s <= agent.StageSigned {
					t.round[s] = slotA
				}
				switch s {
				case agent.StageSigned:
					fmt.Fprintf(w, "%s %s signed       alpha round %d: a quorum update covering it accepted by alpha's Home\n", stamp(), t.name, slotA)
				case agent.StageRelayed:
					fmt.Fprintf(w, "%s %s relayed      beta round %d: confirmAt %d (beta clock %d)\n", stamp(), t.name, slotB, p.ConfirmAt, p.Now)
				case agent.StageConfirmable:
					fmt.Fprintf(w, "%s %s confirmable  beta round %d\n", stamp(), t.name, slotB)
				case agent.StageProcessed:
					lat := time.Since(t.at)
					res.Latency[t.name] = lat
					fmt.Fprintf(w, "%s %s processed    beta round %d, end to end %.3fs\n", stamp(), t.name, slotB, lat.Seconds())
				}
			}
			if p.Stage > t.stage {
				t.stage = p.Stage
			}
			if p.Stage == agent.StageRelayed {
				if left := int64(p.ConfirmAt) - int64(p.Now); left != t.left && left > 0 {
					t.left = left
					fmt.Fprintf(w, "%s %s confirmable in %ds\n", stamp(), t.name, left)
				}
			}
			if t.stage == agent.StageProcessed {
				done++
			}
		}
	}
	elapsed := time.Since(start)
	roundA, roundB := elapsed/time.Duration(max(slotA-slotA0, 1)), elapsed/time.Duration(max(slotB-slotB0, 1))
	userA, err := br.A.Lamports(ctx, userKey)
	if err != nil {
		return nil, err
	}
	escrow, err := br.A.Lamports(ctx, address.Escrow())
	if err != nil {
		return nil, err
	}
	var wrapped uint64
	if a, err := br.B.Chain.Account(ctx, address.Balance(localnet.DomainA, recipientKey)); err != nil {
		return nil, err
	} else if a != nil {
		b, err := token.DecodeBalance(a.Data)
		if err != nil {
			return nil, err
		}
		wrapped = b.Amount
	}
	rent, err := br.A.Chain.RPC.GetMinimumBalanceForRentExemption(ctx, 0)
	if err != nil {
		return nil, err
	}
	locked := escrow - escrowBefore
	if escrowBefore == 0 && escrow >= rent {
		locked = escrow - rent // the first lock also paid the escrow account's rent
	}
	// What the recipient program on beta logged when the message reached it.
	inboxTxs, _, err := br.B.Chain.Since(ctx, localnet.Inbox, sol.Signature{})
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(w, "\nDelivered to the inbox program on beta")
	for _, tx := range inboxTxs {
		for _, l := range tx.Logs {
			if i := strings.Index(l, "inbox: "); i >= 0 {
				fmt.Fprintf(w, "  slot %d: %s\n", tx.Slot, l[i:])
			}
		}
	}
	fmt.Fprintf(w, "\nBalances\n  alpha  sender %s  %s\n  alpha  token bridge escrow  %s locked\n  beta   recipient %s  %s wrapped alpha lamports\n",
		userKey, formatSOL(userA), formatSOL(locked), recipientKey, formatSOL(wrapped))
	fmt.Fprintf(w, "\nRuntime rounds during the demo: alpha %.3fs, beta %.3fs on average\n", roundA.Seconds(), roundB.Seconds())
	target := time.Duration(cfg.optimistic)*time.Second + 3*roundB
	fmt.Fprintf(w, "End-to-end latency (target: the optimistic period plus at most 3 rounds: %ds + 3 x %.3fs = %.3fs)\n",
		cfg.optimistic, roundB.Seconds(), target.Seconds())
	for _, t := range msgs {
		lat := res.Latency[t.name]
		beyond := lat - time.Duration(cfg.optimistic)*time.Second
		rounds := beyond.Seconds() / roundB.Seconds()
		res.Rounds[t.name] = rounds
		verdict := "within target"
		if lat > target {
			verdict = "OVER target"
		}
		fmt.Fprintf(w, "  %s %.3fs = %ds optimistic %+.3fs (%+.1f beta rounds), %s\n", t.name, lat.Seconds(), cfg.optimistic,
			beyond.Seconds(), rounds, verdict)
		since := func(a, b agent.Stage) float64 { return t.seen[b].Sub(t.seen[a]).Seconds() }
		fmt.Fprintf(w, "           signed +%.3fs (%d alpha rounds), relayed +%.3fs, processed +%.3fs (%d beta rounds; %d after confirmable)\n",
			since(agent.StageDispatched, agent.StageSigned), t.round[agent.StageSigned]-t.round[agent.StageDispatched],
			since(agent.StageSigned, agent.StageRelayed), since(agent.StageRelayed, agent.StageProcessed),
			t.round[agent.StageProcessed]-t.round[agent.StageRelayed], t.round[agent.StageProcessed]-t.round[agent.StageConfirmable])
	}
	fmt.Fprintf(w, "The Replica counts the optimistic period in whole seconds of beta's consensus clock from the round that relayed\n"+
		"the root (confirmAt = that round's unix second + %d), so it ends up to a second before %ds of wall time have passed.\n", cfg.optimistic, cfg.optimistic)
	return res, nil
}

// demoKey is a fixed key per name, so demo runs print the same accounts.
func demoKey(name string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte("atoll bridge demo " + name))
	return ed25519.NewKeyFromSeed(s[:])
}
