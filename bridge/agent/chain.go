package agent

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// ErrTxFailed is returned when a submitted transaction landed and failed.
var ErrTxFailed = errors.New("agent: transaction failed")

// maxTxSize is Solana's limit on a wire transaction.
const maxTxSize = 1232

// Chain is one chain as agents see it: a domain id and a JSON-RPC endpoint.
// It is safe for concurrent use.
type Chain struct {
	Name   string
	Domain uint32
	RPC    *client.Client
	// Commitment is the level at which the chain is read and the agents'
	// transactions are awaited: "finalized" (NewChain's default) or
	// "confirmed". An updater must never sign a root that a fork could
	// take back, nor a watcher prove fraud from one, so finalized is the
	// safe level; on an atoll network it costs nothing, since the
	// replicated RPC serves only finalized rounds at every level.
	Commitment string
	// Rebroadcast is how often Submit sends an unconfirmed transaction
	// again (default DefaultRebroadcast): a replicated network's pool may
	// drop a transaction, say in a round that fails, and nothing else
	// would resubmit it before its blockhash expires.
	Rebroadcast time.Duration
}

// DefaultRebroadcast is Chain.Rebroadcast's default.
const DefaultRebroadcast = 2 * time.Second

// NewChain returns the chain at url, read at finalized commitment.
func NewChain(name string, domain uint32, url string) *Chain {
	return &Chain{Name: name, Domain: domain, RPC: client.New(url), Commitment: client.Finalized}
}

// commitment is c.Commitment or finalized.
func (c *Chain) commitment() string {
	if c.Commitment == "" {
		return client.Finalized
	}
	return c.Commitment
}

// Tx is a successful transaction as getTransaction reports it.
type Tx struct {
	Signature sol.Signature
	Slot      uint64
	BlockTime int64
	Logs      []string
}

type sigInfo struct {
	Signature string          `json:"signature"`
	Slot      uint64          `json:"slot"`
	Err       json.RawMessage `json:"err"`
}

// Since returns the successful transactions that mention addr after the
// transaction cursor (all of them for the zero cursor), oldest first,
// and the cursor to pass next time, at the chain's commitment. A listed
// successful transaction that getTransaction does not return (an RPC
// pool whose nodes index at different speeds) is an error, so the caller
// retries the batch instead of moving its cursor past the transaction.
func (c *Chain) Since(ctx context.Context, addr sol.Pubkey, cursor sol.Signature) ([]Tx, sol.Signature, error) {
	const page = 1000
	var infos []sigInfo
	before := ""
	for {
		opts := map[string]any{"limit": page, "commitment": c.commitment()}
		if cursor != (sol.Signature{}) {
			opts["until"] = cursor.String()
		}
		if before != "" {
			opts["before"] = before
		}
		var got []sigInfo
		if err := c.RPC.Call(ctx, "getSignaturesForAddress", []any{addr.String(), opts}, &got); err != nil {
			return nil, cursor, fmt.Errorf("getSignaturesForAddress on %s: %w", c.Name, err)
		}
		infos = append(infos, got...)
		if len(got) < page {
			break
		}
		before = got[len(got)-1].Signature
	}
	if len(infos) == 0 {
		return nil, cursor, nil
	}
	next, err := sol.SignatureFromString(infos[0].Signature)
	if err != nil {
		return nil, cursor, fmt.Errorf("%s: bad signature %q: %w", c.Name, infos[0].Signature, err)
	}
	var out []Tx
	for i := len(infos) - 1; i >= 0; i-- {
		in := infos[i]
		if len(in.Err) > 0 && string(in.Err) != "null" {
			continue
		}
		sig, err := sol.SignatureFromString(in.Signature)
		if err != nil {
			return nil, cursor, fmt.Errorf("%s: bad signature %q: %w", c.Name, in.Signature, err)
		}
		tx, err := c.Transaction(ctx, sig)
		if err != nil {
			return nil, cursor, err
		}
		if tx == nil {
			return nil, cursor, fmt.Errorf("%w: %s lists transaction %s, which getTransaction does not return", ErrLagging, c.Name, sig)
		}
		out = append(out, *tx)
	}
	return out, next, nil
}

// ErrLagging is returned when an RPC node answers one query from state it
// does not yet serve to another; the caller retries on its next poll.
var ErrLagging = errors.New("agent: the RPC node is behind itself")

