package svm

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// harness drives an Executor over a MapStore one slot per batch, the way a
// node does: it applies each batch's writes and records processed signatures.
type harness struct {
	t           testing.TB
	store       *MapStore
	exec        *Executor
	status      *StatusCache
	slot        uint64
	epoch       uint64
	blockhashes []BlockhashEntry
	features    FeatureSet
}

func newHarness(t testing.TB, opts ...Option) *harness {
	h := &harness{t: t, store: NewMapStore(), status: NewStatusCache(), features: FeatureSet{}}
	opts = append([]Option{WithProgram(testProgramID, NativeProgramFunc(processTestProgram)), WithStatusChecker(h.status)}, opts...)
	h.exec = NewExecutor(h.store, opts...)
	if err := h.store.Apply(h.exec.GenesisAccounts()); err != nil {
		t.Fatal(err)
	}
	h.advance()
	return h
}

// advance closes the current slot with a fresh blockhash.
func (h *harness) advance() {
	var s [8]byte
	binary.LittleEndian.PutUint64(s[:], h.slot)
	entry := BlockhashEntry{Slot: h.slot, Hash: sha256.Sum256(s[:])}
	h.blockhashes = append([]BlockhashEntry{entry}, h.blockhashes...)
	if len(h.blockhashes) > MaxRecentBlockhashes {
		h.blockhashes = h.blockhashes[:MaxRecentBlockhashes]
	}
	h.slot++
}

func (h *harness) block() *BlockContext {
	return &BlockContext{Slot: h.slot, Epoch: h.epoch, UnixTimestamp: 1_700_000_000 + int64(h.slot),
		RecentBlockhashes: h.blockhashes, Features: h.features}
}

func (h *harness) latest() sol.Hash { return h.blockhashes[0].Hash }

// run executes txs as the next slot and commits the result.
func (h *harness) run(txs ...[]byte) *BatchResult {
	h.t.Helper()
	res, err := h.exec.ExecuteBatch(h.block(), txs)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.store.Apply(res.Writes); err != nil {
		h.t.Fatal(err)
	}
	h.status.Record(h.slot, res.Results)
	fs, err := LoadFeatureSet(h.store, h.slot)
	if err != nil {
		h.t.Fatal(err)
	}
	h.features = fs
	h.advance()
	return res
}

// run1 executes one transaction and returns its result.
func (h *harness) run1(tx []byte) TxResult {
	h.t.Helper()
	return h.run(tx).Results[0]
}

func keyFor(name string) (ed25519.PrivateKey, sol.Pubkey) {
	seed := sha256.Sum256([]byte(name))
	k := ed25519.NewKeyFromSeed(seed[:])
	var pk sol.Pubkey
	copy(pk[:], k.Public().(ed25519.PublicKey))
	return k, pk
}

func pubkeyOf(name string) sol.Pubkey { _, pk := keyFor(name); return pk }

func (h *harness) fund(k sol.Pubkey, lamports uint64) {
	h.store.Set(k, sol.Account{Lamports: lamports})
}

func (h *harness) acct(k sol.Pubkey) sol.Account {
	a, _, _ := h.store.Account(k)
	return a
}

// tx signs instrs with payer first and then the other signers, in the order
// the compiled message lists them.
func (h *harness) tx(payer ed25519.PrivateKey, others []ed25519.PrivateKey, instrs ...sol.Instruction) []byte {
	return signTx(h.t, h.latest(), payer, others, instrs...)
}

func signTx(t testing.TB, blockhash sol.Hash, payer ed25519.PrivateKey, others []ed25519.PrivateKey, instrs ...sol.Instruction) []byte {
	var payerKey sol.Pubkey
	copy(payerKey[:], payer.Public().(ed25519.PublicKey))
	msg, err := sol.NewLegacyMessage(payerKey, blockhash, instrs...)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[sol.Pubkey]ed25519.PrivateKey{payerKey: payer}
	for _, o := range others {
		var k sol.Pubkey
		copy(k[:], o.Public().(ed25519.PublicKey))
		byKey[k] = o
	}
	signers := make([]ed25519.PrivateKey, msg.Header.NumRequiredSignatures)
	for i := range signers {
		s, ok := byKey[msg.AccountKeys[i]]
		if !ok {
			t.Fatalf("no key for signer %s", msg.AccountKeys[i])
		}
		signers[i] = s
	}
	tx := sol.Transaction{Message: msg}
	if err := tx.Sign(signers...); err != nil {
		t.Fatal(err)
	}
	b, _ := tx.MarshalBinary()
	return b
}

