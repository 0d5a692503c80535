package state

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func collect(kv KV, prefix string) string {
	var out []string
	kv.Iterate([]byte(prefix), func(k, v []byte) bool {
		out = append(out, string(k)+"="+string(v))
		return true
	})
	return fmt.Sprint(out)
}

func TestOverlay_Iterate(t *testing.T) {
	base := NewMemKV()
	for _, k := range []string{"a/1", "a/3", "a/5", "b/1"} {
		base.Set([]byte(k), []byte("base"))
	}
	o := NewOverlay(base)
	o.Set([]byte("a/2"), []byte("new"))
	o.Set([]byte("a/3"), []byte("upd"))
	o.Delete([]byte("a/5"))
	o.Set([]byte("a/9"), []byte("new"))
	nested := NewOverlay(o)
	nested.Delete([]byte("a/1"))
	nested.Set([]byte("a/0"), []byte("n"))

	cases := []struct {
		name string
		kv   KV
		want string
	}{
		{"base", base, "[a/1=base a/3=base a/5=base]"},
		{"overlay", o, "[a/1=base a/2=new a/3=upd a/9=new]"},
		{"nested", nested, "[a/0=n a/2=new a/3=upd a/9=new]"},
	}
	for _, c := range cases {
		if got := collect(c.kv, "a/"); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
	// Early stop must be honoured across the merge.
	n := 0
	o.Iterate([]byte("a/"), func(k, v []byte) bool { n++; return n < 2 })
	if n != 2 {
		t.Fatalf("iteration did not stop: %d", n)
	}
	nested.Commit()
	if got := collect(o, "a/"); got != "[a/0=n a/2=new a/3=upd a/9=new]" {
		t.Fatalf("after nested commit: %s", got)
	}
	if base.Get([]byte("a/5")) == nil {
		t.Fatal("overlay wrote through before Commit")
	}
}

func TestStore_CommitReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Begin(1)
	if err != nil {
		t.Fatal(err)
	}
	b.Set([]byte("k/1"), []byte("v1"))
	b.Set([]byte("k/2"), []byte("v2"))
	want := s.Hash(b)
	got, err := s.Commit(b)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("commit hash %x, want %x (%v)", got, want, err)
	}
	b2, _ := s.Begin(2)
	b2.Delete([]byte("k/1"))
	h2, err := s.Commit(b2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Begin(2); !errors.Is(err, ErrWrongHeight) {
		t.Fatalf("Begin(2) after committing 2: %v", err)
	}
	s.Close()

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Height() != 2 || !bytes.Equal(s.AppHash(), h2) {
		t.Fatalf("reopened at %d %x, want 2 %x", s.Height(), s.AppHash(), h2)
	}
	if got := collect(s.Committed(), "k/"); got != "[k/2=v2]" {
		t.Fatalf("reopened state %s", got)
	}
}

func TestStore_HashDependsOnHistoryAndWrites(t *testing.T) {
	run := func(vals ...string) []byte {
		s, err := Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var h []byte
		for i, v := range vals {
			b, _ := s.Begin(int64(i + 1))
			b.Set([]byte("x"), []byte(v))
			if h, err = s.Commit(b); err != nil {
				t.Fatal(err)
			}
		}
		return h
	}
	if !bytes.Equal(run("a", "b"), run("a", "b")) {
		t.Fatal("same blocks, different hashes")
	}
	if bytes.Equal(run("a", "b"), run("c", "b")) {
		t.Fatal("different history, same hash")
	}
}

func TestOpen_Corrupt(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "CURRENT"), []byte("garbage\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("got %v, want ErrCorrupt", err)
	}
}

func BenchmarkStore_Commit100(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	val := bytes.Repeat([]byte{1}, 100)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		blk, _ := s.Begin(s.Height() + 1)
		for j := 0; j < 100; j++ {
			blk.Set([]byte(fmt.Sprintf("acct/%d", (i*100+j)%5000)), val)
		}
		if _, err := s.Commit(blk); err != nil {
			b.Fatal(err)
		}
	}
}
