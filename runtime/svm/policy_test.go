package svm

import (
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// policyCase sets up accounts, has the test program apply ops, and expects
// the access policy to refuse the instruction with want.
type policyCase struct {
	name  string
	setup func(h *harness)
	metas []sol.AccountMeta
	ops   []testOp
	want  InstructionError
}

func TestAccessPolicy_EachRuleRollsBackAndKeepsFee(t *testing.T) {
	own := pubkeyOf("program-owned")        // owned by the test program
	own2 := pubkeyOf("program-owned 2")     // owned by the test program
	foreign := pubkeyOf("system-owned")     // owned by the system program
	other := pubkeyOf("other-program-data") // owned by another program, with data
	exe := pubkeyOf("program-owned exec")   // executable, owned by the test program
	setup := func(h *harness) {
		rich := DefaultRent.MinimumBalance(8) + 1_000_000
		h.store.Set(own, sol.Account{Lamports: rich, Owner: testProgramID, Data: make([]byte, 8)})
		h.store.Set(own2, sol.Account{Lamports: rich, Owner: testProgramID, Data: make([]byte, 8)})
		h.store.Set(foreign, sol.Account{Lamports: rich})
		h.store.Set(other, sol.Account{Lamports: rich, Owner: pubkeyOf("another program"), Data: []byte{1, 2, 3}})
		h.store.Set(exe, sol.Account{Lamports: rich, Owner: testProgramID, Data: []byte{7}, Executable: true})
	}
	wr := func(k sol.Pubkey) sol.AccountMeta { return sol.AccountMeta{Pubkey: k, IsWritable: true} }
	rd := func(k sol.Pubkey) sol.AccountMeta { return sol.AccountMeta{Pubkey: k} }
	cases := []policyCase{
		{name: "1 owner changed by a non-owner", metas: []sol.AccountMeta{wr(foreign), rd(testProgramID)},
			ops: []testOp{setOwner(0, 1)}, want: ErrModifiedProgramID},
		{name: "1 owner changed on a read-only account", metas: []sol.AccountMeta{rd(own), rd(foreign)},
			ops: []testOp{resize(0, 0), setOwner(0, 1)}, want: ErrModifiedProgramID},
		{name: "1 owner changed with non-zero data", metas: []sol.AccountMeta{wr(own), rd(foreign)},
			ops: []testOp{writeData(0, 9), setOwner(0, 1)}, want: ErrModifiedProgramID},
		{name: "2 balance of a foreign account decreased", metas: []sol.AccountMeta{wr(foreign), wr(own)},
			ops: []testOp{addLamports(0, -5), addLamports(1, 5)}, want: ErrExternalAccountLamportSpend},
		{name: "3 balance of a read-only account changed", metas: []sol.AccountMeta{rd(own), wr(own2)},
			ops: []testOp{addLamports(0, 5), addLamports(1, -5)}, want: ErrReadonlyLamportChange},
		{name: "3 balance of an executable account changed", metas: []sol.AccountMeta{wr(exe), wr(own2)},
			ops: []testOp{addLamports(0, 5), addLamports(1, -5)}, want: ErrExecutableLamportChange},
		{name: "4 data size changed by a non-system program", metas: []sol.AccountMeta{wr(own)},
			ops: []testOp{resize(0, 16)}, want: ErrAccountDataSizeChanged},
		{name: "5 data of a foreign account modified", metas: []sol.AccountMeta{wr(other)},
			ops: []testOp{writeData(0, 9)}, want: ErrExternalAccountDataModified},
		{name: "5 data of a read-only account modified", metas: []sol.AccountMeta{rd(own)},
			ops: []testOp{writeData(0, 9)}, want: ErrReadonlyDataModified},
		{name: "5 data of an executable account modified", metas: []sol.AccountMeta{wr(exe)},
			ops: []testOp{writeData(0, 9)}, want: ErrExecutableDataModified},
		{name: "6 executable set by a non-owner", metas: []sol.AccountMeta{wr(foreign)},
			ops: []testOp{setExecutable(0)}, want: ErrExecutableModified},
		{name: "6 executable set on a read-only account", metas: []sol.AccountMeta{rd(own)},
			ops: []testOp{setExecutable(0)}, want: ErrExecutableModified},
		{name: "7 rent epoch modified", metas: []sol.AccountMeta{wr(own)},
			ops: []testOp{setRentEpoch(0, 9)}, want: ErrRentEpochModified},
		{name: "lamports created from nothing", metas: []sol.AccountMeta{wr(own)},
			ops: []testOp{addLamports(0, 1)}, want: ErrUnbalancedInstruction},
		{name: "lamports destroyed", metas: []sol.AccountMeta{wr(own)},
			ops: []testOp{addLamports(0, -1)}, want: ErrUnbalancedInstruction},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			setup(h)
			payerKey, payer := keyFor("payer")
			h.fund(payer, 10_000_000)
			sink := pubkeyOf("sink")
			before := snapshotStore(h)
			// A transfer first, so rollback must undo a successful instruction too.
			r := h.run1(h.tx(payerKey, nil, Transfer(payer, sink, 1_000_000), testInstr(c.metas, c.ops...)))
			wantInstrErr(t, r, 1, c.want)
			if !r.Processed || r.Fee != LamportsPerSignature {
				t.Fatalf("fee not charged: processed=%v fee=%d", r.Processed, r.Fee)
			}
			after := snapshotStore(h)
			for k, a := range before {
				b := after[k]
				if k == payer {
					if b.Lamports != a.Lamports-LamportsPerSignature {
						t.Fatalf("payer has %d, want %d", b.Lamports, a.Lamports-LamportsPerSignature)
					}
					continue
				}
				if isRuntimeRecord(k, a, after[k]) {
					continue
				}
				if !a.Equal(&b) {
					t.Fatalf("account %s changed despite rollback: %+v -> %+v", k, a, b)
				}
			}
			if _, ok := after[sink]; ok {
				t.Fatal("the transfer of the failed transaction was kept")
			}
		})
	}
}

