package main

import (
	"fmt"
	"os"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/loader"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/vm/sbpf/elf"
)

// genesisPrograms turns solana-test-validator style `--bpf-program ADDRESS
// FILE` pairs into executable BPFLoader2 accounts. cobra leaves the second
// word of each pair as a positional argument, so the i-th flag value pairs
// with the i-th argument. ADDRESS may be a base58 address or a keypair file.
// Every program is loaded and verified now, so a bad file fails at startup.
func genesisPrograms(rt *loader.Runtime, addresses, files []string) ([]svm.AccountWrite, error) {
	if len(addresses) != len(files) {
		return nil, fmt.Errorf("--bpf-program takes an address and a file: got %d addresses and %d files", len(addresses), len(files))
	}
	var out []svm.AccountWrite
	for i, a := range addresses {
		id, err := sol.PubkeyFromString(a)
		if err != nil {
			key, kerr := client.ReadKeypair(a)
			if kerr != nil {
				return nil, fmt.Errorf("--bpf-program %s: neither an address nor a keypair file", a)
			}
			id = client.PubkeyOf(key)
		}
		so, err := os.ReadFile(files[i])
		if err != nil {
			return nil, fmt.Errorf("--bpf-program %s: %w", a, err)
		}
		if _, err := elf.Load(so, rt.Registry()); err != nil {
			return nil, fmt.Errorf("--bpf-program %s %s: %w", a, files[i], err)
		}
		out = append(out, svm.AccountWrite{Key: id, Account: sol.Account{
			Lamports: svm.DefaultRent.MinimumBalance(len(so)), Data: so, Owner: svm.BPFLoader2ID, Executable: true,
		}})
	}
	return out, nil
}
