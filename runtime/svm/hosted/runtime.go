package hosted

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/atoll-dev/atoll/bridge/programs"
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/crosslayer"
	"github.com/atoll-dev/atoll/runtime/svm/loader"
	"github.com/atoll-dev/atoll/runtime/svm/sigverify"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Name and version the runtime reports in Info.
const (
	Name = "atoll-svm"
)

// Version of the runtime (its state transition function).
var Version = rhp.Version{Major: 1, Minor: 0, Patch: 0}

// Config is the network-specific configuration the host sends in
// InfoRequest.LocalConfig (canonical CBOR); every node of a network sends the
// same, since it shapes execution.
type Config struct {
	// SlotsPerEpoch and Warmup define the network's epoch schedule
	// (EpochSchedule): 0 slots means svm.DefaultEpochSchedule's length.
	// Warmup is omitted when false, so a configuration written before it
	// existed encodes and decodes unchanged (no warmup).
	SlotsPerEpoch uint64     `cbor:"slots_per_epoch"`
	BridgeDomain  uint32     `cbor:"bridge_domain"`
	BridgeAdmin   sol.Pubkey `cbor:"bridge_admin"`
	Warmup        bool       `cbor:"warmup,omitempty"`
}

// errSlotsPerEpoch refuses a schedule shorter than Solana allows.
var errSlotsPerEpoch = fmt.Errorf("hosted: slots_per_epoch must be 0 (the default) or at least %d", svm.MinimumSlotsPerEpoch)

// Validate reports a configuration no network may run.
func (c *Config) Validate() error {
	if c.SlotsPerEpoch != 0 && c.SlotsPerEpoch < svm.MinimumSlotsPerEpoch {
		return errSlotsPerEpoch
	}
	return nil
}

// EpochSchedule is the network's epoch schedule, as Solana's
// EpochSchedule::custom(SlotsPerEpoch, SlotsPerEpoch, Warmup) builds it. It
// alone maps slots to epochs: the Clock sysvar's epoch, feature activation
// and the EpochSchedule sysvar all follow it.
func (c *Config) EpochSchedule() svm.EpochSchedule {
	spe := cmp.Or(c.SlotsPerEpoch, svm.DefaultEpochSchedule.SlotsPerEpoch)
	return svm.NewEpochSchedule(spe, spe, c.Warmup)
}

// Runtime executes batches for a host. Safe for concurrent use: the host may
// check transactions while a batch executes.
type Runtime struct {
	loader *loader.Runtime
	fetch  Fetcher
	sigs   verifiedSigs

	mu  sync.RWMutex
	cfg Config
}

// New builds a runtime whose out-of-prefetch reads go through fetch
// (guest.Host.StorageGet inside the sandbox).
func New(fetch Fetcher) (*Runtime, error) {
	l, err := loader.New()
	if err != nil {
		return nil, err
	}
	return &Runtime{loader: l, fetch: fetch}, nil
}

// config is the network configuration in force.
func (r *Runtime) config() Config {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.cfg
}

func (r *Runtime) options(cfg Config) []svm.Option {
	opts := append(r.loader.Options(), svm.WithEpochSchedule(cfg.EpochSchedule()))
	opts = append(opts, crosslayer.Option())
	return append(opts, programs.Options(programs.Config{LocalDomain: cfg.BridgeDomain, Admin: cfg.BridgeAdmin})...)
}

// GenesisAccounts are the accounts a new network's runtime state starts
// with under cfg: sysvars and the native programs' executable accounts.
func GenesisAccounts(cfg Config) ([]svm.AccountWrite, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r, err := New(nil)
	if err != nil {
		return nil, err
	}
	return svm.NewExecutor(svm.NewMapStore(), r.options(cfg)...).GenesisAccounts(), nil
}

// Info records the network configuration and describes the runtime.
func (r *Runtime) Info(_ context.Context, req *rhp.InfoRequest) (*rhp.InfoResponse, error) {
	if len(req.LocalConfig) > 0 {
		var cfg Config
		if err := rhp.Unmarshal(req.LocalConfig, &cfg); err != nil {
			return nil, rhp.Errorf(rhp.CodeMalformed, Name, "local config: %v", err)
		}
		if err := cfg.Validate(); err != nil {
			return nil, rhp.Errorf(rhp.CodeMalformed, Name, "local config: %v", err)
		}
		r.mu.Lock()
		r.cfg = cfg
		r.mu.Unlock()
	}
	return &rhp.InfoResponse{Name: Name, Version: Version, Features: []string{"svm", "sbpf-v0", "sbpf-v1", "sbpf-v2", "bridge"}}, nil
}

