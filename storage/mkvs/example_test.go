package mkvs_test

import (
	"fmt"
	"log"
	"os"

	"github.com/atoll-dev/atoll/storage/mkvs"
)

// A round's life: open the latest state, change it, commit it as the next
// version, and prove a read against the new root to someone who trusts only
// the root.
func Example() {
	dir, err := os.MkdirTemp("", "mkvs-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	store, err := mkvs.Open(dir, mkvs.Options{Namespace: mkvs.Namespace{1}, KeepVersions: 100})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	tree, err := store.Tree(store.EmptyRoot(mkvs.RootState, 0))
	if err != nil {
		log.Fatal(err)
	}
	_ = tree.Insert([]byte("alice"), []byte("10"))
	_ = tree.Insert([]byte("bob"), []byte("5"))
	root, writeLog, err := tree.Commit(1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("version", root.Version, "changes", len(writeLog))

	proof, err := tree.Prove([]byte("alice"), []byte("carol"))
	if err != nil {
		log.Fatal(err)
	}
	answers, err := mkvs.VerifyProof(root.Hash, proof, []byte("alice"), []byte("carol"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("alice=%s found=%v; carol found=%v\n", answers[0].Value, answers[0].Found, answers[1].Found)
	// Output:
	// version 1 changes 2
	// alice=10 found=true; carol found=false
}
