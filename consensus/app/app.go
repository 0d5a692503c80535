package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/atoll-dev/atoll/consensus/beacon"
	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/epochtime"
	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/governance"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/scheduler"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/consensus/state"
	"github.com/atoll-dev/atoll/consensus/tx"
)

// Version is reported to CometBFT in Info.
const Version = "atoll-consensus/1"

// AppVersion is the consensus protocol version of the application.
const AppVersion uint64 = 1

// Sentinel errors.
var (
	ErrWrongGenesis = errors.New("app: genesis does not match this data directory")
	ErrValidators   = errors.New("app: CometBFT validators do not match the genesis registry")
)

var keyMeta = []byte("app/meta")

type meta struct {
	ChainID      string `cbor:"chain_id"`
	ChainContext []byte `cbor:"chain_context"`
	MaxTxSize    int    `cbor:"max_tx_size"`
}

// EpochSummary describes a committed epoch transition.
type EpochSummary struct {
	Height     int64
	Epoch      uint64
	Committees []*scheduler.Committee
	Suspended  map[registry.RuntimeID]string
	Insecure   bool // beacon fell back to the predictable chain
}

// Options configure an App.
type Options struct {
	Logger *slog.Logger
	// Extra services run after the built-in ones, in this order.
	Extra []service.Service
	// Metrics, if non-nil, receives per-service gauges and counters.
	Metrics *Metrics
	// OnEpoch, if set, is called after the commit of every block that
	// changed the epoch (and after genesis). It must not call back into App.
	OnEpoch func(EpochSummary)
}

// App is the consensus application. CometBFT's local client serialises
// calls; the mutex protects Query and Status callers outside CometBFT.
type App struct {
	abci.BaseApplication

	mu       sync.Mutex
	store    *state.Store
	log      *slog.Logger
	services []service.Service
	byName   map[string]service.Service
	meta     meta
	opts     Options

	block      *state.Block // between FinalizeBlock and Commit
	blockEpoch bool         // block changed the epoch
	// blockTime is the consensus time of the block being finalized, or of
	// the last one for CheckTx (zero before the first block of a process).
	blockTime int64
	check     *state.Overlay
}

// New returns an App over store.
func New(store *state.Store, opts Options) *App {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	gov := &governance.Service{Targets: map[string]governance.Changer{}}
	services := []service.Service{
		epochtime.Service{}, beacon.Service{}, gov, registry.Service{}, staking.Service{}, scheduler.Service{}, consensusService{},
	}
	services = append(services, opts.Extra...)
	a := &App{store: store, log: opts.Logger, services: services, byName: map[string]service.Service{}, opts: opts}
	for _, s := range services {
		a.byName[s.Name()] = s
		gov.Targets[s.Name()] = s
	}
	if raw := store.Committed().Get(keyMeta); raw != nil {
		if err := codec.Unmarshal(raw, &a.meta); err != nil {
			panic(&state.FatalError{Err: fmt.Errorf("app: metadata: %w", err)})
		}
	}
	if l, ok := getLimits(store.Committed()); ok {
		a.meta.MaxTxSize = l.MaxTxSize
	}
	a.check = state.NewOverlay(store.Committed())
	return a
}

// Info implements abci.Application.
func (a *App) Info(context.Context, *abci.RequestInfo) (*abci.ResponseInfo, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return &abci.ResponseInfo{
		Data: Version, Version: Version, AppVersion: AppVersion,
		LastBlockHeight: a.lastHeight(), LastBlockAppHash: a.store.AppHash(),
	}, nil
}

// lastHeight is the last committed block height; the genesis version
// counts as no block, so CometBFT calls InitChain again after a crash.
func (a *App) lastHeight() int64 {
	if !a.store.Initialized() || a.meta.ChainContext == nil || a.store.Height() == genesisHeight(a.store.Committed()) {
		return 0
	}
	return a.store.Height()
}

var keyGenesisHeight = []byte("app/genesis_height")

func genesisHeight(kv state.KV) int64 {
	var h int64 = -1
	if raw := kv.Get(keyGenesisHeight); raw != nil {
		_ = codec.Unmarshal(raw, &h)
	}
	return h
}

