package node

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/consensus/tx"
)

// Component is a long-running part of a node process. Run is called once
// after CometBFT has started and must return when ctx is cancelled; an
// error other than ctx's is logged and does not stop the node.
type Component interface {
	Name() string
	Run(ctx context.Context, host Host) error
}

// Host is what a Component may do with the consensus layer. Methods are
// safe for concurrent use.
type Host interface {
	// ChainContext is the chain's signature domain.
	ChainContext() []byte
	// Query runs an application query ("registry/nodes", …) and decodes
	// its JSON answer into out.
	Query(ctx context.Context, path string, data []byte, out any) error
	// Submit signs method(body) with signer at its next nonce and waits for
	// CheckTx; a rejection is returned as an error naming the reason.
	Submit(ctx context.Context, signer *signature.Signer, method string, body any) error
	// EpochChanged returns a channel closed at the next epoch transition.
	EpochChanged() <-chan struct{}
}

// epochSignal lets components wait for the next epoch.
type epochSignal struct {
	mu sync.Mutex
	ch chan struct{}
}

func newEpochSignal() *epochSignal { return &epochSignal{ch: make(chan struct{})} }

func (s *epochSignal) wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ch
}

func (s *epochSignal) fire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.ch)
	s.ch = make(chan struct{})
}

// rpcHost implements Host over CometBFT's in-process RPC client.
type rpcHost struct {
	n     *Node
	mu    sync.Mutex // serialises nonce lookup and submission per process
	sig   *epochSignal
	cc    []byte
	nonce map[staking.Address]uint64
}

func (h *rpcHost) ChainContext() []byte          { return h.cc }
func (h *rpcHost) EpochChanged() <-chan struct{} { return h.sig.wait() }

func (h *rpcHost) Query(ctx context.Context, path string, data []byte, out any) error {
	res, err := h.n.rpc.ABCIQuery(ctx, path, data)
	if err != nil {
		return fmt.Errorf("node: query %s: %w", path, err)
	}
	if res.Response.Code != 0 {
		return fmt.Errorf("node: query %s: %s", path, res.Response.Log)
	}
	return json.Unmarshal(res.Response.Value, out)
}

func (h *rpcHost) Submit(ctx context.Context, signer *signature.Signer, method string, body any) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	addr := staking.NewAddress(signer.Public())
	var acc staking.Account
	if err := h.Query(ctx, "staking/account", []byte(addr.String()), &acc); err != nil {
		return err
	}
	// Transactions still in the mempool have consumed nonces the committed
	// state does not show yet.
	nonce := max(acc.General.Nonce, h.nonce[addr])
	var params staking.Params
	if err := h.Query(ctx, "staking/params", nil, &params); err != nil {
		return err
	}
	gas := params.GasFor(method)
	t := tx.New(nonce, tx.Fee{Gas: gas, Amount: gas * params.MinGasPrice}, method, body)
	res, err := h.n.rpc.BroadcastTxSync(ctx, tx.Sign(signer, h.cc, t).Encode())
	if err != nil {
		return fmt.Errorf("node: submitting %s: %w", method, err)
	}
	if res.Code != 0 {
		delete(h.nonce, addr)
		return fmt.Errorf("node: %s rejected: %s", method, res.Log)
	}
	h.nonce[addr] = nonce + 1
	return nil
}
