package mkvs

import (
	"bytes"
	"math/rand/v2"
	"slices"
)

// model is the reference the tree is checked against: a plain map, read in
// sorted order.
type model map[string]string

func (m model) clone() model {
	c := make(model, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func (m model) sortedKeys() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// refRoot computes the root hash of m straight from the definition: the
// crit-bit split of the sorted key list, hashed bottom-up. It shares only
// the hash primitives with the tree.
func (m model) refRoot() Hash {
	keys := m.sortedKeys()
	if len(keys) == 0 {
		return EmptyRoot
	}
	var rec func(ks []string) Hash
	rec = func(ks []string) Hash {
		if len(ks) == 1 {
			return leafHash([]byte(ks[0]), []byte(m[ks[0]]))
		}
		c, _ := critBit([]byte(ks[0]), []byte(ks[len(ks)-1]))
		split := 0
		for split < len(ks) && bitAt([]byte(ks[split]), c) == 0 {
			split++
		}
		l, r := rec(ks[:split]), rec(ks[split:])
		return internalHash(c, &l, &r)
	}
	return rec(keys)
}

// diff returns the write log that turns a into b.
func diffModels(a, b model) WriteLog {
	var wl WriteLog
	for k, v := range b {
		if av, ok := a[k]; !ok || av != v {
			wl = append(wl, LogEntry{Key: []byte(k), Value: []byte(v)})
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			wl = append(wl, LogEntry{Key: []byte(k), Deleted: true})
		}
	}
	slices.SortFunc(wl, func(x, y LogEntry) int { return bytes.Compare(x.Key, y.Key) })
	return wl
}

// randKey draws keys from a small alphabet and short lengths so that
// prefixes, shared bytes and empty keys are common.
func randKey(rng *rand.Rand) []byte {
	n := rng.IntN(5)
	k := make([]byte, n)
	for i := range k {
		k[i] = "\x00\x01ab\xfe\xff"[rng.IntN(6)]
	}
	return k
}

func randValue(rng *rand.Rand) []byte {
	v := make([]byte, rng.IntN(12))
	for i := range v {
		v[i] = byte(rng.Uint32())
	}
	return v
}

// checkTreeMatches compares contents, iteration order and hash.
func checkTreeMatches(t interface {
	Helper()
	Fatalf(string, ...any)
}, tr *Tree, m model) {
	t.Helper()
	keys := m.sortedKeys()
	it := tr.NewIterator(nil, nil)
	i := 0
	for it.First(); it.Valid(); it.Next() {
		if i >= len(keys) {
			t.Fatalf("iterator yields extra key %q", it.Key())
		}
		if string(it.Key()) != keys[i] || string(it.Value()) != m[keys[i]] {
			t.Fatalf("iterator at %d: %q=%q, want %q=%q", i, it.Key(), it.Value(), keys[i], m[keys[i]])
		}
		i++
	}
	if err := it.Err(); err != nil {
		t.Fatalf("iterator: %v", err)
	}
	if i != len(keys) {
		t.Fatalf("iterator yields %d keys, want %d", i, len(keys))
	}
	for _, k := range keys {
		v, err := tr.Get([]byte(k))
		if err != nil || string(v) != m[k] {
			t.Fatalf("Get(%q) = %q, %v; want %q", k, v, err, m[k])
		}
	}
	if got, want := tr.Hash(), m.refRoot(); got != want {
		t.Fatalf("root %s, reference %s", got, want)
	}
}
