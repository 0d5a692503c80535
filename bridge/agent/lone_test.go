package agent_test

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/atoll-dev/atoll/bridge/agent"
	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/home"
	"github.com/atoll-dev/atoll/bridge/update"
)

// notSlashed checks that the bonds of keys are intact.
func (tb *testBridge) notSlashed(keys ...int) {
	tb.t.Helper()
	for _, k := range keys {
		a, err := tb.a.Chain.Account(context.Background(), address.Bond(testkeys.Addr(k)))
		if err != nil || a == nil {
			tb.t.Fatalf("bond of updater %d: %v", k, err)
		}
		b, err := home.DecodeBond(a)
		if err != nil {
			tb.t.Fatal(err)
		}
		if b.Slashed {
			tb.t.Fatalf("bond of honest updater %d was slashed", k)
		}
	}
}

// TestWatcher_LoneUpdater: in a 2-of-3 set one updater serves, at its
// signature exchange, a signature no quorum joins. The watcher, reading
// the exchanges, proves it: as a double update when the updater also signed
// the Home's accepted update (the Replica halts within one poll), as an
// improper update when it signs an unqueued root from the committed root.
// Only that updater's bond is slashed.
func TestWatcher_LoneUpdater(t *testing.T) {
	for _, tc := range []struct {
		name   string
		double bool
		rogue  int
		honest []int
	}{
		{"double update", true, 1, []int{2, 3}},
		{"improper update", false, 3, []int{1, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tb := newTestBridge(t, bridgeOpts{optimistic: 3})
			fake := keccak.Sum([]byte("a root the Home never had"))
			var serving atomic.Bool
			rogue := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !serving.Load() || r.URL.Path != agent.SignedPath(domainA, merkle.EmptyRoot()) {
					http.NotFound(w, r)
					return
				}
				u := update.Update{HomeDomain: domainA, OldRoot: merkle.EmptyRoot(), NewRoot: fake}
				su := update.SignedUpdate{Update: u, Signature: u.Sign(testkeys.Key(tc.rogue))}
				b, _ := su.MarshalBinary()
				io.WriteString(w, hex.EncodeToString(b))
			}))
			defer rogue.Close()
			w := tb.start("watcher", tb.config("watcher", "", func(c *agent.Config) {
				payers("watcher")(c)
				c.Watcher.Key = "secp-7.hex"
				c.Watcher.Updaters = []string{rogue.URL}
			}))
			if tc.double {
				// The rogue updater and another sign the real root; the Home accepts it.
				d := tb.dispatch(agent.PubkeyOf(key("recipient")), "honest")
				q := testkeys.Quorum(update.Update{HomeDomain: domainA, OldRoot: merkle.EmptyRoot(), NewRoot: d.Root}, tc.rogue, tc.honest[0])
				ix, err := home.Update(q)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := tb.a.Chain.Send(context.Background(), tb.user, nil, ix); err != nil {
					t.Fatal(err)
				}
				r := w.Loop.Rounds()
				tb.eventually("the watcher reading the Home's update", func() bool { return w.Loop.Rounds() >= r+2 })
			}
			serving.Store(true)
			r0 := w.Loop.Rounds()
			tb.eventually("two watcher polls after the rogue signature", func() bool { return w.Loop.Rounds() >= r0+2 })
			if tc.double && !tb.replicaHalted() {
				t.Fatal("the Replica is not halted one full watcher poll after the double signature appeared")
			}
			tb.eventually("the Home failed and the Replica unenrolled", func() bool { return tb.homeFailed() && !tb.replicaEnrolled() })
			tb.slashed(tc.rogue)
			tb.notSlashed(tc.honest...)
		})
	}
}
