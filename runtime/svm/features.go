package svm

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"sort"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Feature is a known feature gate: new behaviour that stays off until its
// feature account is created and an epoch boundary activates it.
type Feature struct {
	ID          sol.Pubkey
	Name        string
	Description string
}

// FeatureKeySeed derives the ed25519 seed of a feature's keypair. Whoever
// holds the keypair can request activation by creating the feature account,
// as with Solana's feature keypairs. These seeds are public, which suits
// development networks; a network that must restrict activation sets its own
// feature ids in its genesis.
func FeatureKeySeed(name string) []byte {
	s := sha256.Sum256([]byte("atoll feature keypair: " + name))
	return s[:]
}

func featureID(name string) sol.Pubkey {
	var k sol.Pubkey
	copy(k[:], ed25519.NewKeyFromSeed(FeatureKeySeed(name)).Public().(ed25519.PublicKey))
	return k
}

// Known features.
var (
	// FeatureTxWideComputeBudget switches from the per-instruction budget to
	// the ComputeBudget program's transaction-wide model.
	FeatureTxWideComputeBudget = Feature{
		ID:          featureID("tx_wide_compute_budget"),
		Name:        "tx_wide_compute_budget",
		Description: "transaction-wide compute budget: SetComputeUnitLimit up to 1.4M units, SetComputeUnitPrice priority fees, RequestHeapFrame",
	}
)

// KnownFeatures lists every feature the runtime knows, in ascending id order.
func KnownFeatures() []Feature {
	fs := []Feature{FeatureTxWideComputeBudget}
	sort.Slice(fs, func(i, j int) bool { return string(fs[i].ID[:]) < string(fs[j].ID[:]) })
	return fs
}

// FeatureSet maps each active feature to the slot it activated at. A nil
// set has nothing active.
type FeatureSet map[sol.Pubkey]uint64

// Active reports whether f is active.
func (s FeatureSet) Active(f Feature) bool {
	_, ok := s[f.ID]
	return ok
}

// featureAccountSize is bincode's Option<u64>: a tag byte and the slot.
const featureAccountSize = 9

// FeatureStatus is a feature's lifecycle state.
type FeatureStatus uint8

const (
	// FeatureInactive: no feature account exists.
	FeatureInactive FeatureStatus = iota
	// FeaturePending: the account exists with activated_at = None.
	FeaturePending
	// FeatureActive: activated_at = Some(slot).
	FeatureActive
)

func (s FeatureStatus) String() string {
	return [...]string{"inactive", "pending", "active"}[s]
}

// DecodeFeatureAccount reads a feature account's status. An account not owned
// by the feature program, or with malformed data, counts as inactive.
func DecodeFeatureAccount(a *sol.Account, exists bool) (FeatureStatus, uint64) {
	if !exists || a.Owner != FeatureProgramID || len(a.Data) < featureAccountSize {
		return FeatureInactive, 0
	}
	switch a.Data[0] {
	case 0:
		return FeaturePending, 0
	case 1:
		return FeatureActive, binary.LittleEndian.Uint64(a.Data[1:9])
	}
	return FeatureInactive, 0
}

// LoadFeatureSet reads every known feature account and returns the set of
// those active at or before slot.
func LoadFeatureSet(store AccountsStore, slot uint64) (FeatureSet, error) {
	set := FeatureSet{}
	for _, f := range KnownFeatures() {
		a, ok, err := store.Account(f.ID)
		if err != nil {
			return nil, err
		}
		if st, at := DecodeFeatureAccount(&a, ok); st == FeatureActive && at <= slot {
			set[f.ID] = at
		}
	}
	return set, nil
}

// activatePendingFeatures marks every pending known feature active at slot
// and returns the updated accounts in ascending id order.
func activatePendingFeatures(read func(sol.Pubkey) (sol.Account, bool, error), slot uint64) ([]AccountWrite, error) {
	var writes []AccountWrite
	for _, f := range KnownFeatures() {
		a, ok, err := read(f.ID)
		if err != nil {
			return nil, err
		}
		if st, _ := DecodeFeatureAccount(&a, ok); st != FeaturePending {
			continue
		}
		a = a.Clone()
		a.Data[0] = 1
		binary.LittleEndian.PutUint64(a.Data[1:9], slot)
		writes = append(writes, AccountWrite{Key: f.ID, Account: a})
	}
	return writes, nil
}