// blockContext turns the protocol's block context into the engine's. Slots
// are runtime rounds, so the i-th recent blockhash closed slot Slot-1-i. The
// epoch is the schedule's epoch of Slot, never the host's Epoch (which is
// informational): the runtime alone defines its state transition, so Clock,
// feature activation and the EpochSchedule sysvar agree on every node. The
// active features come from the state itself, which the proofs vouch for.
func blockContext(c *rhp.BlockContext, schedule svm.EpochSchedule, store svm.AccountsStore) (svm.BlockContext, error) {
	epoch, _ := schedule.EpochOf(c.Slot)
	blk := svm.BlockContext{Slot: c.Slot, Epoch: epoch, UnixTimestamp: c.UnixTimestamp}
	for i, h := range c.RecentBlockhashes {
		blk.RecentBlockhashes = append(blk.RecentBlockhashes, svm.BlockhashEntry{Slot: c.Slot - 1 - uint64(i), Hash: sol.Hash(h)})
	}
	fs, err := svm.LoadFeatureSet(store, c.Slot)
	if err != nil {
		return blk, err
	}
	blk.Features = fs
	return blk, nil
}

// ExecuteTxBatch executes the batch on the previous state as proven by the
// host and returns write logs, roots and results.
func (r *Runtime) ExecuteTxBatch(ctx context.Context, req *rhp.ExecuteTxBatch) (*rhp.ExecuteTxBatchResponse, error) {
	store, err := newProvenStore(ctx, req.PrevRoots.State, &req.Prefetch, r.fetch)
	if err != nil {
		return nil, rhp.Errorf(rhp.CodeMalformed, Name, "%v", err)
	}
	cfg := r.config()
	blk, err := blockContext(&req.Context, cfg.EpochSchedule(), store)
	if err != nil {
		return nil, err
	}
	for _, d := range req.Deposits {
		blk.Deposits = append(blk.Deposits, svm.Deposit{Recipient: sol.Pubkey(d.Recipient), Lamports: d.Amount})
	}
	opts := r.options(cfg)
	if r.sigs.allVerified(req.Txs) {
		// Every signature was verified by this process (mostly in its own
		// CheckTxBatch): the executor need not verify them again.
		opts = append(opts, svm.WithoutSignatureVerification())
	}
	res, err := svm.NewExecutor(store, opts...).ExecuteBatch(&blk, req.Txs)
	if err != nil {
		return nil, fmt.Errorf("hosted: executing round %d: %w", req.Round, err)
	}
	if err := store.Apply(res.Writes); err != nil {
		return nil, fmt.Errorf("hosted: applying round %d: %w", req.Round, err)
	}
	out := &rhp.ExecuteTxBatchResponse{StateRoot: rhp.Hash(store.Root()), Messages: [][]byte{}, Results: make([]rhp.TxResult, len(res.Results))}
	// Each result is encoded once, into one buffer, for the IO tree. The
	// host needs only the codes and units from the response (clients read
	// results from the IO tree), so rhp.TxResult.Data stays empty rather
	// than repeat the bytes the IO write log carries.
	size := 0
	for i := range res.Results {
		r := NewResult(&res.Results[i])
		size += r.cborSize()
	}
	buf := make([]byte, 0, size)
	results := make([][]byte, len(res.Results))
	for i := range res.Results {
		r := NewResult(&res.Results[i])
		start := len(buf)
		buf = r.appendCBOR(buf)
		results[i] = buf[start:len(buf):len(buf)]
		out.Results[i] = rhp.TxResult{Code: code(&res.Results[i]), Units: res.Results[i].UnitsConsumed}
		out.Messages = append(out.Messages, res.Results[i].Messages...)
	}
	for i := range res.Writes {
		w := &res.Writes[i]
		e := rhp.WriteLogEntry{Key: append([]byte(nil), w.Key[:]...), Delete: w.Deleted()}
		if !e.Delete {
			if e.Value, err = w.Account.MarshalBinary(); err != nil {
				return nil, err
			}
		}
		out.StateWriteLog = append(out.StateWriteLog, e)
	}
	ioRoot, ioLog, err := buildIO(req.Txs, results)
	if err != nil {
		return nil, err
	}
	out.IORoot, out.IOWriteLog = rhp.Hash(ioRoot), ioLog
	return out, nil
}

