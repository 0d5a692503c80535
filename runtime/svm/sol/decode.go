package sol

import (
	"errors"
	"fmt"
)

// MaxTransactionSize is the largest serialized transaction accepted: the
// IPv6 minimum MTU less headers, as in Solana.
const MaxTransactionSize = 1232

// Decoding and sanitizing errors. Each names one problem; callers match them
// with errors.Is and the wrapped text says where.
var (
	ErrTxTooLarge          = errors.New("sol: transaction exceeds 1232 bytes")
	ErrTxTruncated         = errors.New("sol: transaction is truncated")
	ErrTxTrailingBytes     = errors.New("sol: trailing bytes after transaction")
	ErrUnsupportedVersion  = errors.New("sol: unsupported message version")
	ErrHeaderInconsistent  = errors.New("sol: message header is inconsistent with its keys")
	ErrIndexOutOfRange     = errors.New("sol: account index out of range")
	ErrDuplicateKey        = errors.New("sol: account key appears twice")
	ErrSignatureCount      = errors.New("sol: signature count does not match the header")
	ErrInvalidProgramIndex = errors.New("sol: instruction program index is invalid")
	ErrEmptyLookup         = errors.New("sol: address table lookup loads no keys")
	ErrTooManyKeys         = errors.New("sol: message loads more than 256 keys")
)

type reader struct {
	b   []byte
	off int
}

