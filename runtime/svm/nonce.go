package svm

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// NonceAccountSize is the size of a durable nonce account's data:
//
//	u32 version (0 legacy, 1 current) | u32 state (0 uninitialized, 1 initialized) |
//	authority 32 | durable nonce 32 | lamports per signature u64
const NonceAccountSize = 80

const (
	nonceVersionLegacy  = 0
	nonceVersionCurrent = 1
)

// NonceState is a decoded nonce account.
type NonceState struct {
	Version              uint32
	Initialized          bool
	Authority            sol.Pubkey
	DurableNonce         sol.Hash
	LamportsPerSignature uint64
}

// DecodeNonce parses nonce account data; ok is false if it is not one.
func DecodeNonce(data []byte) (NonceState, bool) {
	if len(data) < 8 {
		return NonceState{}, false
	}
	var s NonceState
	s.Version = binary.LittleEndian.Uint32(data)
	state := binary.LittleEndian.Uint32(data[4:])
	if s.Version > nonceVersionCurrent || state > 1 {
		return NonceState{}, false
	}
	if state == 0 {
		return s, true
	}
	if len(data) < NonceAccountSize {
		return NonceState{}, false
	}
	s.Initialized = true
	copy(s.Authority[:], data[8:40])
	copy(s.DurableNonce[:], data[40:72])
	s.LamportsPerSignature = binary.LittleEndian.Uint64(data[72:80])
	return s, true
}

// encodeInto writes s over data, which must hold NonceAccountSize bytes.
func (s *NonceState) encodeInto(data []byte) {
	clear(data)
	binary.LittleEndian.PutUint32(data, s.Version)
	if !s.Initialized {
		return
	}
	binary.LittleEndian.PutUint32(data[4:], 1)
	copy(data[8:40], s.Authority[:])
	copy(data[40:72], s.DurableNonce[:])
	binary.LittleEndian.PutUint64(data[72:80], s.LamportsPerSignature)
}

// DurableNonceFromBlockhash is the value a nonce account stores for a
// blockhash: sha256("DURABLE_NONCE" ‖ blockhash), as in Solana.
func DurableNonceFromBlockhash(h sol.Hash) sol.Hash {
	d := sha256.New()
	d.Write([]byte("DURABLE_NONCE"))
	d.Write(h[:])
	var out sol.Hash
	d.Sum(out[:0])
	return out
}

// durableNonceIndex recognises a durable-nonce transaction: its first
// instruction advances a writable, initialized nonce account whose stored
// nonce is the transaction's blockhash. It returns that account's index.
func durableNonceIndex(p *preparedTx, loaded []sol.Account, blockhash sol.Hash, blk *BlockContext) (int, bool) {
	m := &p.tx.Message
	if len(m.Instructions) == 0 {
		return 0, false
	}
	in := &m.Instructions[0]
	if p.keys[in.ProgramIDIndex] != SystemProgramID || len(in.Accounts) == 0 ||
		len(in.Data) < 4 || binary.LittleEndian.Uint32(in.Data) != sysAdvanceNonceAccount {
		return 0, false
	}
	idx := int(in.Accounts[0])
	if !p.writable[idx] || loaded[idx].Owner != SystemProgramID {
		return 0, false
	}
	s, ok := DecodeNonce(loaded[idx].Data)
	if !ok || !s.Initialized || s.Version != nonceVersionCurrent || s.DurableNonce != blockhash {
		return 0, false
	}
	// A nonce advances at most once per slot.
	if DurableNonceFromBlockhash(blk.latestBlockhash()) == s.DurableNonce {
		return 0, false
	}
	return idx, true
}

// advancedNonce is the nonce account after a failed durable-nonce
// transaction: the nonce still moves on, so the transaction cannot replay.
func advancedNonce(a *sol.Account, blk *BlockContext) sol.Account {
	c := a.Clone()
	s, _ := DecodeNonce(c.Data)
	s.DurableNonce = DurableNonceFromBlockhash(blk.latestBlockhash())
	s.LamportsPerSignature = LamportsPerSignature
	s.encodeInto(c.Data)
	return c
}
