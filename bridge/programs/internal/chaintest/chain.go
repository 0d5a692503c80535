package chaintest

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/bridge/programs"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// GenesisTime is the Clock's unix timestamp at slot 0.
const GenesisTime = 1_700_000_000

// Chain is one network: its own store, executor and clock.
type Chain struct {
	T      testing.TB
	Domain uint32
	Store  *svm.MapStore
	Exec   *svm.Executor
	Admin  ed25519.PrivateKey

	status      *svm.StatusCache
	slot        uint64
	time        int64
	blockhashes []svm.BlockhashEntry
	features    svm.FeatureSet
}

// New returns a chain of domain with the bridge programs registered and the
// admin key "admin" funded.
func New(t testing.TB, domain uint32, opts ...svm.Option) *Chain {
	admin, adminKey := Key("admin")
	c := &Chain{T: t, Domain: domain, Store: svm.NewMapStore(), status: svm.NewStatusCache(), Admin: admin,
		time: GenesisTime, features: svm.FeatureSet{}}
	all := append(programs.Options(programs.Config{LocalDomain: domain, Admin: adminKey}),
		svm.WithStatusChecker(c.status), svm.WithParallelism(1))
	c.Exec = svm.NewExecutor(c.Store, append(all, opts...)...)
	if err := c.Store.Apply(c.Exec.GenesisAccounts()); err != nil {
		t.Fatal(err)
	}
	c.Fund(adminKey, 1_000_000_000_000)
	c.close()
	return c
}

func (c *Chain) close() {
	var s [8]byte
	binary.LittleEndian.PutUint64(s[:], c.slot)
	h := sha256.Sum256(append(s[:], byte(c.Domain), byte(c.Domain>>8)))
	c.blockhashes = append([]svm.BlockhashEntry{{Slot: c.slot, Hash: h}}, c.blockhashes...)
	if len(c.blockhashes) > svm.MaxRecentBlockhashes {
		c.blockhashes = c.blockhashes[:svm.MaxRecentBlockhashes]
	}
	c.slot++
	c.time++
}

// Now is the Clock's unix timestamp of the next slot.
func (c *Chain) Now() int64 { return c.time }

// Sleep moves the clock forward by seconds.
func (c *Chain) Sleep(seconds int64) { c.time += seconds }

// Key returns a deterministic ed25519 key named name.
func Key(name string) (ed25519.PrivateKey, sol.Pubkey) {
	seed := sha256.Sum256([]byte("chaintest " + name))
	k := ed25519.NewKeyFromSeed(seed[:])
	var pk sol.Pubkey
	copy(pk[:], k.Public().(ed25519.PublicKey))
	return k, pk
}

// Pub returns the public key of a private key.
func Pub(k ed25519.PrivateKey) sol.Pubkey {
	var pk sol.Pubkey
	copy(pk[:], k.Public().(ed25519.PublicKey))
	return pk
}

// Fund sets k's lamports (a system account without data).
func (c *Chain) Fund(k sol.Pubkey, lamports uint64) { c.Store.Set(k, sol.Account{Lamports: lamports}) }

// Account returns the stored account at k (zero if absent).
func (c *Chain) Account(k sol.Pubkey) sol.Account {
	a, _, _ := c.Store.Account(k)
	return a
}

// Lamports returns k's balance.
func (c *Chain) Lamports(k sol.Pubkey) uint64 { return c.Account(k).Lamports }

