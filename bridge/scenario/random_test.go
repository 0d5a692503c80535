package scenario

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/replica"
	"github.com/atoll-dev/atoll/bridge/update"
)

// TestScenario_randomized interleaves honest traffic with an adversary that
// holds one updater key (below the 2-of-3 quorum) and may submit anything:
// sub-quorum updates to made-up roots, forged messages with proofs under
// forged trees, random paths, replays, early processing. Whatever the
// order, every delivered message was dispatched by the Home to domain B,
// none is delivered twice, and each honest message is delivered once its
// root has confirmed. The seeds are fixed, so a failure reproduces.
func TestScenario_randomized(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		rng := rand.New(rand.NewPCG(seed, 99))
		w := newWorld(t)
		now := uint64(t0)
		dispatched := map[string]bool{} // bodies the Home sent to B
		var forgedBodies [][]byte
		pending := map[uint32]bool{} // honest leaves not yet delivered

		for step := 0; step < 150; step++ {
			switch op := rng.IntN(8); op {
			case 0, 1: // honest dispatch
				body := []byte{byte(seed), byte(step), byte(step >> 8)}
				dispatched[string(body)] = true
				pending[w.send(t, string(body))] = true
			case 2: // honest quorum update, relayed
				u, ok := w.home.SuggestUpdate()
				if !ok {
					continue
				}
				q := testkeys.Quorum(u, 1+rng.IntN(2), 3)
				if _, err := w.home.Update(q); err != nil {
					t.Fatalf("seed %d step %d: home update: %v", seed, step, err)
				}
				if err := w.replica.Update(w.store, q, now); err != nil {
					t.Fatalf("seed %d step %d: relay: %v", seed, step, err)
				}
			case 3: // time passes
				now += uint64(rng.IntN(optimistic))
			case 4: // processor: try every pending message
				for i := range pending {
					err := w.process(t, i, now)
					switch {
					case err == nil:
						delete(pending, i)
					case errors.Is(err, replica.ErrRootNotAcceptable):
						// not yet confirmed, or not yet relayed
					default:
						t.Fatalf("seed %d step %d: honest message %d: %v", seed, step, i, err)
					}
				}
			case 5: // adversary: a forged message under a forged tree, sub-quorum update
				body := []byte{0xff, byte(step)}
				forgedBodies = append(forgedBodies, body)
				m := message.Message{Origin: domainA, Destination: domainB, Nonce: uint32(rng.IntN(4)), Body: body}
				raw, _ := m.Encode()
				var ft merkle.FullTree
				ft.Insert(message.Leaf(raw))
				u := update.Update{HomeDomain: domainA, OldRoot: w.replica.CommittedRoot(), NewRoot: ft.Root()}
				if err := w.replica.Update(w.store, testkeys.Quorum(u, 3), now); !errors.Is(err, update.ErrQuorum) {
					t.Fatalf("seed %d step %d: sub-quorum forged update: %v", seed, step, err)
				}
				p, _ := ft.Proof(0)
				if _, err := w.replica.ProveAndProcess(w.store, raw, &p.Path, p.Index, now+10*optimistic, w.handler); err == nil {
					t.Fatalf("seed %d step %d: forged message processed", seed, step)
				}
			case 6: // adversary: a real leaf with a random path and index
				if w.tree.Count() == 0 {
					continue
				}
				i := uint32(rng.IntN(int(w.tree.Count())))
				var path [merkle.Depth]keccak.Hash
				for j := range path {
					if rng.IntN(2) == 0 {
						path[j] = merkle.ZeroHash(j)
					} else {
						path[j][0] = byte(rng.Uint32())
					}
				}
				leaf := message.Leaf(w.raw[i])
				if err := w.replica.Prove(w.store, leaf, &path, rng.Uint32(), now); err == nil {
					rec, _ := w.store.MessageRecord(leaf)
					if ok, _ := w.replica.AcceptableRoot(w.store, rec.Root, now); !ok {
						t.Fatalf("seed %d step %d: proven under an unacceptable root", seed, step)
					}
				}
			case 7: // adversary: replay something already delivered
				for i := range w.raw {
					if pending[uint32(i)] {
						continue
					}
					if _, err := w.replica.Process(w.store, w.raw[i], now, w.handler); err == nil {
						t.Fatalf("seed %d step %d: replay of %d processed", seed, step, i)
					}
					break
				}
			}
		}

		// Drain: one last honest update, wait out the window, process all.
		if u, ok := w.home.SuggestUpdate(); ok {
			q := testkeys.Quorum(u, 1, 2)
			w.home.Update(q)
			if err := w.replica.Update(w.store, q, now); err != nil {
				t.Fatal(err)
			}
		}
		now += optimistic
		for i := range pending {
			if err := w.process(t, i, now); err != nil {
				t.Fatalf("seed %d: draining %d: %v", seed, i, err)
			}
		}
		seen := map[string]bool{}
		for _, body := range w.delivered {
			if !dispatched[body] || seen[body] {
				t.Fatalf("seed %d: delivered %x (dispatched %v, twice %v)", seed, body, dispatched[body], seen[body])
			}
			seen[body] = true
		}
		if len(seen) != len(dispatched) {
			t.Fatalf("seed %d: delivered %d of %d", seed, len(seen), len(dispatched))
		}
		for _, body := range forgedBodies {
			if seen[string(body)] {
				t.Fatalf("seed %d: forged %x delivered", seed, body)
			}
		}
	}
}
