package rpc

import (
	"encoding/binary"

	"github.com/mr-tron/base58"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// The "jsonParsed" transaction encoding: account keys with their roles, and
// instructions either parsed (the system program's common ones) or
// "partially decoded" (program id, account addresses, base58 data), as
// Agave renders what it cannot parse.

type parsedAccountKey struct {
	Pubkey   string `json:"pubkey"`
	Signer   bool   `json:"signer"`
	Source   string `json:"source"`
	Writable bool   `json:"writable"`
}

type parsedInstruction struct {
	Parsed      any     `json:"parsed"`
	Program     string  `json:"program"`
	ProgramID   string  `json:"programId"`
	StackHeight *uint32 `json:"stackHeight"`
}

type partiallyDecodedInstruction struct {
	Accounts    []string `json:"accounts"`
	Data        string   `json:"data"`
	ProgramID   string   `json:"programId"`
	StackHeight *uint32  `json:"stackHeight"`
}

type parsedMessage struct {
	AccountKeys         []parsedAccountKey `json:"accountKeys"`
	Instructions        []any              `json:"instructions"`
	RecentBlockhash     string             `json:"recentBlockhash"`
	AddressTableLookups []uiAddressLookup  `json:"addressTableLookups,omitempty"`
}

type parsedTransaction struct {
	Message    parsedMessage `json:"message"`
	Signatures []string      `json:"signatures"`
}

// encodeTxParsed renders tx with keys resolved through keys (the static keys
// followed by the loaded ones, as execution saw them).
func encodeTxParsed(tx *sol.Transaction, keys []sol.Pubkey) parsedTransaction {
	m := &tx.Message
	if len(keys) < len(m.AccountKeys) {
		keys = m.AccountKeys
	}
	nStatic := len(m.AccountKeys)
	out := parsedTransaction{Signatures: make([]string, len(tx.Signatures)),
		Message: parsedMessage{RecentBlockhash: m.RecentBlockhash.String(), Instructions: make([]any, len(m.Instructions))}}
	for i := range tx.Signatures {
		out.Signatures[i] = tx.Signatures[i].String()
	}
	for i, k := range keys {
		src := "transaction"
		if i >= nStatic {
			src = "lookupTable"
		}
		out.Message.AccountKeys = append(out.Message.AccountKeys, parsedAccountKey{Pubkey: k.String(), Signer: m.IsSigner(i), Source: src, Writable: m.IsWritableByHeader(i)})
	}
	for i := range m.Instructions {
		in := &m.Instructions[i]
		if int(in.ProgramIDIndex) >= len(keys) {
			continue
		}
		program := keys[in.ProgramIDIndex]
		accts := make([]string, 0, len(in.Accounts))
		for _, a := range in.Accounts {
			if int(a) < len(keys) {
				accts = append(accts, keys[a].String())
			}
		}
		if program == svm.SystemProgramID {
			if p, ok := parseSystemInstruction(in.Data, accts); ok {
				out.Message.Instructions[i] = parsedInstruction{Parsed: p, Program: "system", ProgramID: program.String()}
				continue
			}
		}
		out.Message.Instructions[i] = partiallyDecodedInstruction{Accounts: accts, Data: base58.Encode(in.Data), ProgramID: program.String()}
	}
	if m.Version == sol.MessageV0 {
		out.Message.AddressTableLookups = encodeTxJSON(tx).Message.AddressTableLookups
	}
	return out
}

// parseSystemInstruction parses the system instructions wallets send most:
// createAccount, assign, transfer and allocate.
func parseSystemInstruction(data []byte, accts []string) (parsedValue, bool) {
	if len(data) < 4 {
		return parsedValue{}, false
	}
	u64 := func(off int) uint64 { return binary.LittleEndian.Uint64(data[off:]) }
	key := func(off int) string {
		var k sol.Pubkey
		copy(k[:], data[off:off+32])
		return k.String()
	}
	switch tag := binary.LittleEndian.Uint32(data); {
	case tag == 0 && len(data) >= 52 && len(accts) >= 2:
		return parsedValue{Type: "createAccount", Info: map[string]any{"source": accts[0], "newAccount": accts[1],
			"lamports": u64(4), "space": u64(12), "owner": key(20)}}, true
	case tag == 1 && len(data) >= 36 && len(accts) >= 1:
		return parsedValue{Type: "assign", Info: map[string]any{"account": accts[0], "owner": key(4)}}, true
	case tag == 2 && len(data) >= 12 && len(accts) >= 2:
		return parsedValue{Type: "transfer", Info: map[string]any{"source": accts[0], "destination": accts[1], "lamports": u64(4)}}, true
	case tag == 8 && len(data) >= 12 && len(accts) >= 1:
		return parsedValue{Type: "allocate", Info: map[string]any{"account": accts[0], "space": u64(4)}}, true
	}
	return parsedValue{}, false
}
