package loader

import (
	"crypto/ed25519"
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

const chunk = 900

func TestLoader2_DeployWithWriteFinalizeThenInvoke(t *testing.T) {
	c := newChain(t)
	so := build(t, c.rt, "hello")
	progKey, prog := key("loader2 program")
	wantOK(t, c.send([]ed25519.PrivateKey{progKey},
		svm.CreateAccount(c.payer, prog, svm.DefaultRent.MinimumBalance(len(so)), uint64(len(so)), svm.BPFLoader2ID)))
	for off := 0; off < len(so); off += chunk {
		end := min(off+chunk, len(so))
		wantOK(t, c.send([]ed25519.PrivateKey{progKey}, Loader2Write(prog, uint32(off), so[off:end])))
	}
	// Invoking before Finalize: the account is not executable.
	if r := c.send(nil, sol.Instruction{ProgramID: prog}); r.Err == nil || r.Err.Kind != svm.InvalidProgramForExecution {
		t.Fatalf("invoked an unfinalized program: %v", r.Err)
	}
	wantOK(t, c.send([]ed25519.PrivateKey{progKey}, Loader2Finalize(prog)))
	if !c.acct(prog).Executable {
		t.Fatal("finalize did not mark the program executable")
	}
	r := c.send(nil, sol.Instruction{ProgramID: prog, Data: []byte{1, 2, 3}})
	wantOK(t, r)
	if !hasLog(r, "Program log: hello from C") || !hasLog(r, "compute units") {
		t.Fatalf("logs: %q", r.Logs)
	}
	if r.ReturnData == nil || string(r.ReturnData.Data) != "ok" || r.ReturnData.ProgramID != prog {
		t.Fatalf("return data %+v", r.ReturnData)
	}
	if r.UnitsConsumed < 100 || r.UnitsConsumed > 5000 {
		t.Fatalf("units consumed %d", r.UnitsConsumed)
	}
}

func TestLoader2_FinalizeRejectsGarbage(t *testing.T) {
	c := newChain(t)
	progKey, prog := key("garbage program")
	garbage := []byte("\x7fELF this is not a program")
	wantOK(t, c.send([]ed25519.PrivateKey{progKey},
		svm.CreateAccount(c.payer, prog, svm.DefaultRent.MinimumBalance(len(garbage)), uint64(len(garbage)), svm.BPFLoader2ID),
		Loader2Write(prog, 0, garbage)))
	wantInstrErr(t, c.send([]ed25519.PrivateKey{progKey}, Loader2Finalize(prog)), 0, svm.ErrInvalidAccountData)
	wantInstrErr(t, c.send(nil, func() sol.Instruction {
		ix := Loader2Write(prog, 0, []byte{1})
		ix.Accounts[0].IsSigner = false
		return ix
	}()), 0, svm.ErrMissingRequiredSignature)
}

// deployUpgradeable runs the transactions `solana program deploy` sends:
// create and fill a buffer, then create the program account and deploy.
func deployUpgradeable(t *testing.T, c *chain, so []byte, progKey ed25519.PrivateKey, prog sol.Pubkey, bufName string) {
	t.Helper()
	bufKey, buf := key(bufName)
	size := BufferMetadataSize + len(so)
	wantOK(t, c.send([]ed25519.PrivateKey{bufKey},
		svm.CreateAccount(c.payer, buf, svm.DefaultRent.MinimumBalance(size), uint64(size), svm.BPFLoaderUpgradeableID),
		InitializeBuffer(buf, c.payer)))
	for off := 0; off < len(so); off += chunk {
		end := min(off+chunk, len(so))
		wantOK(t, c.send(nil, WriteBuffer(buf, c.payer, uint32(off), so[off:end])))
	}
	if progKey == nil {
		return
	}
	wantOK(t, c.send([]ed25519.PrivateKey{progKey},
		svm.CreateAccount(c.payer, prog, svm.DefaultRent.MinimumBalance(ProgramAccountSize), ProgramAccountSize, svm.BPFLoaderUpgradeableID),
		DeployWithMaxDataLen(c.payer, prog, buf, c.payer, uint64(2*len(so)))))
	if _, exists, _ := c.store.Account(buf); exists {
		t.Fatal("deploy must drain the buffer")
	}
}

func TestUpgradeable_DeployUpgradeInvokeClose(t *testing.T) {
	c := newChain(t)
	v1 := build(t, c.rt, "hello", "VERSION=1")
	v2 := build(t, c.rt, "hello", "VERSION=2")
	progKey, prog := key("upgradeable program")
	deployUpgradeable(t, c, v1, progKey, prog, "buffer 1")

	st, err := DecodeUpgradeableState(c.acct(prog).Data)
	if err != nil || st.Kind != stateProgram || st.ProgramData != ProgramDataAddress(prog) || !c.acct(prog).Executable {
		t.Fatalf("program account %+v, %v", st, err)
	}
	pd, _ := DecodeUpgradeableState(c.acct(ProgramDataAddress(prog)).Data)
	if pd.Authority == nil || *pd.Authority != c.payer || pd.DeploySlot != c.slot-1 {
		t.Fatalf("programdata %+v", pd)
	}

	out := pub("output account")
	c.store.Set(out, sol.Account{Lamports: svm.DefaultRent.MinimumBalance(1), Data: []byte{0}, Owner: prog})
	call := sol.Instruction{ProgramID: prog, Accounts: []sol.AccountMeta{{Pubkey: out, IsWritable: true}}}
	wantOK(t, c.send(nil, call))
	if c.acct(out).Data[0] != 1 {
		t.Fatal("version 1 did not run")
	}

	// Upgrade, then the same slot still sees nothing new, the next slot runs v2.
	deployUpgradeable(t, c, v2, nil, prog, "buffer 2")
	_, buf2 := key("buffer 2")
	res := c.run(c.tx(nil, Upgrade(prog, buf2, c.payer, c.payer)), c.tx(nil, call))
	wantOK(t, res[0])
	wantInstrErr(t, res[1], 0, svm.ErrUnsupportedProgramID)
	wantOK(t, c.send(nil, call))
	if c.acct(out).Data[0] != 2 {
		t.Fatal("version 2 did not run after the upgrade")
	}

	// A wrong authority cannot upgrade; a removed authority makes it immutable.
	deployUpgradeable(t, c, v1, nil, prog, "buffer 3")
	_, buf3 := key("buffer 3")
	intruderKey, intruder := key("intruder")
	c.store.Set(intruder, sol.Account{Lamports: 1_000_000_000})
	wantInstrErr(t, c.send([]ed25519.PrivateKey{intruderKey}, Upgrade(prog, buf3, intruder, c.payer)), 0, svm.ErrIncorrectAuthority)

	wantOK(t, c.send(nil, CloseProgram(prog, c.payer, c.payer)))
	if r := c.send(nil, call); r.Err == nil || !hasLog(r, "Program is not deployed") {
		t.Fatalf("a closed program ran: %v %q", r.Err, r.Logs)
	}
}

func TestUpgradeable_ImmutableAfterAuthorityRemoved(t *testing.T) {
	c := newChain(t)
	so := build(t, c.rt, "hello")
	progKey, prog := key("immutable program")
	deployUpgradeable(t, c, so, progKey, prog, "imm buffer 1")
	wantOK(t, c.send(nil, SetUpgradeAuthority(ProgramDataAddress(prog), c.payer, nil)))
	deployUpgradeable(t, c, so, nil, prog, "imm buffer 2")
	_, buf := key("imm buffer 2")
	wantInstrErr(t, c.send(nil, Upgrade(prog, buf, c.payer, c.payer)), 0, svm.InstructionError{Kind: svm.Immutable})
	// The buffer's own authority cannot be removed.
	wantInstrErr(t, c.send(nil, SetUpgradeAuthority(buf, c.payer, nil)), 0, svm.ErrIncorrectAuthority)
	wantOK(t, c.send(nil, CloseBuffer(buf, c.payer, c.payer)))
}
