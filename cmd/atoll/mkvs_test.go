package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/atoll-dev/atoll/storage/mkvs"
)

func TestMKVSCommand_RootsAndCheck(t *testing.T) {
	dir := t.TempDir()
	s, err := mkvs.Open(dir, mkvs.Options{Namespace: mkvs.Namespace{0xab}})
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := s.Tree(s.EmptyRoot(mkvs.RootState, 0))
	tr.Insert([]byte("k"), []byte("v"))
	root, _, err := tr.Commit(3)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		c := newRootCommand()
		c.SetOut(&out)
		c.SetArgs(args)
		err := c.Execute()
		return out.String(), err
	}
	out, err := run("mkvs", "roots", "--dir", dir)
	if err != nil || !strings.Contains(out, "namespace ab00") || !strings.Contains(out, "versions 0..3 latest "+root.Hash.String()) {
		t.Fatalf("roots: %v\n%s", err, out)
	}
	out, err = run("mkvs", "check", "--dir", dir, "--version", "3")
	if err != nil || !strings.Contains(out, "verified") {
		t.Fatalf("check: %v\n%s", err, out)
	}
	if _, err := run("mkvs", "check", "--dir", dir, "--version", "2"); err == nil {
		t.Fatal("check of a missing version succeeded")
	}
	if _, err := run("mkvs", "roots", "--dir", t.TempDir()); err == nil {
		t.Fatal("roots of an empty directory succeeded")
	}
}
