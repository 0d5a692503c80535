package sol

import (
	"bytes"
	"fmt"
	"sort"
)

// AccountMeta names an account an instruction uses and how.
type AccountMeta struct {
	Pubkey     Pubkey
	IsSigner   bool
	IsWritable bool
}

// Instruction is an uncompiled instruction, as clients and programs (through
// cross-program invocation) build them.
type Instruction struct {
	ProgramID Pubkey
	Accounts  []AccountMeta
	Data      []byte
}

// NewLegacyMessage compiles instructions into a legacy message the way
// Solana's Message::new does: the payer first, then writable signers,
// read-only signers, writable non-signers and read-only non-signers, each
// group in ascending key order, with program ids as read-only non-signers.
func NewLegacyMessage(payer Pubkey, blockhash Hash, instrs ...Instruction) (Message, error) {
	type meta struct{ signer, writable bool }
	metas := map[Pubkey]*meta{payer: {signer: true, writable: true}}
	note := func(k Pubkey, signer, writable bool) {
		m, ok := metas[k]
		if !ok {
			m = &meta{}
			metas[k] = m
		}
		m.signer = m.signer || signer
		m.writable = m.writable || writable
	}
	for i := range instrs {
		note(instrs[i].ProgramID, false, false)
		for _, a := range instrs[i].Accounts {
			note(a.Pubkey, a.IsSigner, a.IsWritable)
		}
	}
	group := func(m *meta) int {
		switch {
		case m.signer && m.writable:
			return 0
		case m.signer:
			return 1
		case m.writable:
			return 2
		}
		return 3
	}
	keys := make([]Pubkey, 0, len(metas))
	for k := range metas {
		if k != payer {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		gi, gj := group(metas[keys[i]]), group(metas[keys[j]])
		if gi != gj {
			return gi < gj
		}
		return bytes.Compare(keys[i][:], keys[j][:]) < 0
	})
	keys = append([]Pubkey{payer}, keys...)
	var h MessageHeader
	for _, k := range keys {
		switch group(metas[k]) {
		case 0:
			h.NumRequiredSignatures++
		case 1:
			h.NumRequiredSignatures++
			h.NumReadonlySignedAccounts++
		case 3:
			h.NumReadonlyUnsignedAccounts++
		}
	}
	if len(keys) > 256 {
		return Message{}, fmt.Errorf("%w: %d", ErrTooManyKeys, len(keys))
	}
	index := make(map[Pubkey]uint8, len(keys))
	for i, k := range keys {
		index[k] = uint8(i)
	}
	m := Message{Header: h, AccountKeys: keys, RecentBlockhash: blockhash}
	for _, in := range instrs {
		ci := CompiledInstruction{ProgramIDIndex: index[in.ProgramID], Data: in.Data, Accounts: make([]uint8, len(in.Accounts))}
		for j, a := range in.Accounts {
			ci.Accounts[j] = index[a.Pubkey]
		}
		m.Instructions = append(m.Instructions, ci)
	}
	return m, nil
}
