package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// clientFlags are the flags every client verb shares, named as the solana
// CLI names them.
type clientFlags struct {
	url        string
	keypair    string
	commitment string
}

func (f *clientFlags) register(cmd *cobra.Command) {
	pf := cmd.Flags()
	pf.StringVarP(&f.url, "url", "u", client.DefaultURL, "JSON-RPC URL of the network (\"localhost\" or \"l\" for the local devnet)")
	pf.StringVarP(&f.keypair, "keypair", "k", defaultKeypairPath(), "keypair file of the signer and fee payer (solana-keygen format)")
	pf.StringVar(&f.commitment, "commitment", client.Confirmed, "commitment to read at and wait for: processed, confirmed or finalized")
}

// defaultKeypairPath is the solana CLI's default signer.
func defaultKeypairPath() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return "id.json"
	}
	return filepath.Join(home, ".config", "solana", "id.json")
}

func (f *clientFlags) client() (*client.Client, error) {
	switch f.commitment {
	case client.Processed, client.Confirmed, client.Finalized:
	default:
		return nil, fmt.Errorf("unknown --commitment %q: use processed, confirmed or finalized", f.commitment)
	}
	switch f.url {
	case "localhost", "l":
		return client.New(client.DefaultURL), nil
	}
	if !strings.HasPrefix(f.url, "http://") && !strings.HasPrefix(f.url, "https://") {
		return nil, fmt.Errorf("--url %q is not an http(s) URL", f.url)
	}
	return client.New(f.url), nil
}

func (f *clientFlags) signer() (ed25519.PrivateKey, error) {
	return readKeypairFile(f.keypair)
}

func readKeypairFile(path string) (ed25519.PrivateKey, error) {
	k, err := client.ReadKeypair(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no keypair at %s: create one with `atoll keys new -o %s` or pass --keypair", path, path)
	}
	if err != nil {
		return nil, fmt.Errorf("keypair %s: %w", path, err)
	}
	return k, nil
}

// resolveAddress accepts a base58 address or the path of a keypair file.
func resolveAddress(s string) (sol.Pubkey, error) {
	if k, err := sol.PubkeyFromString(s); err == nil {
		return k, nil
	}
	if _, err := os.Stat(s); err == nil {
		key, err := readKeypairFile(s)
		if err != nil {
			return sol.Pubkey{}, err
		}
		return client.PubkeyOf(key), nil
	}
	return sol.Pubkey{}, fmt.Errorf("%q is neither a base58 address nor a keypair file", s)
}

// parseSOL reads a decimal SOL amount into lamports exactly.
func parseSOL(s string) (uint64, error) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || len(frac) > 9 || strings.ContainsAny(whole+frac, "+-") {
		return 0, fmt.Errorf("amount %q is not a SOL amount with at most 9 decimals", s)
	}
	if whole == "" {
		whole = "0"
	}
	w, err := strconv.ParseUint(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("amount %q is not a SOL amount: %v", s, err)
	}
	f := uint64(0)
	if frac != "" {
		if f, err = strconv.ParseUint(frac+strings.Repeat("0", 9-len(frac)), 10, 64); err != nil {
			return 0, fmt.Errorf("amount %q is not a SOL amount: %v", s, err)
		}
	}
	if w > (^uint64(0)-f)/1e9 {
		return 0, fmt.Errorf("amount %q is too large", s)
	}
	return w*1e9 + f, nil
}

// formatSOL renders lamports as the solana CLI does: "1.5 SOL".
func formatSOL(lamports uint64) string {
	s := fmt.Sprintf("%d.%09d", lamports/1e9, lamports%1e9)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + " SOL"
}

// sendAndConfirm submits raw and waits for commitment, reporting a failed
// transaction as an error.
func sendAndConfirm(ctx context.Context, c *client.Client, raw []byte, lastValid uint64, commitment string) (sol.Signature, error) {
	sig, err := c.SendTransaction(ctx, raw, false, commitment)
	if err != nil {
		return sol.Signature{}, err
	}
	st, err := c.ConfirmTransaction(ctx, sig, commitment, lastValid)
	if err != nil {
		return sig, fmt.Errorf("transaction %s: %w", sig, err)
	}
	if st.Failed() {
		return sig, fmt.Errorf("transaction %s failed: %s", sig, st.Err)
	}
	return sig, nil
}

func printf(w io.Writer, format string, args ...any) { fmt.Fprintf(w, format, args...) }
