package svm

import (
	"bytes"
	"encoding/binary"
	"math/rand"
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

func TestExecuteBatch_RefusalsBeforeFee(t *testing.T) {
	f := newSystemFixture(t)
	to := pubkeyOf("to")
	good := f.tx(f.payerKey, nil, Transfer(f.payer, to, rentFor0))

	badSig := append([]byte(nil), good...)
	badSig[10] ^= 1
	unknownHash := signTx(t, sol.Hash{1, 2, 3}, f.payerKey, nil, Transfer(f.payer, to, rentFor0))
	poorKey, poor := keyFor("poor")
	f.fund(poor, 100)
	poorTx := f.tx(poorKey, nil, Transfer(poor, to, 1))
	ghostKey, _ := keyFor("ghost")
	ghostTx := f.tx(ghostKey, nil, Transfer(pubkeyOf("ghost"), to, 1))
	ownedKey, owned := keyFor("owned payer")
	f.store.Set(owned, sol.Account{Lamports: 1_000_000_000, Owner: otherOwner})
	ownedTx := f.tx(ownedKey, nil, Transfer(owned, to, 1))
	// Paying the fee would leave the payer rent-paying.
	thinKey, thin := keyFor("thin payer")
	f.fund(thin, rentFor0+LamportsPerSignature-1)
	thinTx := f.tx(thinKey, nil, testInstr(nil))

	res := f.run(good, good, badSig, unknownHash, poorTx, ghostTx, ownedTx, thinTx, []byte{0xff})
	want := []struct {
		processed bool
		kind      TxErrKind
	}{
		{true, 0}, {false, AlreadyProcessed}, {false, SignatureFailure}, {false, BlockhashNotFound},
		{false, InsufficientFundsForFee}, {false, AccountNotFound}, {false, InvalidAccountForFee},
		{false, InsufficientFundsForRent}, {false, SanitizeFailure},
	}
	for i, w := range want {
		r := res.Results[i]
		if r.Processed != w.processed || (w.processed && r.Err != nil) || (!w.processed && (r.Err == nil || r.Err.Kind != w.kind)) {
			t.Errorf("tx %d: processed=%v err=%v, want processed=%v %v", i, r.Processed, r.Err, w.processed, w.kind)
		}
		if !r.Processed && r.Fee != 0 {
			t.Errorf("tx %d: refused but charged %d", i, r.Fee)
		}
	}
	// Replayed in a later batch: the status cache refuses it.
	wantTxErr(t, f.run1(good), AlreadyProcessed)
	if f.acct(poor).Lamports != 100 || f.acct(thin).Lamports != rentFor0+LamportsPerSignature-1 {
		t.Fatal("a refused transaction changed its payer")
	}
}

func TestExecuteBatch_ProgramChecksChargeFee(t *testing.T) {
	f := newSystemFixture(t)
	missing := sol.Instruction{ProgramID: pubkeyOf("no such program")}
	r := f.send(nil, missing)
	wantTxErr(t, r, ProgramAccountNotFound)
	if !r.Processed || r.Fee != LamportsPerSignature {
		t.Fatal("fee not charged")
	}
	data := pubkeyOf("a data account")
	f.fund(data, rentFor0)
	wantTxErr(t, f.send(nil, sol.Instruction{ProgramID: data}), InvalidProgramForExecution)
	// Executable, but owned by no registered loader.
	exe := pubkeyOf("orphan executable")
	f.store.Set(exe, sol.Account{Lamports: rentFor0, Owner: otherOwner, Executable: true})
	wantInstrErr(t, f.send(nil, sol.Instruction{ProgramID: exe}), 0, ErrUnsupportedProgramID)
}

func TestExecuteBatch_WritableDemotion(t *testing.T) {
	f := newSystemFixture(t)
	// A sysvar requested writable is demoted, so a transfer into it fails the
	// policy instead of changing it.
	r := f.send(nil, Transfer(f.payer, SysvarClockID, 1))
	wantInstrErr(t, r, 0, ErrReadonlyLamportChange)
}

func TestExecuteBatch_V0AddressLookup(t *testing.T) {
	f := newSystemFixture(t)
	table := pubkeyOf("lookup table")
	dest := pubkeyOf("looked-up destination")
	data := make([]byte, lookupTableMetaSize)
	binary.LittleEndian.PutUint32(data, 1)
	binary.LittleEndian.PutUint64(data[4:], ^uint64(0))
	data = append(data, dest[:]...)
	f.store.Set(table, sol.Account{Lamports: DefaultRent.MinimumBalance(len(data)), Owner: AddressLookupTableID, Data: data})

	v0 := func(tableKey sol.Pubkey, index uint8) []byte {
		m := sol.Message{
			Version:         sol.MessageV0,
			Header:          sol.MessageHeader{NumRequiredSignatures: 1, NumReadonlyUnsignedAccounts: 1},
			AccountKeys:     []sol.Pubkey{f.payer, SystemProgramID},
			RecentBlockhash: f.latest(),
			Instructions: []sol.CompiledInstruction{{ProgramIDIndex: 1, Accounts: []uint8{0, 2},
				Data: Transfer(f.payer, dest, rentFor0).Data}},
			AddressTableLookups: []sol.AddressTableLookup{{AccountKey: tableKey, WritableIndexes: []uint8{index}}},
		}
		tx := sol.Transaction{Message: m}
		if err := tx.Sign(f.payerKey); err != nil {
			t.Fatal(err)
		}
		b, _ := tx.MarshalBinary()
		return b
	}
	r := f.run1(v0(table, 0))
	wantOK(t, r)
	if f.acct(dest).Lamports != rentFor0 || len(r.Keys) != 3 || r.Keys[2] != dest {
		t.Fatalf("lookup transfer did not land: keys %v", r.Keys)
	}
	wantTxErr(t, f.run1(v0(pubkeyOf("no table"), 0)), AddressLookupTableNotFound)
	wantTxErr(t, f.run1(v0(table, 1)), InvalidAddressLookupTableIndex)
	wantTxErr(t, f.run1(v0(f.payer, 0)), InvalidAddressLookupTableOwner)
}

func TestExecuteBatch_SysvarsFollowTheBlock(t *testing.T) {
	f := newSystemFixture(t)
	f.epoch = 3
	f.run()
	c, err := DecodeClock(f.acct(SysvarClockID).Data)
	if err != nil {
		t.Fatal(err)
	}
	if c.Slot != f.slot-1 || c.Epoch != 3 || c.UnixTimestamp != 1_700_000_000+int64(f.slot-1) {
		t.Fatalf("clock %+v", c)
	}
	rb := f.acct(SysvarRecentBlockhashID).Data
	if n := binary.LittleEndian.Uint64(rb); n != uint64(len(f.blockhashes)-1) {
		t.Fatalf("recent blockhashes holds %d", n)
	}
	if len(f.acct(SysvarRentID).Data) != 17 || len(f.acct(SysvarEpochScheduleID).Data) != 33 {
		t.Fatal("genesis sysvars missing")
	}
}

func TestInvoke_CrossProgramRules(t *testing.T) {
	f := newSystemFixture(t)
	caller := pubkeyOf("cpi caller")
	f.exec.programs[caller] = NativeProgramFunc(func(ctx *InvokeContext) error {
		// Data: [mode]. Accounts: 0 target, 1 system program, 2 (optional) self.
		target, err := ctx.Account(0)
		if err != nil {
			return err
		}
		switch ctx.Data[0] {
		case 0: // transfer from a signer the caller holds
			return ctx.Invoke(Transfer(target.Key, pubkeyOf("cpi sink"), rentFor0), nil)
		case 1: // ask for a signature nobody gave
			return ctx.Invoke(Transfer(target.Key, pubkeyOf("cpi sink"), 1), nil)
		case 2: // a PDA signer vouched for by seeds
			pda, _, _ := sol.FindProgramAddress([][]byte{[]byte("vault")}, caller)
			return ctx.Invoke(Transfer(pda, pubkeyOf("cpi sink"), rentFor0), []sol.Pubkey{pda})
		case 3: // recurse forever through itself
			return ctx.Invoke(sol.Instruction{ProgramID: caller, Accounts: []sol.AccountMeta{{Pubkey: target.Key}, {Pubkey: SystemProgramID}, {Pubkey: caller}}, Data: []byte{3}}, nil)
		case 4: // write escalation
			return ctx.Invoke(sol.Instruction{ProgramID: SystemProgramID, Accounts: []sol.AccountMeta{{Pubkey: target.Key, IsWritable: true}}, Data: Allocate(target.Key, 1).Data}, nil)
		case 5: // a program not among the accounts
			return ctx.Invoke(sol.Instruction{ProgramID: testProgramID}, nil)
		}
		return ErrInvalidInstructionData
	})
	f.store.Set(caller, sol.Account{Lamports: rentFor0, Owner: NativeLoaderID, Executable: true})
	call := func(mode byte, target sol.AccountMeta) sol.Instruction {
		return sol.Instruction{ProgramID: caller, Data: []byte{mode},
			Accounts: []sol.AccountMeta{target, {Pubkey: SystemProgramID}, {Pubkey: caller}, {Pubkey: pubkeyOf("cpi sink"), IsWritable: true}}}
	}
	r := f.send(nil, call(0, sol.AccountMeta{Pubkey: f.payer, IsSigner: true, IsWritable: true}))
	wantOK(t, r)
	if f.acct(pubkeyOf("cpi sink")).Lamports != rentFor0 || r.Logs[1] != "Program 11111111111111111111111111111111 invoke [2]" {
		t.Fatalf("cpi transfer failed; logs %q", r.Logs)
	}
	_, wallet := keyFor("unsigned wallet")
	f.fund(wallet, 3*rentFor0)
	wantInstrErr(t, f.send(nil, call(1, sol.AccountMeta{Pubkey: wallet, IsWritable: true})), 0, ErrPrivilegeEscalation)

	pda, _, _ := sol.FindProgramAddress([][]byte{[]byte("vault")}, caller)
	f.fund(pda, 3*rentFor0)
	wantOK(t, f.send(nil, call(2, sol.AccountMeta{Pubkey: pda, IsWritable: true})))

	wantInstrErr(t, f.send(nil, call(3, sol.AccountMeta{Pubkey: wallet})), 0, ErrCallDepth)
	wantInstrErr(t, f.send(nil, call(4, sol.AccountMeta{Pubkey: wallet})), 0, ErrPrivilegeEscalation)
	wantInstrErr(t, f.send(nil, call(5, sol.AccountMeta{Pubkey: wallet})), 0, ErrMissingAccount)
}

func TestInvoke_Reentrancy(t *testing.T) {
	f := newSystemFixture(t)
	a, b := pubkeyOf("program a"), pubkeyOf("program b")
	metas := []sol.AccountMeta{{Pubkey: a}, {Pubkey: b}}
	f.exec.programs[a] = NativeProgramFunc(func(ctx *InvokeContext) error {
		if ctx.StackHeight > 1 {
			return nil
		}
		return ctx.Invoke(sol.Instruction{ProgramID: b, Accounts: metas}, nil)
	})
	f.exec.programs[b] = NativeProgramFunc(func(ctx *InvokeContext) error {
		return ctx.Invoke(sol.Instruction{ProgramID: a, Accounts: metas}, nil)
	})
	wantInstrErr(t, f.send(nil, sol.Instruction{ProgramID: a, Accounts: metas}), 0, ErrReentrancyNotAllowed)
}

func TestExecuteBatch_PanickingProgramFailsCleanly(t *testing.T) {
	f := newSystemFixture(t)
	bad := pubkeyOf("panicking program")
	f.exec.programs[bad] = NativeProgramFunc(func(*InvokeContext) error { panic("boom") })
	wantInstrErr(t, f.send(nil, sol.Instruction{ProgramID: bad}), 0, ErrProgramFailedToComplete)
}

func TestInvoke_FailedCalleeLeavesNoWrites(t *testing.T) {
	f := newSystemFixture(t)
	own := pubkeyOf("callee-owned")
	f.store.Set(own, sol.Account{Lamports: 10_000_000, Owner: testProgramID, Data: []byte{0}})
	caller := pubkeyOf("forgiving caller")
	f.exec.programs[caller] = NativeProgramFunc(func(ctx *InvokeContext) error {
		// The callee writes, then fails; the caller ignores the failure.
		err := ctx.Invoke(testInstr([]sol.AccountMeta{{Pubkey: own, IsWritable: true}}, writeData(0, 9), fail(3)), nil)
		if err != NewCustomError(3) {
			return ErrGeneric
		}
		return nil
	})
	metas := []sol.AccountMeta{{Pubkey: own, IsWritable: true}, {Pubkey: testProgramID}}
	wantOK(t, f.send(nil, sol.Instruction{ProgramID: caller, Accounts: metas}))
	if f.acct(own).Data[0] != 0 {
		t.Fatal("the failed callee's write was kept")
	}
}

// The status ledger in state refuses replays without any node-local cache,
// and forgets a blockhash's entries once it leaves the recent window.
func TestStatusLedger_ReplayAndExpiry(t *testing.T) {
	h := newHarness(t, WithStatusChecker(nil))
	payerKey, payer := keyFor("payer")
	h.fund(payer, 1_000_000_000)
	bh := h.latest()
	tx := h.tx(payerKey, nil, Transfer(payer, pubkeyOf("to"), rentFor0))
	other := h.tx(payerKey, nil, Transfer(payer, pubkeyOf("to"), rentFor0+1))
	wantOK(t, h.run1(tx))
	entry, ok, _ := h.store.Account(StatusAccountID(bh))
	if !ok || len(entry.Data) != sol.HashSize || entry.Owner != SysvarOwnerID {
		t.Fatalf("status entry %+v", entry)
	}
	res := h.run(tx, other)
	wantTxErr(t, res.Results[0], AlreadyProcessed)
	wantOK(t, res.Results[1])
	if e, _, _ := h.store.Account(StatusAccountID(bh)); len(e.Data) != 2*sol.HashSize {
		t.Fatalf("entry holds %d bytes", len(e.Data))
	}
	for i := 0; i < MaxRecentBlockhashes; i++ {
		h.run()
	}
	if _, ok, _ := h.store.Account(StatusAccountID(bh)); ok {
		t.Fatal("the entry of an expired blockhash was kept")
	}
	wantTxErr(t, h.run1(tx), BlockhashNotFound)
}

// The Clock's epoch start is the timestamp of the epoch's first block, kept
// from block to block in state, and its leader-schedule epoch follows the
// schedule, as in Solana.
func TestExecuteBatch_ClockEpochStart(t *testing.T) {
	sched := NewEpochSchedule(64, 64, true) // warmup: epoch 0 is slots 0–31
	h := newHarness(t, WithEpochSchedule(sched))
	clock := func() Clock {
		t.Helper()
		c, err := DecodeClock(h.acct(SysvarClockID).Data)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	h.run()
	first := clock()
	if first.EpochStartTimestamp != first.UnixTimestamp || first.LeaderScheduleEpoch != sched.LeaderScheduleEpoch(first.Slot) {
		t.Fatalf("first block's clock %+v", first)
	}
	h.run()
	if c := clock(); c.EpochStartTimestamp != first.UnixTimestamp || c.UnixTimestamp == first.UnixTimestamp {
		t.Fatalf("same epoch: clock %+v, epoch started at %d", c, first.UnixTimestamp)
	}
	for h.slot < 32 {
		h.advance()
	}
	h.epoch, _ = sched.EpochOf(h.slot)
	h.run()
	c := clock()
	if c.Epoch != 1 || c.EpochStartTimestamp != c.UnixTimestamp || c.LeaderScheduleEpoch != 2 {
		t.Fatalf("first block of epoch 1: clock %+v", c)
	}
}

func TestCompareKeys(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	keys := make([]sol.Pubkey, 200)
	for i := range keys {
		rng.Read(keys[i][:])
		if i%3 == 0 && i > 0 {
			copy(keys[i][:8+rng.Intn(24)], keys[i-1][:]) // long shared prefixes
		}
	}
	keys = append(keys, keys[5])
	for i := range keys {
		for j := range keys {
			if got, want := compareKeys(&keys[i], &keys[j]), bytes.Compare(keys[i][:], keys[j][:]); got != want {
				t.Fatalf("%x vs %x: %d, want %d", keys[i], keys[j], got, want)
			}
		}
	}
}
