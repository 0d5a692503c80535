package tx

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/signature"
)

// Sentinel errors; Decode wraps them with detail.
var (
	ErrTooLarge     = errors.New("tx: transaction too large")
	ErrMalformed    = errors.New("tx: malformed transaction")
	ErrNonCanonical = errors.New("tx: transaction is not canonically encoded")
	ErrBadMethod    = errors.New("tx: malformed method name")
	ErrBadSignature = errors.New("tx: bad signature")
)

// SignatureContext is the domain separation context of transaction signatures.
const SignatureContext = "atoll/consensus/tx"

// MaxMethodLen bounds method names.
const MaxMethodLen = 64

// Fee is what the signer pays for the transaction's inclusion.
type Fee struct {
	Amount uint64 `cbor:"amount" json:"amount"`
	Gas    uint64 `cbor:"gas" json:"gas"`
}

// Transaction is an unsigned method call.
type Transaction struct {
	Nonce  uint64           `cbor:"nonce"`
	Fee    Fee              `cbor:"fee"`
	Method string           `cbor:"method"`
	Body   codec.RawMessage `cbor:"body"`
}

// SignedTransaction is a Transaction with its signer's signature.
type SignedTransaction struct {
	Tx        []byte              `cbor:"tx"`
	Signer    signature.PublicKey `cbor:"signer"`
	Signature signature.Signature `cbor:"signature"`
}

// Service returns the part of the method before the dot ("staking" of
// "staking.Transfer").
func (t *Transaction) Service() string {
	s, _, _ := strings.Cut(t.Method, ".")
	return s
}

// New builds a Transaction whose body is the canonical encoding of body.
func New(nonce uint64, fee Fee, method string, body any) *Transaction {
	return &Transaction{Nonce: nonce, Fee: fee, Method: method, Body: codec.Marshal(body)}
}

// Sign encodes t and signs it for the chain.
func Sign(signer *signature.Signer, chainContext []byte, t *Transaction) *SignedTransaction {
	raw := codec.Marshal(t)
	return &SignedTransaction{
		Tx:        raw,
		Signer:    signer.Public(),
		Signature: signer.Sign(SignatureContext, signedMessage(chainContext, raw)),
	}
}

// Encode returns the wire bytes.
func (s *SignedTransaction) Encode() []byte { return codec.Marshal(s) }

func signedMessage(chainContext, raw []byte) []byte {
	msg := make([]byte, 0, len(chainContext)+len(raw))
	return append(append(msg, chainContext...), raw...)
}

// Decode parses and authenticates wire bytes: size, envelope, canonical
// encoding, method name and signature, in that order. It never panics.
func Decode(wire []byte, maxSize int, chainContext []byte) (*SignedTransaction, *Transaction, error) {
	st, t, err := Parse(wire, maxSize)
	if err != nil {
		return nil, nil, err
	}
	if err := st.Verify(chainContext); err != nil {
		return nil, nil, err
	}
	return st, t, nil
}

// Verify checks the signature for the chain.
func (s *SignedTransaction) Verify(chainContext []byte) error {
	if err := signature.Verify(s.Signer, SignatureContext, signedMessage(chainContext, s.Tx), s.Signature); err != nil {
		return fmt.Errorf("%w: signer %s", ErrBadSignature, s.Signer)
	}
	return nil
}

// Decoded is one result of DecodeBatch.
type Decoded struct {
	Signed *SignedTransaction
	Tx     *Transaction
	Err    error
}

// DecodeBatch is Decode for a block's transactions, verifying all
// signatures in one batch. out[i] corresponds to wires[i].
func DecodeBatch(wires [][]byte, maxSize int, chainContext []byte) []Decoded {
	out := make([]Decoded, len(wires))
	var items []signature.Item
	var idx []int
	for i, w := range wires {
		st, t, err := Parse(w, maxSize)
		out[i] = Decoded{Signed: st, Tx: t, Err: err}
		if err == nil {
			items = append(items, signature.Item{Key: st.Signer, Context: SignatureContext, Message: signedMessage(chainContext, st.Tx), Signature: st.Signature})
			idx = append(idx, i)
		}
	}
	for k, ok := range signature.VerifyBatch(items) {
		if !ok {
			i := idx[k]
			out[i] = Decoded{Err: fmt.Errorf("%w: signer %s", ErrBadSignature, out[i].Signed.Signer)}
		}
	}
	return out
}

// Parse decodes and checks everything but the signature.
func Parse(wire []byte, maxSize int) (*SignedTransaction, *Transaction, error) {
	if len(wire) > maxSize {
		return nil, nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(wire), maxSize)
	}
	var st SignedTransaction
	if err := codec.Unmarshal(wire, &st); err != nil {
		return nil, nil, fmt.Errorf("%w: envelope: %v", ErrMalformed, err)
	}
	if !bytes.Equal(codec.Marshal(&st), wire) {
		return nil, nil, fmt.Errorf("%w: envelope", ErrNonCanonical)
	}
	var t Transaction
	if err := codec.Unmarshal(st.Tx, &t); err != nil {
		return nil, nil, fmt.Errorf("%w: body: %v", ErrMalformed, err)
	}
	if t.Body == nil {
		return nil, nil, fmt.Errorf("%w: missing body", ErrMalformed)
	}
	if !bytes.Equal(codec.Marshal(&t), st.Tx) {
		return nil, nil, fmt.Errorf("%w: transaction", ErrNonCanonical)
	}
	if err := checkMethod(t.Method); err != nil {
		return nil, nil, err
	}
	return &st, &t, nil
}

func checkMethod(m string) error {
	if len(m) == 0 || len(m) > MaxMethodLen {
		return fmt.Errorf("%w: length %d", ErrBadMethod, len(m))
	}
	svc, name, ok := strings.Cut(m, ".")
	if !ok || svc == "" || name == "" || strings.Contains(name, ".") {
		return fmt.Errorf("%w: %q is not service.Method", ErrBadMethod, m)
	}
	for _, c := range m {
		if !(c == '.' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return fmt.Errorf("%w: %q has character %q", ErrBadMethod, m, c)
		}
	}
	return nil
}