// Transaction returns the successful transaction sig, nil if it is unknown
// or failed, at the chain's commitment.
func (c *Chain) Transaction(ctx context.Context, sig sol.Signature) (*Tx, error) {
	var r *struct {
		Slot      uint64 `json:"slot"`
		BlockTime int64  `json:"blockTime"`
		Meta      struct {
			Err         json.RawMessage `json:"err"`
			LogMessages []string        `json:"logMessages"`
		} `json:"meta"`
	}
	opts := map[string]any{"commitment": c.commitment(), "maxSupportedTransactionVersion": 0}
	if err := c.RPC.Call(ctx, "getTransaction", []any{sig.String(), opts}, &r); err != nil {
		return nil, fmt.Errorf("getTransaction on %s: %w", c.Name, err)
	}
	if r == nil || (len(r.Meta.Err) > 0 && string(r.Meta.Err) != "null") {
		return nil, nil
	}
	return &Tx{Signature: sig, Slot: r.Slot, BlockTime: r.BlockTime, Logs: r.Meta.LogMessages}, nil
}

// Account returns the account at key (nil if none), at the chain's
// commitment.
func (c *Chain) Account(ctx context.Context, key sol.Pubkey) (*sol.Account, error) {
	a, err := c.RPC.GetAccountInfo(ctx, key, c.commitment())
	if err != nil {
		return nil, fmt.Errorf("getAccountInfo %s on %s: %w", key, c.Name, err)
	}
	return a, nil
}

// Slot is the chain's newest slot (an atoll network's runtime round) at
// the chain's commitment.
func (c *Chain) Slot(ctx context.Context) (uint64, error) {
	var slot uint64
	if err := c.RPC.Call(ctx, "getSlot", []any{map[string]any{"commitment": c.commitment()}}, &slot); err != nil {
		return 0, fmt.Errorf("getSlot on %s: %w", c.Name, err)
	}
	return slot, nil
}

// Now is the chain's consensus time: the block time of its newest slot at
// the chain's commitment, in unix seconds, which is what the Clock sysvar
// shows programs (the next transaction executes at this time or later).
func (c *Chain) Now(ctx context.Context) (uint64, error) {
	slot, err := c.Slot(ctx)
	if err != nil {
		return 0, err
	}
	var t *int64
	if err := c.RPC.Call(ctx, "getBlockTime", []any{slot}, &t); err != nil {
		return 0, fmt.Errorf("getBlockTime on %s: %w", c.Name, err)
	}
	if t == nil || *t < 0 {
		return 0, fmt.Errorf("getBlockTime on %s: no time for slot %d", c.Name, slot)
	}
	return uint64(*t), nil
}

// Build signs instrs into a wire transaction paid by payer, with the
// chain's newest blockhash, and returns it with the last block height at
// which it may land.
func (c *Chain) Build(ctx context.Context, payer ed25519.PrivateKey, others []ed25519.PrivateKey, instrs ...sol.Instruction) ([]byte, sol.Signature, uint64, error) {
	bh, err := c.RPC.GetLatestBlockhash(ctx, c.commitment())
	if err != nil {
		return nil, sol.Signature{}, 0, fmt.Errorf("getLatestBlockhash on %s: %w", c.Name, err)
	}
	raw, sig, err := client.SignTransaction(bh.Blockhash, payer, others, instrs...)
	if err != nil {
		return nil, sol.Signature{}, 0, err
	}
	return raw, sig, bh.LastValidBlockHeight, nil
}

// Submit sends a built transaction (with preflight) and waits until it
// reaches the chain's commitment, sending it again every Rebroadcast until
// then (the signature makes a repeat harmless); a transaction that landed
// and failed is ErrTxFailed.
func (c *Chain) Submit(ctx context.Context, raw []byte, sig sol.Signature, lastValid uint64) error {
	if _, err := c.RPC.SendTransaction(ctx, raw, false, c.commitment()); err != nil {
		return fmt.Errorf("sendTransaction on %s: %w", c.Name, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	every := c.Rebroadcast
	if every <= 0 {
		every = DefaultRebroadcast
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				// Without preflight: the first send passed it, and state
				// may since have moved in ways only execution judges.
				_, _ = c.RPC.SendTransaction(ctx, raw, true, c.commitment())
			}
		}
	}()
	st, err := c.RPC.ConfirmTransaction(ctx, sig, c.commitment(), lastValid)
	if err != nil {
		return fmt.Errorf("confirming %s on %s: %w", sig, c.Name, err)
	}
	if st.Failed() {
		return fmt.Errorf("%w: %s on %s: %s", ErrTxFailed, sig, c.Name, st.Err)
	}
	return nil
}

// Send builds, submits and confirms one transaction.
func (c *Chain) Send(ctx context.Context, payer ed25519.PrivateKey, others []ed25519.PrivateKey, instrs ...sol.Instruction) (sol.Signature, error) {
	raw, sig, lv, err := c.Build(ctx, payer, others, instrs...)
	if err != nil {
		return sig, err
	}
	return sig, c.Submit(ctx, raw, sig, lv)
}

// PubkeyOf is the address of an ed25519 key.
func PubkeyOf(k ed25519.PrivateKey) (p sol.Pubkey) {
	copy(p[:], k.Public().(ed25519.PublicKey))
	return p
}
