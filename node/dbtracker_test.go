package node

import (
	"testing"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/store"
)

// A consensus goroutine that outlives Stop reads the block store after its
// database closed; that read must come back empty, not panic the process.
func TestClosedBlockStoreReadsEmpty(t *testing.T) {
	cfg := cmtcfg.DefaultConfig()
	cfg.SetRoot(t.TempDir())
	tracker := &dbTracker{}
	db, err := tracker.provide(&cmtcfg.DBContext{ID: "blockstore", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Set([]byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	if v, err := db.Get([]byte("k")); err != nil || string(v) != "v" {
		t.Fatalf("open read = %q, %v", v, err)
	}
	blocks := store.NewBlockStore(db)
	tracker.closeAll()

	if v, err := db.Get([]byte("k")); err != nil || v != nil {
		t.Fatalf("closed read = %q, %v; want empty", v, err)
	}
	if ok, err := db.Has([]byte("k")); err != nil || ok {
		t.Fatalf("closed Has = %v, %v; want false", ok, err)
	}
	if c := blocks.LoadSeenCommit(7); c != nil {
		t.Fatalf("seen commit from a closed store: %v", c)
	}
	if err := db.Set([]byte("k2"), []byte("v")); err == nil {
		t.Fatal("a write to a closed database succeeded")
	}
}