// InitChain implements abci.Application: it validates and applies the
// genesis document in AppStateBytes, checks CometBFT's validators against
// the registry, and commits the genesis state.
func (a *App) InitChain(_ context.Context, req *abci.RequestInitChain) (*abci.ResponseInitChain, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	doc, err := genesis.Parse(req.AppStateBytes)
	if err != nil {
		return nil, err
	}
	if doc.ChainID != req.ChainId {
		return nil, fmt.Errorf("%w: app state chain_id %q, CometBFT chain_id %q", genesis.ErrInvalid, doc.ChainID, req.ChainId)
	}
	if err := checkValidators(doc, req.Validators); err != nil {
		return nil, err
	}
	cc := doc.ChainContext()
	if a.store.Initialized() {
		if !bytes.Equal(a.meta.ChainContext, cc) {
			return nil, fmt.Errorf("%w: data directory holds chain %q", ErrWrongGenesis, a.meta.ChainID)
		}
		return &abci.ResponseInitChain{AppHash: a.store.AppHash(), Validators: toUpdates(scheduler.Validators(a.store.Committed()))}, nil
	}
	gh := req.InitialHeight - 1
	blk, err := a.store.Begin(gh)
	if err != nil {
		return nil, err
	}
	a.meta = meta{ChainID: doc.ChainID, ChainContext: cc, MaxTxSize: doc.Consensus.MaxTxSize}
	blk.Set(keyMeta, codec.Marshal(&a.meta))
	blk.Set(keyGenesisHeight, codec.Marshal(gh))
	limits := ConsensusLimits{MaxTxSize: doc.Consensus.MaxTxSize, MaxBlockBytes: 22020096, MaxBlockGas: -1}
	if cp := req.ConsensusParams; cp != nil && cp.Block != nil {
		limits.MaxBlockBytes, limits.MaxBlockGas = cp.Block.MaxBytes, cp.Block.MaxGas
	}
	blk.Set(keyLimits, codec.Marshal(&limits))
	ctx := &service.Context{KV: blk, Height: gh, Epoch: doc.Epochtime.Base, ChainContext: cc, Mode: service.ModeSystem}
	if err := doc.Apply(ctx, req.InitialHeight); err != nil {
		return nil, err
	}
	hash, err := a.store.Commit(blk)
	if err != nil {
		return nil, err
	}
	a.check = state.NewOverlay(a.store.Committed())
	a.log.Info("genesis applied", "chain_id", doc.ChainID, "app_hash", fmt.Sprintf("%X", hash), "validators", len(req.Validators))
	a.afterCommit(true)
	return &abci.ResponseInitChain{AppHash: hash, Validators: toUpdates(scheduler.Validators(a.store.Committed()))}, nil
}

func toUpdates(vs []scheduler.Validator) []abci.ValidatorUpdate {
	out := make([]abci.ValidatorUpdate, len(vs))
	for i, v := range vs {
		out[i] = abci.UpdateValidator(v.Consensus[:], v.Power, "ed25519")
	}
	return out
}

func checkValidators(doc *genesis.Document, vals []abci.ValidatorUpdate) error {
	want := map[string]bool{}
	for _, v := range doc.Validators() {
		want[string(v.Consensus[:])] = true
	}
	if len(vals) != len(want) {
		return fmt.Errorf("%w: CometBFT has %d validators, genesis registry %d", ErrValidators, len(vals), len(want))
	}
	for _, v := range vals {
		if !want[string(v.PubKey.GetEd25519())] {
			return fmt.Errorf("%w: validator %X is not a registered validator node", ErrValidators, v.PubKey.GetEd25519())
		}
	}
	return nil
}

// CheckTx implements abci.Application: the transaction runs in full against
// the mempool state so that every rule reports its precise error now.
func (a *App) CheckTx(_ context.Context, req *abci.RequestCheckTx) (*abci.ResponseCheckTx, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	epoch := epochtime.Get(a.check).Epoch
	res := a.runTx(a.check, req.Tx, a.store.Height()+1, epoch, service.ModeCheck)
	a.metrics().observeTx("check", res.Code)
	return &abci.ResponseCheckTx{Code: res.Code, Codespace: res.Codespace, Log: res.Log, GasWanted: res.GasWanted}, nil
}

