package loader

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

func TestCPI_CreateAccountWithPDASigner(t *testing.T) {
	c := newChain(t)
	prog := pub("cpi create program")
	c.install(prog, build(t, c.rt, "cpi_create"))
	pda, bump, err := sol.FindProgramAddress([][]byte{[]byte("vault")}, prog)
	if err != nil {
		t.Fatal(err)
	}
	lamports := svm.DefaultRent.MinimumBalance(24)
	data := append([]byte{bump}, binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, lamports), 24)...)
	ix := sol.Instruction{ProgramID: prog, Data: data, Accounts: []sol.AccountMeta{
		{Pubkey: c.payer, IsSigner: true, IsWritable: true}, {Pubkey: pda, IsWritable: true}, {Pubkey: svm.SystemProgramID},
	}}
	r := c.send(nil, ix)
	wantOK(t, r)
	a := c.acct(pda)
	if a.Lamports != lamports || len(a.Data) != 24 || a.Owner != prog {
		t.Fatalf("PDA account %+v", a)
	}
	if !hasLog(r, "Program 11111111111111111111111111111111 invoke [2]") || !hasLog(r, "Program log: created") {
		t.Fatalf("logs %q", r.Logs)
	}
	// A wrong bump derives another address: the callee sees no signer.
	c2 := newChain(t)
	c2.install(prog, build(t, c2.rt, "cpi_create"))
	data[0] = bump - 1
	wrong := c2.send(nil, ix)
	if wrong.Err == nil {
		t.Fatal("a wrong bump created the account")
	}
	if _, exists, _ := c2.store.Account(pda); exists {
		t.Fatal("account exists after a failed creation")
	}
}

func TestCPI_DepthLimit(t *testing.T) {
	c := newChain(t)
	prog := pub("cpi depth program")
	c.install(prog, build(t, c.rt, "cpi_depth"))
	call := func(n byte) svm.TxResult {
		return c.send(nil, sol.Instruction{ProgramID: prog, Data: []byte{n}, Accounts: []sol.AccountMeta{{Pubkey: prog}}})
	}
	// Four nested invocations reach stack height 5: allowed.
	r := call(4)
	wantOK(t, r)
	if !hasLog(r, fmt.Sprintf("Program %s invoke [5]", prog)) {
		t.Fatalf("logs %q", r.Logs)
	}
	wantInstrErr(t, call(5), 0, svm.ErrCallDepth)
}

// TestVM_PolicyViolations runs one sBPF program per rule of the access
// policy that a program's input region can express; each must be refused
// and rolled back. (Executable and rent_epoch are not read back from the
// input region, as in Solana, so rules 6 and 7 are covered by native tests.)
func TestVM_PolicyViolations(t *testing.T) {
	cases := []struct {
		rule  int
		setup func(c *chain, prog sol.Pubkey) []sol.AccountMeta
		want  svm.InstructionError
	}{
		{1, func(c *chain, prog sol.Pubkey) []sol.AccountMeta {
			a := pub("sys owned")
			c.store.Set(a, sol.Account{Lamports: 10_000_000})
			return []sol.AccountMeta{{Pubkey: a, IsWritable: true}, {Pubkey: pub("unused")}}
		}, svm.ErrModifiedProgramID},
		{2, func(c *chain, prog sol.Pubkey) []sol.AccountMeta {
			a, b := pub("sys owned"), pub("prog owned")
			c.store.Set(a, sol.Account{Lamports: 10_000_000})
			c.store.Set(b, sol.Account{Lamports: 10_000_000, Owner: prog})
			return []sol.AccountMeta{{Pubkey: a, IsWritable: true}, {Pubkey: b, IsWritable: true}}
		}, svm.ErrExternalAccountLamportSpend},
		{3, func(c *chain, prog sol.Pubkey) []sol.AccountMeta {
			a, b := pub("prog owned ro"), pub("prog owned")
			c.store.Set(a, sol.Account{Lamports: 10_000_000, Owner: prog})
			c.store.Set(b, sol.Account{Lamports: 10_000_000, Owner: prog})
			return []sol.AccountMeta{{Pubkey: a}, {Pubkey: b, IsWritable: true}}
		}, svm.ErrReadonlyLamportChange},
		{4, func(c *chain, prog sol.Pubkey) []sol.AccountMeta {
			a := pub("prog owned data")
			c.store.Set(a, sol.Account{Lamports: 10_000_000, Owner: prog, Data: make([]byte, 8)})
			return []sol.AccountMeta{{Pubkey: a, IsWritable: true}, {Pubkey: pub("unused")}}
		}, svm.ErrAccountDataSizeChanged},
		{5, func(c *chain, prog sol.Pubkey) []sol.AccountMeta {
			a := pub("other owned data")
			c.store.Set(a, sol.Account{Lamports: 10_000_000, Owner: pub("another program"), Data: make([]byte, 8)})
			return []sol.AccountMeta{{Pubkey: a, IsWritable: true}, {Pubkey: pub("unused")}}
		}, svm.ErrExternalAccountDataModified},
		{8, func(c *chain, prog sol.Pubkey) []sol.AccountMeta {
			a := pub("prog owned")
			c.store.Set(a, sol.Account{Lamports: 10_000_000, Owner: prog})
			return []sol.AccountMeta{{Pubkey: a, IsWritable: true}, {Pubkey: pub("unused")}}
		}, svm.ErrUnbalancedInstruction},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("rule %d", tc.rule), func(t *testing.T) {
			c := newChain(t)
			prog := pub("violator")
			c.install(prog, build(t, c.rt, "violate", fmt.Sprintf("RULE=%d", tc.rule)))
			metas := tc.setup(c, prog)
			before := map[sol.Pubkey]sol.Account{}
			for _, m := range metas {
				before[m.Pubkey] = c.acct(m.Pubkey)
			}
			payerBefore := c.acct(c.payer).Lamports
			r := c.send(nil, sol.Instruction{ProgramID: prog, Accounts: metas})
			wantInstrErr(t, r, 0, tc.want)
			for k, a := range before {
				if b := c.acct(k); !a.Equal(&b) {
					t.Fatalf("%s changed despite rollback", k)
				}
			}
			if c.acct(c.payer).Lamports != payerBefore-svm.LamportsPerSignature {
				t.Fatal("fee not kept")
			}
		})
	}
}

func TestCPI_RustABI(t *testing.T) {
	c := newChain(t)
	prog := pub("rust abi program")
	c.install(prog, build(t, c.rt, "cpi_rust_abi"))
	to := pub("rust abi payee")
	amount := svm.DefaultRent.MinimumBalance(0)
	before := c.acct(c.payer).Lamports
	r := c.send(nil, sol.Instruction{ProgramID: prog, Data: binary.LittleEndian.AppendUint64(nil, amount), Accounts: []sol.AccountMeta{
		{Pubkey: c.payer, IsSigner: true, IsWritable: true}, {Pubkey: to, IsWritable: true}, {Pubkey: svm.SystemProgramID},
	}})
	wantOK(t, r)
	if c.acct(to).Lamports != amount || c.acct(c.payer).Lamports != before-amount-svm.LamportsPerSignature {
		t.Fatal("transfer through the Rust ABI did not land")
	}
	want := fmt.Sprintf("Program log: %#x, %#x, 0x0, 0x0, 0x0", before-amount-svm.LamportsPerSignature, amount)
	if !hasLog(r, want) {
		t.Fatalf("caller did not see the callee's balances: want %q in %q", want, r.Logs)
	}
}
