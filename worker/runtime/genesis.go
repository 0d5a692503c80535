package runtime

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

// Genesis returns the state write log and root of a new SVM runtime
// configured by cfg: the runtime's genesis accounts (sysvars, native
// programs and loaders) and the given accounts, which win on a clash. Every
// node seeds its MKVS with it at version 0; the root is the runtime's
// registered GenesisStateRoot.
func Genesis(cfg hosted.Config, accounts []svm.AccountWrite) (mkvs.WriteLog, mkvs.Hash, error) {
	base, err := hosted.GenesisAccounts(cfg)
	if err != nil {
		return nil, mkvs.Hash{}, fmt.Errorf("runtime: genesis accounts: %w", err)
	}
	writes := append(base, accounts...)
	slices.SortStableFunc(writes, func(a, b svm.AccountWrite) int { return bytes.Compare(a.Key[:], b.Key[:]) })
	t := mkvs.NewTree()
	for i := range writes {
		w := &writes[i]
		key := w.Key
		v, err := w.Account.MarshalBinary()
		if err != nil {
			return nil, mkvs.Hash{}, fmt.Errorf("runtime: genesis account %s: %w", w.Key, err)
		}
		if err := t.Insert(key[:], v); err != nil {
			return nil, mkvs.Hash{}, fmt.Errorf("runtime: genesis account %s: %w", w.Key, err)
		}
	}
	wl, err := t.WriteLog()
	if err != nil {
		return nil, mkvs.Hash{}, err
	}
	return wl, t.Hash(), nil
}

// SeedGenesis commits the genesis state at version 0 in kv, unless kv
// already holds a state root.
func SeedGenesis(kv *mkvs.Store, wl mkvs.WriteLog, root mkvs.Hash) error {
	if _, ok := kv.LatestRoot(mkvs.RootState); ok {
		return nil
	}
	claimed := kv.EmptyRoot(mkvs.RootState, 0)
	claimed.Hash = root
	if err := kv.ApplyWriteLog(kv.EmptyRoot(mkvs.RootState, 0), wl, claimed); err != nil {
		return fmt.Errorf("runtime: seeding genesis state: %w", err)
	}
	return nil
}
