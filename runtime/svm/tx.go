package svm

import (
	"fmt"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// executeTx runs one prepared transaction against the batch state and
// publishes its writes there. The error is non-nil only when the store fails.
func (e *Executor) executeTx(bs *batchState, blk *BlockContext, clock Clock, p *preparedTx) (TxResult, error) {
	res := TxResult{Err: p.err, MessageHash: p.msgHash}
	if p.tx != nil {
		res.Signature = p.tx.Signature()
	}
	if p.err != nil {
		return res, nil
	}
	m := &p.tx.Message
	res.Keys = p.keys

	// The loaded accounts and the transaction's working copies share one
	// allocation.
	n := len(p.keys)
	buf := make([]sol.Account, 2*n)
	loaded, working := buf[:n:n], buf[n:]
	var existsBuf [8]bool
	exists := existsBuf[:0]
	if n <= len(existsBuf) {
		exists = existsBuf[:n]
	} else {
		exists = make([]bool, n)
	}
	for i, k := range p.keys {
		a, ok, err := bs.readSlot(p.slots[i], k)
		if err != nil {
			return res, err
		}
		loaded[i], exists[i] = a, ok
	}

	// Blockhash or durable nonce.
	nonceIdx := -1
	if !blk.blockhashRecent(m.RecentBlockhash) {
		idx, ok := durableNonceIndex(p, loaded, m.RecentBlockhash, blk)
		if !ok {
			res.Err = txErr(BlockhashNotFound, fmt.Sprintf("blockhash %s is unknown or older than %d blocks", m.RecentBlockhash, MaxRecentBlockhashes))
			return res, nil
		}
		nonceIdx = idx
	}

	limits, terr := e.computeLimits(m, blk.Features)
	if terr != nil {
		res.Err = terr
		return res, nil
	}
	fee := saturatingAdd(LamportsPerSignature*uint64(len(p.tx.Signatures)), limits.priorityFee())

	// The fee payer pays before anything runs, and keeps paying if anything fails.
	payer := loaded[0].Clone()
	if terr := validateFeePayer(&payer, exists[0], fee, e.rent); terr != nil {
		res.Err = terr
		return res, nil
	}
	res.Processed = true
	res.Fee = fee
	bal := make([]uint64, 2*n)
	res.PreBalances = balancesInto(bal[:n:n], loaded)

	t := &txContext{
		exec: e, block: blk, clock: clock, read: bs.read,
		keys: p.keys, signer: p.signer, writable: p.writable,
		accounts: working, heapSize: limits.heapSize,
	}
	t.stack = t.stackBuf[:0]
	for i := range loaded {
		t.accounts[i] = loaded[i].Clone()
	}
	t.accounts[0] = payer

	res.Err = e.runInstructions(t, m, limits, exists, &res)
	if res.Err == nil {
		res.Err = e.checkRentStates(t, loaded, payer)
	}
	res.Logs = t.logs.lines
	if res.Err == nil {
		res.Messages = t.messages
	}
	if len(t.returnData) > 0 {
		res.ReturnData = &ReturnData{ProgramID: t.returnProgram, Data: t.returnData}
	}

	if res.Err != nil {
		// Roll back everything but the fee, and the nonce advance of a
		// durable-nonce transaction.
		final := make([]sol.Account, len(loaded))
		copy(final, loaded)
		if nonceIdx >= 0 {
			final[nonceIdx] = advancedNonce(&loaded[nonceIdx], blk)
		}
		if nonceIdx == 0 {
			final[0].Lamports -= fee
		} else {
			final[0] = payer
		}
		t.accounts = final
	}
	res.PostBalances = balancesInto(bal[n:], t.accounts)
	// The working copies are final: the batch state takes them as they are.
	for i := range t.accounts {
		if p.writable[i] && !t.accounts[i].Equal(&loaded[i]) {
			bs.publish(p.slots[i], &t.accounts[i])
		}
	}
	return res, nil
}

// balancesInto fills b (len(accts) long) with the accounts' lamports.
func balancesInto(b []uint64, accts []sol.Account) []uint64 {
	for i := range accts {
		b[i] = accts[i].Lamports
	}
	return b
}

// validateFeePayer checks the payer can pay fee and debits it, as Solana's
// validate_fee_payer: it must exist, be a system account (plain or nonce),
// keep a nonce account's rent-exempt minimum, and not become rent-paying.
func validateFeePayer(payer *sol.Account, exists bool, fee uint64, rent Rent) *TransactionError {
	if !exists {
		return txErr(AccountNotFound, "the fee payer has no lamports")
	}
	minBalance := uint64(0)
	switch {
	case payer.Owner != SystemProgramID:
		return txErr(InvalidAccountForFee, fmt.Sprintf("the fee payer is owned by %s, not the system program", payer.Owner))
	case len(payer.Data) == 0:
	case len(payer.Data) == NonceAccountSize:
		minBalance = rent.MinimumBalance(NonceAccountSize)
	default:
		return txErr(InvalidAccountForFee, "the fee payer holds data")
	}
	if payer.Lamports < minBalance || payer.Lamports-minBalance < fee {
		return txErr(InsufficientFundsForFee, fmt.Sprintf("the fee payer has %d lamports, the fee is %d", payer.Lamports, fee))
	}
	pre := rent.stateOf(payer)
	payer.Lamports -= fee
	if !rent.stateOf(payer).transitionAllowed(pre) {
		return &TransactionError{Kind: InsufficientFundsForRent, Index: 0, Detail: "paying the fee would leave the fee payer below the rent-exempt minimum"}
	}
	return nil
}

// runInstructions checks the programs and executes each top-level instruction.
func (e *Executor) runInstructions(t *txContext, m *sol.Message, limits computeLimits, exists []bool, res *TxResult) *TransactionError {
	for i := range m.Instructions {
		pi := int(m.Instructions[i].ProgramIDIndex)
		id := t.keys[pi]
		if _, builtin := e.programs[id]; builtin {
			continue
		}
		if !exists[pi] {
			return txErr(ProgramAccountNotFound, fmt.Sprintf("program %s does not exist", id))
		}
		if !t.accounts[pi].Executable {
			return txErr(InvalidProgramForExecution, fmt.Sprintf("account %s is not executable", id))
		}
	}
	var txMeter *Meter
	if limits.txWide {
		txMeter = NewMeter(limits.unitLimit)
	}
	// One allocation for every top-level instruction's context and one for
	// their accounts.
	ctxs := make([]InvokeContext, len(m.Instructions))
	nAccounts := 0
	for i := range m.Instructions {
		nAccounts += len(m.Instructions[i].Accounts)
	}
	instrAccounts := make([]InstrAccount, nAccounts)
	for i := range m.Instructions {
		ci := &m.Instructions[i]
		t.meter = txMeter
		if t.meter == nil {
			// Each instruction has a meter of its own; nothing holds the
			// previous one once its instruction returned.
			t.instrMeter = Meter{remaining: e.budget.MaxUnits, limit: e.budget.MaxUnits}
			t.meter = &t.instrMeter
		}
		ctx := &ctxs[i]
		*ctx = InvokeContext{tx: t, ProgramID: t.keys[ci.ProgramIDIndex], Data: ci.Data, StackHeight: 1}
		na := len(ci.Accounts)
		ctx.accounts, instrAccounts = instrAccounts[:na:na], instrAccounts[na:]
		for j, a := range ci.Accounts {
			ctx.accounts[j] = InstrAccount{Key: t.keys[a], Signer: t.signer[a], Writable: t.writable[a], Account: &t.accounts[a], TxIndex: int(a)}
		}
		err := t.process(ctx, &t.accounts[ci.ProgramIDIndex])
		if txMeter == nil {
			res.UnitsConsumed += t.meter.Consumed()
		}
		if err != nil {
			if txMeter != nil {
				res.UnitsConsumed = txMeter.Consumed()
			}
			ie, _ := err.(InstructionError)
			return instrErr(i, ie)
		}
	}
	if txMeter != nil {
		res.UnitsConsumed = txMeter.Consumed()
	}
	return nil
}

// checkRentStates refuses a transaction that leaves a writable account
// rent-paying when it was not (Solana's rent-state transition rule).
func (e *Executor) checkRentStates(t *txContext, loaded []sol.Account, payerAfterFee sol.Account) *TransactionError {
	for i := range t.accounts {
		if !t.writable[i] {
			continue
		}
		pre := &loaded[i]
		if i == 0 {
			pre = &payerAfterFee
		}
		if !e.rent.stateOf(&t.accounts[i]).transitionAllowed(e.rent.stateOf(pre)) {
			return &TransactionError{Kind: InsufficientFundsForRent, Index: uint8(i),
				Detail: fmt.Sprintf("account %s would hold %d lamports, below the rent-exempt minimum", t.keys[i], t.accounts[i].Lamports)}
		}
	}
	return nil
}
