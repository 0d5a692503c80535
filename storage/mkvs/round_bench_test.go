package mkvs

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"syscall"
	"testing"
	"time"
)

// BenchmarkStore_Round commits busy rounds the way a storage node does:
// per round, 10,000 of a state's 20,000 accounts (32-byte keys, 72-byte
// values) change and a new IO tree of 10,000 entries (a 5,000-transfer
// batch and its results) replaces the last one, both in one CommitRoots.
// Besides the time of building, hashing and committing the trees it
// reports what Pebble did for the round in the background: bytes flushed
// and compacted (the write amplification of the key layout and options)
// and the node loads from disk. cpu-ns/op is the process's CPU time,
// background work included.
func BenchmarkStore_Round(b *testing.B) {
	s, err := Open(b.TempDir(), Options{Namespace: testNS, NoSync: true, Logger: quietLogger{}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const accounts, transfers = 20_000, 5_000
	keys := make([][]byte, accounts)
	st, _ := s.Tree(s.EmptyRoot(RootState, 0))
	for i := range keys {
		k := sha256.Sum256(binary.BigEndian.AppendUint32(nil, uint32(i)))
		keys[i] = k[:]
		if err := st.Insert(keys[i], make([]byte, 72)); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := s.CommitRoots(0, st); err != nil {
		b.Fatal(err)
	}
	round := func(r uint64) {
		for i := range keys {
			if (uint64(i)*2654435761+r)%2 == 0 {
				v := make([]byte, 72)
				binary.BigEndian.PutUint64(v, r)
				if err := st.Insert(keys[i], v); err != nil {
					b.Fatal(err)
				}
			}
		}
		io, _ := s.Tree(s.EmptyRoot(RootIO, r))
		for i := 0; i < transfers; i++ {
			res := make([]byte, 300)
			res[0], res[1] = byte(r), byte(i)
			tx := make([]byte, 215)
			tx[0], tx[1] = byte(r), byte(i)
			if err := io.Insert(binary.BigEndian.AppendUint32([]byte{'R'}, uint32(i)), res); err != nil {
				b.Fatal(err)
			}
			if err := io.Insert(binary.BigEndian.AppendUint32([]byte{'T'}, uint32(i)), tx); err != nil {
				b.Fatal(err)
			}
		}
		st.Hash()
		io.Hash()
		if _, err := s.CommitRoots(r, st, io); err != nil {
			b.Fatal(err)
		}
	}
	for r := uint64(1); r <= 3; r++ { // history
		round(r)
	}
	m0, reads0 := s.db.Metrics(), s.Stats().NodeReads
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		round(uint64(i) + 4)
	}
	cpu := cpuTime() - cpu0
	b.StopTimer()
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	m := s.db.Metrics()
	var flushed, compacted int64
	for l := range m.Levels {
		compacted += int64(m.Levels[l].BytesCompacted - m0.Levels[l].BytesCompacted)
	}
	flushed = int64(m.Levels[0].BytesFlushed - m0.Levels[0].BytesFlushed)
	b.ReportMetric(float64(flushed)/float64(b.N), "flushed-B/op")
	b.ReportMetric(float64(compacted)/float64(b.N), "compacted-B/op")
	b.ReportMetric(float64(s.Stats().NodeReads-reads0)/float64(b.N), "loads/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTree_VerifyRound is a storage node's check of a busy round's
// state write log: 10,000 of 20,000 committed accounts updated on a tree
// opened at the latest root, then hashed. The tree's nodes are cached, as
// they are after the previous round's commit.
func BenchmarkTree_VerifyRound(b *testing.B) {
	s, err := Open(b.TempDir(), Options{Namespace: testNS, NoSync: true, Logger: quietLogger{}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	st, _ := s.Tree(s.EmptyRoot(RootState, 0))
	wl := make(WriteLog, 0, 20_000)
	for i := 0; i < 20_000; i++ {
		k := sha256.Sum256(binary.BigEndian.AppendUint32(nil, uint32(i)))
		if err := st.Insert(k[:], make([]byte, 72)); err != nil {
			b.Fatal(err)
		}
		if i%2 == 0 {
			wl = append(wl, LogEntry{Key: k[:], Value: binary.BigEndian.AppendUint64(make([]byte, 64), 1)})
		}
	}
	root, err := s.CommitRoots(1, st)
	if err != nil {
		b.Fatal(err)
	}
	slices.SortFunc(wl, func(x, y LogEntry) int { return bytes.Compare(x.Key, y.Key) })
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t, err := s.Tree(root[0])
		if err != nil {
			b.Fatal(err)
		}
		if err := t.ApplyWriteLog(wl); err != nil {
			b.Fatal(err)
		}
		t.Hash()
	}
}

// BenchmarkTree_BuildIO is a storage node's check of a busy round's IO
// write log: the 10,000 entries of a 5,000-transfer batch applied to the
// empty tree and hashed.
func BenchmarkTree_BuildIO(b *testing.B) {
	var wl WriteLog
	for _, kind := range []byte{'R', 'T'} {
		for i := 0; i < 5_000; i++ {
			v := make([]byte, 260)
			v[0], v[1] = kind, byte(i)
			wl = append(wl, LogEntry{Key: binary.BigEndian.AppendUint32([]byte{kind}, uint32(i)), Value: v})
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := NewTree()
		if err := t.ApplyWriteLog(wl); err != nil {
			b.Fatal(err)
		}
		t.Hash()
	}
}