// PrepareProposal implements abci.Application: it leaves out transactions
// that cannot even be parsed (they would only fail and waste block space)
// and keeps within MaxTxBytes.
func (a *App) PrepareProposal(_ context.Context, req *abci.RequestPrepareProposal) (*abci.ResponsePrepareProposal, error) {
	a.mu.Lock()
	maxTx := a.meta.MaxTxSize
	a.mu.Unlock()
	txs := make([][]byte, 0, len(req.Txs))
	var total int64
	for _, raw := range req.Txs {
		if _, _, err := tx.Parse(raw, maxTx); err != nil {
			continue
		}
		if total+int64(len(raw)) > req.MaxTxBytes {
			break
		}
		total += int64(len(raw))
		txs = append(txs, raw)
	}
	return &abci.ResponsePrepareProposal{Txs: txs}, nil
}

// ProcessProposal implements abci.Application. A proposal holding a
// transaction that cannot be parsed was not built by PrepareProposal and is
// rejected; transactions that parse but fail (bad signature, nonce, …) fail
// individually in FinalizeBlock, so that checks needing state stay there.
func (a *App) ProcessProposal(_ context.Context, req *abci.RequestProcessProposal) (*abci.ResponseProcessProposal, error) {
	a.mu.Lock()
	maxTx := a.meta.MaxTxSize
	a.mu.Unlock()
	for _, raw := range req.Txs {
		if _, _, err := tx.Parse(raw, maxTx); err != nil {
			a.log.Warn("rejecting proposal with an unparsable transaction", "height", req.Height, "err", err)
			return &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_REJECT}, nil
		}
	}
	return &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_ACCEPT}, nil
}

// FinalizeBlock implements abci.Application.
func (a *App) FinalizeBlock(_ context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	blk, err := a.store.Begin(req.Height)
	if err != nil {
		return nil, err
	}
	a.blockTime = req.Time.Unix()
	epoch := epochtime.Get(blk).Epoch
	resp := &abci.ResponseFinalizeBlock{TxResults: make([]*abci.ExecTxResult, len(req.Txs))}
	decoded := tx.DecodeBatch(req.Txs, a.meta.MaxTxSize, a.meta.ChainContext)
	for i := range req.Txs {
		resp.TxResults[i] = a.runDecoded(blk, decoded[i], req.Height, epoch, service.ModeDeliver)
		a.metrics().observeTx("deliver", resp.TxResults[i].Code)
	}
	resp.Events = a.endBlock(blk, req.Height, epoch)
	newEpoch, changed := epochtime.EndBlock(blk, req.Height)
	if changed {
		old := scheduler.Validators(blk)
		resp.Events = append(resp.Events, a.epochTransition(blk, req.Height, newEpoch)...)
		resp.ValidatorUpdates = toUpdates(scheduler.ValidatorDiff(old, scheduler.Validators(blk)))
		resp.ConsensusParamUpdates = takeLimitUpdate(blk)
	}
	for _, r := range resp.TxResults {
		a.metrics().observeEvents(r.Events)
		a.logEvents(req.Height, r.Events)
	}
	a.metrics().observeEvents(resp.Events)
	a.logEvents(req.Height, resp.Events)
	a.block, a.blockEpoch = blk, changed
	resp.AppHash = a.store.Hash(blk)
	return resp, nil
}

// epochTransition runs every service's epoch hook in order.
func (a *App) epochTransition(blk *state.Block, height int64, epoch uint64) []abci.Event {
	return a.runHooks(blk, height, epoch, "epoch", func(s service.Service, ctx *service.Context) (bool, error) {
		return true, s.EpochTransition(ctx)
	})
}

// endBlock runs the EndBlock hook of every service that has one, in order.
func (a *App) endBlock(blk *state.Block, height int64, epoch uint64) []abci.Event {
	return a.runHooks(blk, height, epoch, "end_block", func(s service.Service, ctx *service.Context) (bool, error) {
		be, ok := s.(service.BlockEnder)
		if !ok {
			return false, nil
		}
		return true, be.EndBlock(ctx)
	})
}