// A program may do all of these to accounts it owns; the policy allows them.
func TestAccessPolicy_OwnerMayModify(t *testing.T) {
	h := newHarness(t)
	own := pubkeyOf("owned")
	own2 := pubkeyOf("owned 2")
	h.store.Set(own, sol.Account{Lamports: 10_000_000, Owner: testProgramID, Data: make([]byte, 8)})
	h.store.Set(own2, sol.Account{Lamports: 10_000_000, Owner: testProgramID})
	payerKey, payer := keyFor("payer")
	h.fund(payer, 10_000_000)
	metas := []sol.AccountMeta{{Pubkey: own, IsWritable: true}, {Pubkey: own2, IsWritable: true}, {Pubkey: SystemProgramID}}
	r := h.run1(h.tx(payerKey, nil, testInstr(metas, writeData(0, 5), addLamports(0, -7), addLamports(1, 7), setOwner(1, 2), setExecutable(0))))
	wantOK(t, r)
	a, b := h.acct(own), h.acct(own2)
	if a.Data[0] != 5 || a.Lamports != 10_000_000-7 || !a.Executable || b.Owner != SystemProgramID || b.Lamports != 10_000_007 {
		t.Fatalf("changes not applied: %+v %+v", a, b)
	}
}

func snapshotStore(h *harness) map[sol.Pubkey]sol.Account {
	m := map[sol.Pubkey]sol.Account{}
	for _, k := range h.store.Keys() {
		a, _, _ := h.store.Account(k)
		m[k] = a.Clone()
	}
	return m
}

// isRuntimeRecord reports whether an account is one the runtime itself
// rewrites every slot (per-slot sysvars, status ledger entries): they are not
// user state and mint their own rent.
func isRuntimeRecord(k sol.Pubkey, accts ...sol.Account) bool {
	if k == SysvarClockID || k == SysvarRecentBlockhashID || k == SysvarSlotHashesID {
		return true
	}
	for _, a := range accts {
		if a.Owner == SysvarOwnerID && k != SysvarRentID && k != SysvarEpochScheduleID {
			return true
		}
	}
	return false
}
