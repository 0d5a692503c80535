package mkvs

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/vfs"
	"github.com/cockroachdb/pebble/vfs/errorfs"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv("MKVS_CRASH_CHILD"); dir != "" {
		runCrashChild(dir)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// versionContents deterministically derives the changes of version v, so
// that a parent process can rebuild what a killed child committed.
func versionContents(v uint64) WriteLog {
	rng := rand.New(rand.NewPCG(v, 77))
	m := map[string]LogEntry{}
	for i := 0; i < 30; i++ {
		k := []byte(fmt.Sprintf("key %04d", rng.IntN(300)))
		if rng.IntN(4) == 0 {
			m[string(k)] = LogEntry{Key: k, Deleted: true}
		} else {
			m[string(k)] = LogEntry{Key: k, Value: []byte(fmt.Sprintf("v%d-%d", v, rng.IntN(1e6)))}
		}
	}
	var wl WriteLog
	for _, e := range m {
		wl = append(wl, e)
	}
	sortLog(wl)
	return wl
}

func sortLog(wl WriteLog) {
	for i := 1; i < len(wl); i++ {
		for j := i; j > 0 && string(wl[j].Key) < string(wl[j-1].Key); j-- {
			wl[j], wl[j-1] = wl[j-1], wl[j]
		}
	}
}

// modelAt replays versions 1..v into a model.
func modelAt(v uint64) model {
	m := model{}
	for i := uint64(1); i <= v; i++ {
		for _, e := range versionContents(i) {
			if e.Deleted {
				delete(m, string(e.Key))
			} else {
				m[string(e.Key)] = string(e.Value)
			}
		}
	}
	return m
}

// checkRecovered checks that the store reopened after a crash holds, at its
// latest root, exactly the state of that version, and that the version is
// at least the last one whose commit returned.
func checkRecovered(t *testing.T, s *Store, acked uint64) uint64 {
	t.Helper()
	l, ok := s.LatestRoot(RootState)
	got := uint64(0)
	if ok {
		got = l.Version
	}
	if got < acked {
		t.Fatalf("recovered version %d, but version %d was acknowledged", got, acked)
	}
	if !ok {
		return 0
	}
	if err := s.Check(l); err != nil {
		t.Fatalf("check after recovery: %v", err)
	}
	tr, err := s.Tree(l)
	if err != nil {
		t.Fatal(err)
	}
	checkTreeMatches(t, tr, modelAt(got))
	return got
}

// commitVersion applies versionContents(v) on top of the latest root.
func commitVersion(s *Store, v uint64) error {
	base := s.EmptyRoot(RootState, 0)
	if l, ok := s.LatestRoot(RootState); ok {
		base = l
	}
	tr, err := s.Tree(base)
	if err != nil {
		return err
	}
	if err := tr.ApplyWriteLog(versionContents(v)); err != nil {
		return err
	}
	_, _, err = tr.Commit(v)
	return err
}

// newCrashFS returns a strict in-memory filesystem (unsynced data is lost on
// ResetToSyncedState) holding a durably created directory "db", as an
// operator would have made before starting the node.
func newCrashFS(t *testing.T) *vfs.MemFS {
	mem := vfs.NewStrictMem()
	if err := mem.MkdirAll("db", 0o755); err != nil {
		t.Fatal(err)
	}
	d, err := mem.OpenDir("")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Sync(); err != nil {
		t.Fatal(err)
	}
	d.Close()
	return mem
}

// errCrash is what quietLogger panics with when Pebble declares a fatal
// error, as a real node would exit.
type errCrash struct{ msg string }

// commitOrCrash commits version v, reporting a fatal storage error (the
// point where a node process dies) as crashed.
func commitOrCrash(s *Store, v uint64) (crashed bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(errCrash); !ok {
				panic(r)
			}
			crashed = true
		}
	}()
	return false, commitVersion(s, v)
}

// walFailer fails every write to a write-ahead log once armed and after
// skip more such writes: the disk dies in the middle of a commit.
type walFailer struct {
	armed atomic.Bool
	skip  atomic.Int32
}

func (f *walFailer) MaybeError(op errorfs.Op, path string) error {
	if !f.armed.Load() || op.OpKind() != errorfs.OpKindWrite || !strings.HasSuffix(path, ".log") {
		return nil
	}
	if f.skip.Add(-1) >= 0 {
		return nil
	}
	return errorfs.ErrInjected
}

// TestStore_CrashDuringCommit kills the disk at every point of a commit's
// write-ahead-log I/O, then simulates power loss (all unsynced data is
// dropped) and reopens: the last acknowledged root must be there and
// correct, and the store must keep working.
func TestStore_CrashDuringCommit(t *testing.T) {
	for skip := int32(0); skip < 12; skip++ {
		mem := newCrashFS(t)
		inj := &walFailer{}
		opts := Options{Namespace: testNS, FS: errorfs.Wrap(mem, inj), Logger: quietLogger{}}
		s, err := Open("db", opts)
		if err != nil {
			t.Fatal(err)
		}
		acked := uint64(0)
		for v := uint64(1); v <= 3; v++ {
			if err := commitVersion(s, v); err != nil {
				t.Fatal(err)
			}
			acked = v
		}
		inj.skip.Store(skip)
		inj.armed.Store(true)
		crashed := false
		for v := acked + 1; v <= acked+5 && !crashed; v++ {
			var err error
			if crashed, err = commitOrCrash(s, v); err != nil {
				t.Fatalf("skip %d: %v", skip, err)
			}
			if !crashed {
				acked = v
			}
		}
		if !crashed {
			t.Fatalf("skip %d: no commit reached the failing write", skip)
		}
		// Power loss: the crashed database is abandoned (Pebble declares its
		// commit pipeline unusable) and only synced data survives.
		mem.ResetToSyncedState()
		after := vfs.NewStrictMem()
		if _, err := vfs.Clone(mem, after, "db", "db"); err != nil {
			t.Fatal(err)
		}

		s, err = Open("db", Options{Namespace: testNS, FS: after, Logger: quietLogger{}})
		if err != nil {
			t.Fatalf("skip %d: reopen: %v", skip, err)
		}
		got := checkRecovered(t, s, acked)
		t.Logf("disk failed after %d WAL writes: acknowledged %d, recovered %d", skip, acked, got)
		if err := commitVersion(s, got+1); err != nil {
			t.Fatalf("skip %d: commit after recovery: %v", skip, err)
		}
		checkRecovered(t, s, got+1)
		s.Close()
	}
}