// runHooks runs hook for every service, each in its own overlay: a hook
// that fails or panics loses its own writes, is logged and reported as an
// event, and does not stop the chain.
func (a *App) runHooks(blk *state.Block, height int64, epoch uint64, kind string, hook func(service.Service, *service.Context) (bool, error)) []abci.Event {
	var events []abci.Event
	for _, s := range a.services {
		sub := state.NewOverlay(blk)
		ctx := &service.Context{KV: sub, Height: height, Time: a.blockTime, Epoch: epoch, ChainContext: a.meta.ChainContext, Mode: service.ModeSystem}
		ran := false
		err := recoverCall(a.log, func() error {
			var err error
			ran, err = hook(s, ctx)
			return err
		})
		if err != nil {
			a.log.Error("hook failed", "hook", kind, "service", s.Name(), "height", height, "err", err)
			events = append(events, abci.Event{Type: "app.hook_failed", Attributes: []abci.EventAttribute{
				{Key: "hook", Value: kind, Index: true}, {Key: "service", Value: s.Name(), Index: true}, {Key: "error", Value: err.Error()}}})
			continue
		}
		if ran {
			sub.Commit()
			events = append(events, toABCI(ctx.Events)...)
		}
	}
	return events
}

// significant lists the events worth one log line each.
var significant = map[string]bool{
	"registry.runtime_registered": true, "registry.runtime_suspended": true, "registry.runtime_resumed": true,
	"registry.node_registered": true, "registry.node_expired": true, "registry.node_removed": true,
	"registry.node_evicted": true, "registry.node_frozen": true, "staking.slashed": true,
	"governance.proposal_submitted": true, "governance.proposal_closed": true, "app.hook_failed": true,
}

func (a *App) logEvents(height int64, evs []abci.Event) {
	for _, e := range evs {
		if !significant[e.Type] {
			continue
		}
		attrs := []any{"height", height}
		for _, at := range e.Attributes {
			attrs = append(attrs, at.Key, at.Value)
		}
		a.log.Info(e.Type, attrs...)
	}
}

// Commit implements abci.Application.
func (a *App) Commit(context.Context, *abci.RequestCommit) (*abci.ResponseCommit, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.block == nil {
		return nil, errors.New("app: Commit without FinalizeBlock")
	}
	if _, err := a.store.Commit(a.block); err != nil {
		return nil, err
	}
	a.block = nil
	if l, ok := getLimits(a.store.Committed()); ok {
		a.meta.MaxTxSize = l.MaxTxSize
	}
	a.check = state.NewOverlay(a.store.Committed())
	a.afterCommit(a.blockEpoch)
	return &abci.ResponseCommit{}, nil
}

func (a *App) afterCommit(epochChanged bool) {
	kv := a.store.Committed()
	a.metrics().observeBlock(kv, a.store.Height(), epochChanged)
	if !epochChanged {
		return
	}
	sum := EpochSummary{Height: a.store.Height(), Epoch: epochtime.Get(kv).Epoch, Committees: scheduler.Committees(kv),
		Suspended: map[registry.RuntimeID]string{}, Insecure: beacon.Get(kv).Insecure}
	registry.Runtimes(kv, func(r *registry.Runtime) bool {
		if st := registry.GetRuntimeStatus(kv, r.ID); st.Suspended {
			sum.Suspended[r.ID] = st.Reason
		}
		return true
	})
	a.log.Debug("epoch", "epoch", sum.Epoch, "height", sum.Height, "committees", len(sum.Committees), "suspended", len(sum.Suspended))
	if a.opts.OnEpoch != nil {
		a.opts.OnEpoch(sum)
	}
}

// runTx decodes, authenticates, charges and executes one transaction on kv.
func (a *App) runTx(kv state.KV, raw []byte, height int64, epoch uint64, mode service.Mode) *abci.ExecTxResult {
	st, t, err := tx.Decode(raw, a.meta.MaxTxSize, a.meta.ChainContext)
	return a.runDecoded(kv, tx.Decoded{Signed: st, Tx: t, Err: err}, height, epoch, mode)
}

