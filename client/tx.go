package client

import (
	"crypto/ed25519"
	"fmt"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// SignTransaction compiles instrs into a legacy message paid by payer,
// signs it with payer and others (in any order; each signer the message
// needs must be among them) and returns the wire bytes and signature.
func SignTransaction(blockhash sol.Hash, payer ed25519.PrivateKey, others []ed25519.PrivateKey, instrs ...sol.Instruction) ([]byte, sol.Signature, error) {
	msg, err := sol.NewLegacyMessage(PubkeyOf(payer), blockhash, instrs...)
	if err != nil {
		return nil, sol.Signature{}, err
	}
	byKey := map[sol.Pubkey]ed25519.PrivateKey{PubkeyOf(payer): payer}
	for _, o := range others {
		byKey[PubkeyOf(o)] = o
	}
	signers := make([]ed25519.PrivateKey, msg.Header.NumRequiredSignatures)
	for i := range signers {
		k, ok := byKey[msg.AccountKeys[i]]
		if !ok {
			return nil, sol.Signature{}, fmt.Errorf("client: no keypair for signer %s", msg.AccountKeys[i])
		}
		signers[i] = k
	}
	tx := &sol.Transaction{Message: msg}
	if err := tx.Sign(signers...); err != nil {
		return nil, sol.Signature{}, err
	}
	raw, err := tx.MarshalBinary()
	if err != nil {
		return nil, sol.Signature{}, err
	}
	return raw, tx.Signature(), nil
}