// CheckTxBatch admits transactions that decode, are signed, name a recent
// blockhash (or may be durable-nonce transactions) and whose fee payer can pay
// the base fee at the given state. Priority is the fee.
func (r *Runtime) CheckTxBatch(ctx context.Context, req *rhp.CheckTxBatch) (*rhp.CheckTxBatchResponse, error) {
	out := &rhp.CheckTxBatchResponse{Results: make([]rhp.CheckTxResult, len(req.Txs))}
	txs := make([]*sol.Transaction, len(req.Txs))
	var items []sigverify.Item
	var payers [][]byte
	for i, raw := range req.Txs {
		tx, err := sol.DecodeTransaction(raw)
		if err != nil {
			out.Results[i] = rhp.CheckTxResult{Code: CodeRefused, Message: err.Error()}
			continue
		}
		txs[i] = tx
		items = sigverify.TransactionItems(items, tx)
		payer := tx.FeePayer()
		payers = append(payers, payer[:])
	}
	verdicts := sigverify.VerifyBatch(items)
	r.sigs.add(items, verdicts)
	r.sigs.addTxs(verifiedTxs(req.Txs, txs, verdicts))
	store, err := newProvenStore(ctx, req.StateRoot, &rhp.Prefetch{}, r.fetch)
	if err != nil {
		return nil, rhp.Errorf(rhp.CodeMalformed, Name, "%v", err)
	}
	if len(payers) > 0 && r.fetch != nil {
		resp, err := r.fetch(ctx, req.StateRoot, dedupKeys(payers))
		if err != nil {
			return nil, err
		}
		if err := store.tree.AddProof(resp.Proof, 0); err != nil {
			return nil, rhp.Errorf(rhp.CodeMalformed, Name, "fee payer proof: %v", err)
		}
	}
	recent := map[sol.Hash]bool{}
	for _, h := range req.Context.RecentBlockhashes {
		recent[sol.Hash(h)] = true
	}
	next := 0
	for i, tx := range txs {
		if tx == nil {
			continue
		}
		n := len(tx.Signatures)
		ok := true
		for _, v := range verdicts[next : next+n] {
			ok = ok && v
		}
		next += n
		fee := svm.LamportsPerSignature * uint64(n)
		switch payer, exists, err := store.Account(tx.FeePayer()); {
		case !ok:
			out.Results[i] = rhp.CheckTxResult{Code: CodeRefused, Message: "signature verification failed"}
		case err != nil:
			return nil, err
		case !exists || payer.Lamports < fee:
			out.Results[i] = rhp.CheckTxResult{Code: CodeRefused, Message: fmt.Sprintf("fee payer %s cannot pay %d lamports", tx.FeePayer(), fee)}
		case len(recent) > 0 && !recent[tx.Message.RecentBlockhash] && !mayBeNonceTx(tx):
			out.Results[i] = rhp.CheckTxResult{Code: CodeRefused, Message: "blockhash not found"}
		default:
			out.Results[i] = rhp.CheckTxResult{Code: CodeOK, Priority: fee}
		}
	}
	return out, nil
}

// verifiedTxs returns txKey of each decoded transaction of txs all of whose
// signatures verified; verdicts are sigverify's, in transaction order.
func verifiedTxs(raws [][]byte, txs []*sol.Transaction, verdicts []bool) [][32]byte {
	var keys [][32]byte
	next := 0
	for i, tx := range txs {
		if tx == nil {
			continue
		}
		n := len(tx.Signatures)
		if !slices.Contains(verdicts[next:next+n], false) {
			keys = append(keys, txKey(raws[i]))
		}
		next += n
	}
	return keys
}

// mayBeNonceTx: a durable-nonce transaction starts with the system program's
// AdvanceNonceAccount; execution checks the rest.
func mayBeNonceTx(tx *sol.Transaction) bool {
	m := &tx.Message
	if len(m.Instructions) == 0 {
		return false
	}
	in := &m.Instructions[0]
	return m.AccountKeys[in.ProgramIDIndex] == svm.SystemProgramID && len(in.Data) >= 4 && in.Data[0] == 4
}

// Query answers "account" (args: 32-byte key) with the account's canonical
// encoding at the query's state root, empty if it does not exist.
func (r *Runtime) Query(ctx context.Context, req *rhp.Query) (*rhp.QueryResponse, error) {
	switch req.Method {
	case "account":
		if len(req.Args) != sol.PubkeySize {
			return nil, rhp.Errorf(rhp.CodeMalformed, Name, "account: key must be 32 bytes, got %d", len(req.Args))
		}
		store, err := newProvenStore(ctx, req.StateRoot, &rhp.Prefetch{}, r.fetch)
		if err != nil {
			return nil, rhp.Errorf(rhp.CodeMalformed, Name, "%v", err)
		}
		a, ok, err := store.Account(sol.Pubkey(req.Args))
		if err != nil || !ok {
			return &rhp.QueryResponse{}, err
		}
		b, err := a.MarshalBinary()
		return &rhp.QueryResponse{Data: b}, err
	}
	return nil, rhp.Errorf(rhp.CodeUnsupported, Name, "unknown query method %q", req.Method)
}

func dedupKeys(keys [][]byte) [][]byte {
	slices.SortFunc(keys, bytes.Compare)
	out := keys[:0]
	for i, k := range keys {
		if i == 0 || !bytes.Equal(k, keys[i-1]) {
			out = append(out, k)
		}
	}
	return out
}
