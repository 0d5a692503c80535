package sol

import (
	"crypto/ed25519"
	"fmt"
)

// Transaction is a decoded transaction. Its wire layout is
//
//	compact-u16 n | n × 64-byte signatures | message
//
// and signature i is key i's ed25519 signature over the message bytes.
type Transaction struct {
	Signatures []Signature
	Message    Message
	// MessageBytes are the signed bytes exactly as received or encoded.
	MessageBytes []byte
}

// DecodeTransaction decodes and sanitizes a wire-format transaction. Slices in
// the result alias b. Signatures are not verified here.
func DecodeTransaction(b []byte) (*Transaction, error) {
	if len(b) > MaxTransactionSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrTxTooLarge, len(b))
	}
	r := reader{b: b}
	nSigs, err := r.lengthOf(SignatureSize)
	if err != nil {
		return nil, fmt.Errorf("signatures: %w", err)
	}
	tx := &Transaction{Signatures: make([]Signature, nSigs)}
	for i := range tx.Signatures {
		s, _ := r.bytes(SignatureSize)
		copy(tx.Signatures[i][:], s)
	}
	start := r.off
	if tx.Message, err = decodeMessage(&r); err != nil {
		return nil, err
	}
	if r.off != len(b) {
		return nil, fmt.Errorf("%w: %d bytes", ErrTxTrailingBytes, len(b)-r.off)
	}
	tx.MessageBytes = b[start:r.off:r.off]
	if err := tx.Sanitize(); err != nil {
		return nil, err
	}
	return tx, nil
}

// Sanitize checks the message and that there is exactly one signature per
// required signer.
func (tx *Transaction) Sanitize() error {
	if err := tx.Message.Sanitize(); err != nil {
		return err
	}
	if len(tx.Signatures) != int(tx.Message.Header.NumRequiredSignatures) {
		return fmt.Errorf("%w: %d signatures for %d required signers", ErrSignatureCount,
			len(tx.Signatures), tx.Message.Header.NumRequiredSignatures)
	}
	return nil
}

// MarshalBinary encodes the transaction in Solana's wire format.
func (tx *Transaction) MarshalBinary() ([]byte, error) {
	b := AppendCompactU16(make([]byte, 0, 512), uint16(len(tx.Signatures)))
	for i := range tx.Signatures {
		b = append(b, tx.Signatures[i][:]...)
	}
	if tx.MessageBytes != nil {
		return append(b, tx.MessageBytes...), nil
	}
	return tx.Message.AppendBinary(b), nil
}

// FeePayer is the first key, which pays the fee and must be a writable signer.
func (tx *Transaction) FeePayer() Pubkey { return tx.Message.AccountKeys[0] }

// Signature is the transaction's id: its first signature.
func (tx *Transaction) Signature() Signature { return tx.Signatures[0] }

// Sign encodes the message and fills the signatures from the given private
// keys, which must be the message's signers in header order. It is for
// clients, genesis and tests; the runtime never signs.
func (tx *Transaction) Sign(signers ...ed25519.PrivateKey) error {
	tx.MessageBytes = tx.Message.AppendBinary(nil)
	n := int(tx.Message.Header.NumRequiredSignatures)
	if len(signers) != n {
		return fmt.Errorf("%w: %d keys for %d required signers", ErrSignatureCount, len(signers), n)
	}
	tx.Signatures = make([]Signature, n)
	for i, k := range signers {
		var pk Pubkey
		copy(pk[:], k.Public().(ed25519.PublicKey))
		if pk != tx.Message.AccountKeys[i] {
			return fmt.Errorf("sol: signer %d is %s but key %d is %s", i, pk, i, tx.Message.AccountKeys[i])
		}
		copy(tx.Signatures[i][:], ed25519.Sign(k, tx.MessageBytes))
	}
	return nil
}
