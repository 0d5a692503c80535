package loader

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"

	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/vm/sbpf/link"
)

// chain runs an executor with the loaders over a MapStore, one slot per batch.
type chain struct {
	t        testing.TB
	rt       *Runtime
	store    *svm.MapStore
	exec     *svm.Executor
	slot     uint64
	hashes   []svm.BlockhashEntry
	payerKey ed25519.PrivateKey
	payer    sol.Pubkey
}

func newChain(t testing.TB) *chain {
	rt, err := New()
	if err != nil {
		t.Fatal(err)
	}
	c := &chain{t: t, rt: rt, store: svm.NewMapStore()}
	c.exec = svm.NewExecutor(c.store, rt.Options()...)
	if err := c.store.Apply(c.exec.GenesisAccounts()); err != nil {
		t.Fatal(err)
	}
	c.payerKey, c.payer = key("payer")
	c.store.Set(c.payer, sol.Account{Lamports: 1_000_000_000_000})
	c.next()
	return c
}

func (c *chain) next() {
	h := sha256.Sum256(binary.LittleEndian.AppendUint64(nil, c.slot))
	c.hashes = append([]svm.BlockhashEntry{{Slot: c.slot, Hash: h}}, c.hashes...)
	c.slot++
}

func key(name string) (ed25519.PrivateKey, sol.Pubkey) {
	seed := sha256.Sum256([]byte(name))
	k := ed25519.NewKeyFromSeed(seed[:])
	var pk sol.Pubkey
	copy(pk[:], k.Public().(ed25519.PublicKey))
	return k, pk
}

func pub(name string) sol.Pubkey { _, k := key(name); return k }

// tx signs a legacy transaction paid by the chain's payer.
func (c *chain) tx(others []ed25519.PrivateKey, instrs ...sol.Instruction) []byte {
	msg, err := sol.NewLegacyMessage(c.payer, c.hashes[0].Hash, instrs...)
	if err != nil {
		c.t.Fatal(err)
	}
	byKey := map[sol.Pubkey]ed25519.PrivateKey{c.payer: c.payerKey}
	for _, o := range others {
		var k sol.Pubkey
		copy(k[:], o.Public().(ed25519.PublicKey))
		byKey[k] = o
	}
	signers := make([]ed25519.PrivateKey, msg.Header.NumRequiredSignatures)
	for i := range signers {
		signers[i] = byKey[msg.AccountKeys[i]]
		if signers[i] == nil {
			c.t.Fatalf("no key for signer %s", msg.AccountKeys[i])
		}
	}
	tx := sol.Transaction{Message: msg}
	if err := tx.Sign(signers...); err != nil {
		c.t.Fatal(err)
	}
	b, _ := tx.MarshalBinary()
	return b
}

// run executes the transactions as one slot and commits.
func (c *chain) run(txs ...[]byte) []svm.TxResult {
	c.t.Helper()
	res, err := c.exec.ExecuteBatch(&svm.BlockContext{Slot: c.slot, Epoch: 0, UnixTimestamp: 1_700_000_000 + int64(c.slot), RecentBlockhashes: c.hashes}, txs)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := c.store.Apply(res.Writes); err != nil {
		c.t.Fatal(err)
	}
	c.next()
	return res.Results
}

func (c *chain) send(others []ed25519.PrivateKey, instrs ...sol.Instruction) svm.TxResult {
	c.t.Helper()
	return c.run(c.tx(others, instrs...))[0]
}

func (c *chain) acct(k sol.Pubkey) sol.Account {
	a, _, _ := c.store.Account(k)
	return a
}

// install puts an executable BPFLoader2 program into state, as genesis does.
func (c *chain) install(id sol.Pubkey, so []byte) {
	c.store.Set(id, sol.Account{Lamports: svm.DefaultRent.MinimumBalance(len(so)), Data: so, Owner: svm.BPFLoader2ID, Executable: true})
}

var buildMu sync.Mutex
var built = map[string][]byte{}

// build compiles testdata/name.c with Debian clang and atoll's linker.
func build(t testing.TB, rt *Runtime, name string, defines ...string) []byte {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	id := name + strings.Join(defines, ",")
	if so, ok := built[id]; ok {
		return so
	}
	var flags []string
	for _, d := range defines {
		flags = append(flags, "-D"+d)
	}
	so, err := link.BuildC(filepath.Join("testdata", name+".c"), link.BuildOptions{Flags: flags, Link: link.Options{Syscalls: rt.Registry()}})
	if err != nil {
		t.Fatalf("building %s: %v", id, err)
	}
	built[id] = so
	return so
}

func wantOK(t testing.TB, r svm.TxResult) {
	t.Helper()
	if r.Err != nil {
		t.Fatalf("transaction failed: %v\nlogs:\n%s", r.Err, strings.Join(r.Logs, "\n"))
	}
}

func wantInstrErr(t testing.TB, r svm.TxResult, index int, want svm.InstructionError) {
	t.Helper()
	if r.Err == nil || r.Err.Kind != svm.InstructionErrorKind || int(r.Err.Index) != index || r.Err.Instr != want {
		t.Fatalf("got %v, want InstructionError(%d, %v)\nlogs:\n%s", r.Err, index, want, strings.Join(r.Logs, "\n"))
	}
}

func hasLog(r svm.TxResult, substr string) bool {
	for _, l := range r.Logs {
		if strings.Contains(l, substr) {
			return true
		}
	}
	return false
}