func wantOK(t testing.TB, r TxResult) {
	t.Helper()
	if r.Err != nil {
		t.Fatalf("transaction failed: %v\nlogs: %q", r.Err, r.Logs)
	}
}

func wantInstrErr(t testing.TB, r TxResult, index int, want InstructionError) {
	t.Helper()
	if r.Err == nil || r.Err.Kind != InstructionErrorKind || int(r.Err.Index) != index || r.Err.Instr != want {
		t.Fatalf("got %v, want InstructionError(%d, %v)\nlogs: %q", r.Err, index, want, r.Logs)
	}
}

func wantTxErr(t testing.TB, r TxResult, kind TxErrKind) {
	t.Helper()
	if r.Err == nil || r.Err.Kind != kind {
		t.Fatalf("got %v, want %v", r.Err, kind)
	}
}

// testProgramID is a native program used only by tests. Its instruction
// data is a list of operations on its accounts, so a test can make it break
// any rule of the access policy.
var testProgramID = pubkeyOf("test program")

const (
	opSetOwner      = iota // idx, owner idx
	opAddLamports          // idx, int64
	opResize               // idx, u32 len
	opWriteData            // idx, byte
	opSetExecutable        // idx
	opSetRentEpoch         // idx, u64
	opConsume              // u64 units
	opFail                 // u32 custom code
)

type testOp []byte

func setOwner(idx, ownerIdx byte) testOp { return testOp{opSetOwner, idx, ownerIdx} }
func addLamports(idx byte, d int64) testOp {
	return binary.LittleEndian.AppendUint64(testOp{opAddLamports, idx}, uint64(d))
}
func resize(idx byte, n uint32) testOp {
	return binary.LittleEndian.AppendUint32(testOp{opResize, idx}, n)
}
func writeData(idx, v byte) testOp  { return testOp{opWriteData, idx, v} }
func setExecutable(idx byte) testOp { return testOp{opSetExecutable, idx} }
func setRentEpoch(idx byte, v uint64) testOp {
	return binary.LittleEndian.AppendUint64(testOp{opSetRentEpoch, idx}, v)
}
func consume(units uint64) testOp { return binary.LittleEndian.AppendUint64(testOp{opConsume}, units) }
func fail(code uint32) testOp     { return binary.LittleEndian.AppendUint32(testOp{opFail}, code) }

func testInstr(metas []sol.AccountMeta, ops ...testOp) sol.Instruction {
	var data []byte
	for _, o := range ops {
		data = append(data, o...)
	}
	return sol.Instruction{ProgramID: testProgramID, Accounts: metas, Data: data}
}

func processTestProgram(ctx *InvokeContext) error {
	d := ctx.Data
	acct := func(i byte) *sol.Account {
		a, err := ctx.Account(int(i))
		if err != nil {
			panic("test program: bad account index")
		}
		return a.Account
	}
	for len(d) > 0 {
		switch d[0] {
		case opSetOwner:
			a, _ := ctx.Account(int(d[2]))
			acct(d[1]).Owner = a.Key
			d = d[3:]
		case opAddLamports:
			acct(d[1]).Lamports += binary.LittleEndian.Uint64(d[2:])
			d = d[10:]
		case opResize:
			a := acct(d[1])
			n := int(binary.LittleEndian.Uint32(d[2:]))
			if n <= cap(a.Data) {
				a.Data = a.Data[:n]
			} else {
				a.Data = append(a.Data, make([]byte, n-len(a.Data))...)
			}
			d = d[6:]
		case opWriteData:
			a := acct(d[1])
			if len(a.Data) == 0 {
				a.Data = []byte{0}
			}
			a.Data[0] = d[2]
			d = d[3:]
		case opSetExecutable:
			acct(d[1]).Executable = true
			d = d[2:]
		case opSetRentEpoch:
			acct(d[1]).RentEpoch = binary.LittleEndian.Uint64(d[2:])
			d = d[10:]
		case opConsume:
			if err := ctx.Meter().Consume(binary.LittleEndian.Uint64(d[1:])); err != nil {
				return err
			}
			d = d[9:]
		case opFail:
			return NewCustomError(binary.LittleEndian.Uint32(d[1:]))
		default:
			return ErrInvalidInstructionData
		}
	}
	return nil
}