// With NoSync a power loss may drop the latest commits, but the store must
// reopen at some earlier root, intact.
func TestStore_CrashUnsynced(t *testing.T) {
	mem := newCrashFS(t)
	s, err := Open("db", Options{Namespace: testNS, FS: mem, Logger: quietLogger{}, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for v := uint64(1); v <= 20; v++ {
		if err := commitVersion(s, v); err != nil {
			t.Fatal(err)
		}
	}
	mem.SetIgnoreSyncs(true)
	_ = s.Close()
	mem.ResetToSyncedState()
	mem.SetIgnoreSyncs(false)
	s, err = Open("db", Options{Namespace: testNS, FS: mem, Logger: quietLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t.Logf("20 unsynced commits, power loss, recovered version %d", checkRecovered(t, s, 0))
}

// runCrashChild commits versions forever, printing each version once its
// commit has returned (and so is durable).
func runCrashChild(dir string) {
	s, err := Open(dir, Options{Namespace: testNS, Logger: quietLogger{}})
	if err != nil {
		fmt.Println("error", err)
		return
	}
	v := uint64(0)
	if l, ok := s.LatestRoot(RootState); ok {
		v = l.Version
	}
	for {
		v++
		if err := commitVersion(s, v); err != nil {
			fmt.Println("error", err)
			return
		}
		fmt.Println("committed", v)
	}
}

// TestStore_CrashKill runs commits in a child process and kills it with
// SIGKILL at random points, then reopens the store in this process.
func TestStore_CrashKill(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	rng := rand.New(rand.NewPCG(5, 5))
	for round := 0; round < 4; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "MKVS_CRASH_CHILD="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		acked := uint64(0)
		killAfter := 2 + rng.IntN(15)
		for i := 0; i < killAfter && sc.Scan(); i++ {
			f := strings.Fields(sc.Text())
			if len(f) != 2 || f[0] != "committed" {
				t.Fatalf("child: %s", sc.Text())
			}
			acked, _ = strconv.ParseUint(f[1], 10, 64)
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		s, err := Open(dir, Options{Namespace: testNS, Logger: quietLogger{}})
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		got := checkRecovered(t, s, acked)
		t.Logf("round %d: killed after version %d acknowledged; recovered %d", round, acked, got)
		s.Close()
	}
}

// TestStore_DetectsCorruption damages the database in two ways, a flipped
// byte inside an sstable and a node record rewritten with wrong content,
// and requires reads to fail with ErrCorrupt rather than return bad data.
func TestStore_DetectsCorruption(t *testing.T) {
	t.Run("sstable", func(t *testing.T) {
		dir := t.TempDir()
		s := openTestStore(t, dir, Options{})
		for v := uint64(1); v <= 5; v++ {
			if err := commitVersion(s, v); err != nil {
				t.Fatal(err)
			}
		}
		l, _ := s.LatestRoot(RootState)
		if err := s.db.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := s.db.Compact([]byte{0}, []byte{0xff}, false); err != nil {
			t.Fatal(err)
		}
		s.Close()
		ssts, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
		if len(ssts) == 0 {
			t.Fatal("no sstables written")
		}
		for _, f := range ssts {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)/3] ^= 0x40
			if err := os.WriteFile(f, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		s, err := Open(dir, Options{Namespace: testNS, Logger: quietLogger{}})
		if err == nil {
			err = s.Check(l)
			s.Close()
		}
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("flipped sstable byte: %v, want ErrCorrupt", err)
		}
	})
	t.Run("node record", func(t *testing.T) {
		s := openTestStore(t, t.TempDir(), Options{})
		defer s.Close()
		for v := uint64(1); v <= 3; v++ {
			if err := commitVersion(s, v); err != nil {
				t.Fatal(err)
			}
		}
		l, _ := s.LatestRoot(RootState)
		tr, _ := s.Tree(l)
		leaf, _ := tr.findLeaf([]byte("key 0001"))
		bad := append([]byte(nil), leaf.appendStored(nil)...)
		bad[len(bad)-1] ^= 1 // a different value under the same key
		if err := s.db.Set(nodeKey(leaf.id), bad, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Check(l); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Check: %v, want ErrCorrupt", err)
		}
		s.cache = newNodeCache(1 << 20) // as after a restart
		tr, _ = s.Tree(l)
		it := tr.NewIterator(nil, nil)
		for it.First(); it.Valid(); it.Next() {
		}
		if !errors.Is(it.Err(), ErrCorrupt) {
			t.Fatalf("iterating: %v, want ErrCorrupt", it.Err())
		}
	})
}