func (r *reader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, fmt.Errorf("%w at byte %d", ErrTxTruncated, r.off)
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

func (r *reader) bytes(n int) ([]byte, error) {
	if n < 0 || len(r.b)-r.off < n {
		return nil, fmt.Errorf("%w: need %d bytes at byte %d", ErrTxTruncated, n, r.off)
	}
	s := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return s, nil
}

func (r *reader) length() (int, error) {
	v, n, err := DecodeCompactU16(r.b[r.off:])
	if err != nil {
		return 0, fmt.Errorf("length at byte %d: %w", r.off, err)
	}
	r.off += n
	return int(v), nil
}

// lengthOf reads a compact-u16 count of items of the given size and checks
// that they fit in what remains, so a lying count cannot make us allocate.
func (r *reader) lengthOf(size int) (int, error) {
	n, err := r.length()
	if err != nil {
		return 0, err
	}
	if n*size > len(r.b)-r.off {
		return 0, fmt.Errorf("%w: %d items of %d bytes at byte %d", ErrTxTruncated, n, size, r.off)
	}
	return n, nil
}

func (r *reader) pubkey() (Pubkey, error) {
	var k Pubkey
	b, err := r.bytes(PubkeySize)
	copy(k[:], b)
	return k, err
}

func (r *reader) indexes() ([]uint8, error) {
	n, err := r.lengthOf(1)
	if err != nil {
		return nil, err
	}
	return r.bytes(n)
}

// DecodeMessage decodes a legacy or v0 message that must span all of b.
// Slices in the result alias b. It checks structure only; Sanitize checks
// the header and index rules.
func DecodeMessage(b []byte) (Message, error) {
	r := reader{b: b}
	m, err := decodeMessage(&r)
	if err != nil {
		return Message{}, err
	}
	if r.off != len(b) {
		return Message{}, fmt.Errorf("%w: %d bytes", ErrTxTrailingBytes, len(b)-r.off)
	}
	return m, nil
}

func decodeMessage(r *reader) (Message, error) {
	var m Message
	first, err := r.byte()
	if err != nil {
		return m, err
	}
	if first&0x80 != 0 {
		if v := first & 0x7f; v != 0 {
			return m, fmt.Errorf("%w: version %d", ErrUnsupportedVersion, v)
		}
		m.Version = MessageV0
		if first, err = r.byte(); err != nil {
			return m, err
		}
	}
	m.Header.NumRequiredSignatures = first
	if m.Header.NumReadonlySignedAccounts, err = r.byte(); err != nil {
		return m, err
	}
	if m.Header.NumReadonlyUnsignedAccounts, err = r.byte(); err != nil {
		return m, err
	}
	nKeys, err := r.lengthOf(PubkeySize)
	if err != nil {
		return m, fmt.Errorf("account keys: %w", err)
	}
	m.AccountKeys = make([]Pubkey, nKeys)
	for i := range m.AccountKeys {
		m.AccountKeys[i], _ = r.pubkey()
	}
	bh, err := r.bytes(HashSize)
	if err != nil {
		return m, fmt.Errorf("recent blockhash: %w", err)
	}
	copy(m.RecentBlockhash[:], bh)
	nInstr, err := r.lengthOf(3) // an instruction is at least 3 bytes
	if err != nil {
		return m, fmt.Errorf("instructions: %w", err)
	}
	m.Instructions = make([]CompiledInstruction, nInstr)
	for i := range m.Instructions {
		in := &m.Instructions[i]
		if in.ProgramIDIndex, err = r.byte(); err != nil {
			return m, fmt.Errorf("instruction %d: %w", i, err)
		}
		if in.Accounts, err = r.indexes(); err != nil {
			return m, fmt.Errorf("instruction %d accounts: %w", i, err)
		}
		n, err := r.lengthOf(1)
		if err != nil {
			return m, fmt.Errorf("instruction %d data: %w", i, err)
		}
		in.Data, _ = r.bytes(n)
	}
	if m.Version == MessageV0 {
		nLookups, err := r.lengthOf(PubkeySize + 2)
		if err != nil {
			return m, fmt.Errorf("address table lookups: %w", err)
		}
		m.AddressTableLookups = make([]AddressTableLookup, nLookups)
		for i := range m.AddressTableLookups {
			l := &m.AddressTableLookups[i]
			l.AccountKey, _ = r.pubkey()
			if l.WritableIndexes, err = r.indexes(); err != nil {
				return m, fmt.Errorf("lookup %d writable: %w", i, err)
			}
			if l.ReadonlyIndexes, err = r.indexes(); err != nil {
				return m, fmt.Errorf("lookup %d read-only: %w", i, err)
			}
		}
	}
	return m, nil
}

// Sanitize checks the rules Solana's sanitizer enforces on a message: the
// header against the key count, every index in range, no program at index 0
// (the fee payer), no duplicate static keys and at most 256 keys in all.
func (m *Message) Sanitize() error {
	h := m.Header
	nStatic := len(m.AccountKeys)
	if h.NumRequiredSignatures == 0 {
		return fmt.Errorf("%w: no required signatures (a fee payer must sign)", ErrHeaderInconsistent)
	}
	if int(h.NumRequiredSignatures)+int(h.NumReadonlyUnsignedAccounts) > nStatic {
		return fmt.Errorf("%w: %d signers + %d read-only unsigned > %d keys", ErrHeaderInconsistent,
			h.NumRequiredSignatures, h.NumReadonlyUnsignedAccounts, nStatic)
	}
	if h.NumReadonlySignedAccounts >= h.NumRequiredSignatures {
		return fmt.Errorf("%w: %d read-only signers leave no writable fee payer among %d signers", ErrHeaderInconsistent,
			h.NumReadonlySignedAccounts, h.NumRequiredSignatures)
	}
	for i := range m.AddressTableLookups {
		l := &m.AddressTableLookups[i]
		if len(l.WritableIndexes)+len(l.ReadonlyIndexes) == 0 {
			return fmt.Errorf("%w: lookup %d", ErrEmptyLookup, i)
		}
	}
	total := nStatic + m.NumLookupKeys()
	if total > 256 {
		return fmt.Errorf("%w: %d", ErrTooManyKeys, total)
	}
	for i := range m.Instructions {
		in := &m.Instructions[i]
		if int(in.ProgramIDIndex) >= nStatic {
			// Programs must be static keys: a loaded program cannot be checked before execution.
			return fmt.Errorf("%w: instruction %d program index %d with %d static keys", ErrIndexOutOfRange, i, in.ProgramIDIndex, nStatic)
		}
		if in.ProgramIDIndex == 0 {
			return fmt.Errorf("%w: instruction %d names the fee payer as its program", ErrInvalidProgramIndex, i)
		}
		for _, a := range in.Accounts {
			if int(a) >= total {
				return fmt.Errorf("%w: instruction %d account index %d with %d keys", ErrIndexOutOfRange, i, a, total)
			}
		}
	}
	// Static keys are few (at most ~35 fit in 1232 bytes), so the quadratic scan beats a map.
	for i := 1; i < nStatic; i++ {
		for j := 0; j < i; j++ {
			if m.AccountKeys[i] == m.AccountKeys[j] {
				return fmt.Errorf("%w: %s at %d and %d", ErrDuplicateKey, m.AccountKeys[i], j, i)
			}
		}
	}
	return nil
}
