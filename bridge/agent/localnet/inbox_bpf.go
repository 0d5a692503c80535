package localnet

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/recipient"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/loader"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/vm/sbpf/link"
)

//go:embed sbpf/inbox.c
var inboxSource []byte

// cBytes renders b as a C brace list body: 0x01,0x02,…
func cBytes(b []byte) string {
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = fmt.Sprintf("0x%02x", x)
	}
	return strings.Join(parts, ",")
}

// InboxProgram compiles the Inbox as an sBPF program (clang from PATH, or
// clangPath) with the bridge's fixed addresses compiled in, and returns the
// shared object, loaded and verified against the SVM runtime's syscalls.
func InboxProgram(clangPath string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "atoll-inbox-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "inbox.c")
	if err := os.WriteFile(src, inboxSource, 0o644); err != nil {
		return nil, err
	}
	rt, err := loader.New()
	if err != nil {
		return nil, err
	}
	manager := address.Manager()
	so, err := link.BuildC(src, link.BuildOptions{Clang: clangPath, Flags: []string{
		"-DREPLICA_PROGRAM=" + cBytes(address.Replica[:]),
		"-DCONNMGR_PROGRAM=" + cBytes(address.ConnMgr[:]),
		"-DMANAGER_STATE=" + cBytes(manager[:]),
		"-DHANDLE_DISCRIMINATOR={" + cBytes(recipient.Discriminator[:]) + "}",
	}, Link: link.Options{Syscalls: rt.Registry()}})
	if err != nil {
		return nil, fmt.Errorf("localnet: building the inbox program needs clang with the BPF target (the --devbank networks need none): %w", err)
	}
	return so, nil
}

// InboxAccount is the executable account that holds so at Inbox, as
// BPFLoader2 loads a program at genesis.
func InboxAccount(so []byte) svm.AccountWrite {
	return svm.AccountWrite{Key: Inbox, Account: sol.Account{
		Lamports: svm.DefaultRent.MinimumBalance(len(so)), Data: so, Owner: svm.BPFLoader2ID, Executable: true,
	}}
}
