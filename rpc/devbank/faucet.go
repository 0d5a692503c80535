package devbank

import (
	"fmt"

	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// RequestAirdrop implements rpc.Backend: the faucet signs a system transfer
// naming the newest blockhash and submits it like any client would,
// preflight included, so an empty faucet is reported at once.
func (b *Bank) RequestAirdrop(to sol.Pubkey, lamports uint64) (sol.Signature, error) {
	if b.faucet == nil {
		return sol.Signature{}, rpc.ErrNoFaucet
	}
	if lamports > b.cfg.AirdropLimit {
		return sol.Signature{}, fmt.Errorf("%w: %d lamports requested, the limit is %d", rpc.ErrAirdropLimit, lamports, b.cfg.AirdropLimit)
	}
	if lamports == 0 {
		return sol.Signature{}, fmt.Errorf("%w: an airdrop of 0 lamports", rpc.ErrInvalidParams)
	}
	bh := b.LatestBlockhash(Processed)
	msg, err := sol.NewLegacyMessage(b.faucetKey, bh.Blockhash, svm.Transfer(b.faucetKey, to, lamports))
	if err != nil {
		return sol.Signature{}, err
	}
	tx := &sol.Transaction{Message: msg}
	if err := tx.Sign(b.faucet); err != nil {
		return sol.Signature{}, err
	}
	raw, err := tx.MarshalBinary()
	if err != nil {
		return sol.Signature{}, err
	}
	return b.SendTransaction(raw, rpc.SendOptions{PreflightCommitment: Processed})
}