// runDecoded charges and executes one authenticated transaction on kv. The
// fee and nonce stick even if the method then fails; nothing else does.
func (a *App) runDecoded(kv state.KV, d tx.Decoded, height int64, epoch uint64, mode service.Mode) *abci.ExecTxResult {
	fail := func(err error, gas uint64) *abci.ExecTxResult {
		return &abci.ExecTxResult{Code: Code(err), Codespace: Codespace, Log: err.Error(), GasWanted: int64(gas)}
	}
	if a.meta.ChainContext == nil {
		return fail(errors.New("app: chain not initialised"), 0)
	}
	if d.Err != nil {
		return fail(d.Err, 0)
	}
	st, t := d.Signed, d.Tx
	svc, ok := a.byName[t.Service()]
	if !ok {
		return fail(fmt.Errorf("%w: %q", ErrUnknownService, t.Service()), t.Fee.Gas)
	}
	signer := staking.NewAddress(st.Signer)
	feeKV := state.NewOverlay(kv)
	if err := staking.CheckNonce(feeKV, signer, t.Nonce); err != nil {
		return fail(err, t.Fee.Gas)
	}
	if err := staking.ChargeFee(feeKV, signer, t.Method, t.Fee.Gas, t.Fee.Amount); err != nil {
		return fail(err, t.Fee.Gas)
	}
	feeKV.Commit()
	sub := state.NewOverlay(kv)
	ctx := &service.Context{KV: sub, Height: height, Time: a.blockTime, Epoch: epoch, ChainContext: a.meta.ChainContext, Signer: st.Signer, Mode: mode}
	_, method, _ := strings.Cut(t.Method, ".")
	if err := recoverCall(a.log, func() error { return svc.ExecTx(ctx, method, t.Body) }); err != nil {
		return fail(fmt.Errorf("%s: %w", t.Method, err), t.Fee.Gas)
	}
	sub.Commit()
	return &abci.ExecTxResult{Code: CodeOK, GasWanted: int64(t.Fee.Gas), GasUsed: int64(t.Fee.Gas), Events: toABCI(ctx.Events)}
}

// recoverCall runs fn, turning a panic into ErrPanic. Storage failures are
// re-raised: the node must stop rather than diverge.
func recoverCall(log *slog.Logger, fn func() error) (err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		var fatal *state.FatalError
		if e, ok := r.(error); ok && errors.As(e, &fatal) {
			panic(r)
		}
		log.Error("handler panic recovered", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		err = fmt.Errorf("%w: %v", ErrPanic, r)
	}()
	return fn()
}

func toABCI(evs []service.Event) []abci.Event {
	out := make([]abci.Event, len(evs))
	for i, e := range evs {
		out[i].Type = e.Type
		for _, at := range e.Attrs {
			out[i].Attributes = append(out[i].Attributes, abci.EventAttribute{Key: at.Key, Value: at.Value, Index: true})
		}
	}
	return out
}

// Query implements abci.Application. Path is "service/query" (e.g.
// "scheduler/committees") or "app/status"; Value is JSON.
func (a *App) Query(_ context.Context, req *abci.RequestQuery) (*abci.ResponseQuery, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	v, err := a.query(req.Path, req.Data)
	if err != nil {
		return &abci.ResponseQuery{Code: Code(err), Codespace: Codespace, Log: err.Error(), Height: a.store.Height()}, nil
	}
	out, err := json.Marshal(v)
	if err != nil {
		return &abci.ResponseQuery{Code: CodeInternal, Codespace: Codespace, Log: err.Error()}, nil
	}
	return &abci.ResponseQuery{Value: out, Height: a.store.Height()}, nil
}

// Status is the answer to the "app/status" query.
type Status struct {
	ChainID      string `json:"chain_id"`
	ChainContext []byte `json:"chain_context"`
	Height       int64  `json:"height"`
	AppHash      []byte `json:"app_hash"`
	Epoch        uint64 `json:"epoch"`
}

func (a *App) query(path string, data []byte) (res any, err error) {
	kv := a.store.Committed()
	epoch := epochtime.Get(kv).Epoch
	if path == "app/status" {
		return Status{ChainID: a.meta.ChainID, ChainContext: a.meta.ChainContext, Height: a.store.Height(), AppHash: a.store.AppHash(), Epoch: epoch}, nil
	}
	name, sub, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	svc, ok := a.byName[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", service.ErrUnknownQuery, path)
	}
	err = recoverCall(a.log, func() error {
		res, err = svc.Query(kv, epoch, sub, data)
		return err
	})
	return res, err
}

// AppHash returns the last committed app hash.
func (a *App) AppHash() []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.store.AppHash()
}
