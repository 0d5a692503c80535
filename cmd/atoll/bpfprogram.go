package main

import (
	"fmt"
	"os"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/loader"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/vm/sbpf/elf"
)

// genesisProgram turns one solana-test-validator style `--bpf-program
// ADDRESS FILE` pair into an executable BPFLoader2 account, rent-exempt for
// its size. ADDRESS may be a base58 address or a keypair file. The ELF is
// loaded and verified against the runtime's syscalls, so a bad file fails
// at startup rather than at the program's first invocation.
func genesisProgram(rt *loader.Runtime, address, file string) (svm.AccountWrite, error) {
	id, err := pubkeyOrKeypair("bpf-program", address)
	if err != nil {
		return svm.AccountWrite{}, err
	}
	so, err := os.ReadFile(file)
	if err != nil {
		return svm.AccountWrite{}, fmt.Errorf("--bpf-program %s: %w", address, err)
	}
	if _, err := elf.Load(so, rt.Registry()); err != nil {
		return svm.AccountWrite{}, fmt.Errorf("--bpf-program %s %s: %w", address, file, err)
	}
	return svm.AccountWrite{Key: id, Account: sol.Account{
		Lamports: svm.DefaultRent.MinimumBalance(len(so)), Data: so, Owner: svm.BPFLoader2ID, Executable: true,
	}}, nil
}