// Build signs instrs with payer first and then others into a wire transaction.
func (c *Chain) Build(payer ed25519.PrivateKey, others []ed25519.PrivateKey, instrs ...sol.Instruction) []byte {
	c.T.Helper()
	msg, err := sol.NewLegacyMessage(Pub(payer), c.blockhashes[0].Hash, instrs...)
	if err != nil {
		c.T.Fatal(err)
	}
	byKey := map[sol.Pubkey]ed25519.PrivateKey{Pub(payer): payer}
	for _, o := range others {
		byKey[Pub(o)] = o
	}
	signers := make([]ed25519.PrivateKey, msg.Header.NumRequiredSignatures)
	for i := range signers {
		s, ok := byKey[msg.AccountKeys[i]]
		if !ok {
			c.T.Fatalf("no key for signer %s", msg.AccountKeys[i])
		}
		signers[i] = s
	}
	tx := sol.Transaction{Message: msg}
	if err := tx.Sign(signers...); err != nil {
		c.T.Fatal(err)
	}
	b, err := tx.MarshalBinary()
	if err != nil {
		c.T.Fatal(err)
	}
	return b
}

// Execute runs wire transactions as the next slot and commits the writes.
func (c *Chain) Execute(txs ...[]byte) []svm.TxResult {
	c.T.Helper()
	blk := &svm.BlockContext{Slot: c.slot, UnixTimestamp: c.time, RecentBlockhashes: c.blockhashes, Features: c.features}
	res, err := c.Exec.ExecuteBatch(blk, txs)
	if err != nil {
		c.T.Fatal(err)
	}
	if err := c.Store.Apply(res.Writes); err != nil {
		c.T.Fatal(err)
	}
	c.status.Record(c.slot, res.Results)
	c.close()
	return res.Results
}

// Run signs and executes one transaction with a raised compute limit.
func (c *Chain) Run(payer ed25519.PrivateKey, others []ed25519.PrivateKey, instrs ...sol.Instruction) svm.TxResult {
	c.T.Helper()
	return c.Execute(c.Build(payer, others, instrs...))[0]
}

// OK fails the test unless r succeeded.
func OK(t testing.TB, r svm.TxResult) {
	t.Helper()
	if r.Err != nil {
		t.Fatalf("transaction failed: %v\nlogs:\n%s", r.Err, joinLogs(r.Logs))
	}
}

// Fails fails the test unless r failed with instruction error want (any
// instruction).
func Fails(t testing.TB, r svm.TxResult, want svm.InstructionError) {
	t.Helper()
	if r.Err == nil {
		t.Fatalf("transaction succeeded, want %v\nlogs:\n%s", want, joinLogs(r.Logs))
	}
	if !errors.Is(r.Err, want) {
		t.Fatalf("transaction failed with %v, want %v\nlogs:\n%s", r.Err, want, joinLogs(r.Logs))
	}
}

// Custom is a program's custom error.
func Custom(code uint32) svm.InstructionError { return svm.NewCustomError(code) }

// Must returns a function that unwraps an instruction builder's result,
// failing t on a builder error: must(replica.SetOwner(…)).
func Must(t testing.TB) func(sol.Instruction, error) sol.Instruction {
	return func(ix sol.Instruction, err error) sol.Instruction {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return ix
	}
}

// OwnerAndMallory funds the two signers of the programs' governance tests:
// the owner, who sets a program up, and mallory, who tries what only the
// owner may.
func (c *Chain) OwnerAndMallory() (owner, mallory ed25519.PrivateKey) {
	owner, ownerKey := Key("owner")
	mallory, malloryKey := Key("mallory")
	c.Fund(ownerKey, 1_000_000_000_000)
	c.Fund(malloryKey, 1_000_000_000)
	return owner, mallory
}

func joinLogs(lines []string) string {
	s := ""
	for _, l := range lines {
		s += "  " + l + "\n"
	}
	return s
}

// Simulate executes wire transactions as the next slot without committing
// anything, so repeated calls see the same state.
func (c *Chain) Simulate(txs ...[]byte) []svm.TxResult {
	c.T.Helper()
	blk := &svm.BlockContext{Slot: c.slot, UnixTimestamp: c.time, RecentBlockhashes: c.blockhashes, Features: c.features}
	res, err := c.Exec.ExecuteBatch(blk, txs)
	if err != nil {
		c.T.Fatal(err)
	}
	return res.Results
}
