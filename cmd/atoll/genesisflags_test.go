package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/node"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/loader"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// parseGenesisFlags parses argv the way cobra parses a command's flags and
// loads the genesis accounts they name.
func parseGenesisFlags(t *testing.T, argv ...string) ([]svm.AccountWrite, error) {
	t.Helper()
	var gf genesisFlags
	var other string
	c := &cobra.Command{Use: "x"}
	gf.register(c)
	c.Flags().StringVar(&other, "other", "", "")
	if err := c.Flags().Parse(argv); err != nil {
		return nil, err
	}
	rt, err := loader.New()
	if err != nil {
		t.Fatal(err)
	}
	return gf.load(rt, c.Flags().Args())
}

func TestGenesisFlags_Load(t *testing.T) {
	dir := t.TempDir()
	so := filepath.Join(testdata, "counter.so")
	elf, err := os.ReadFile(so)
	if err != nil {
		t.Fatal(err)
	}
	progKey := filepath.Join(dir, "prog.json")
	if _, err := atoll(t, "keys", "new", "-o", progKey, "-s"); err != nil {
		t.Fatal(err)
	}
	acctFile := filepath.Join(dir, "acct.json")
	const fileKey = "A1ice11111111111111111111111111111111111111"
	os.WriteFile(acctFile, []byte(`{"pubkey":"`+fileKey+`","account":{"lamports":77,"data":["AQID","base64"],"owner":"11111111111111111111111111111111","executable":false,"rentEpoch":0}}`), 0o644)
	notELF := filepath.Join(dir, "not.so")
	os.WriteFile(notELF, []byte("not an ELF"), 0o644)
	progID := sol.Pubkey{1, 2, 3}.String()
	other := sol.Pubkey{4}.String()

	tests := []struct {
		name    string
		argv    []string
		want    []string // keys, in order
		wantErr string
	}{
		{name: "interleaved pairs and plain flags",
			argv: []string{"--bpf-program", progID, so, "--other", "x", "--account", other, acctFile, "--account", "-", acctFile + "x"},
			// the third pair's file is missing: reported with its address
			wantErr: "--account -:"},
		{name: "pairs, joined account form, keypair address",
			argv: []string{"--account", other, acctFile, "--bpf-program", progKey, so, "--account=-=" + acctFile, "--bpf-program", progID, so},
			want: []string{"keypair", progID, other, fileKey}},
		{name: "missing second word", argv: []string{"--bpf-program", progID}, wantErr: "want two words"},
		{name: "two flags in a row", argv: []string{"--bpf-program", progID, "--account", other, acctFile}, wantErr: "--bpf-program " + progID + ": want two words"},
		{name: "stray argument", argv: []string{"--bpf-program", progID, so, "extra"}, wantErr: `unexpected argument "extra"`},
		{name: "same address twice", argv: []string{"--bpf-program", other, so, "--account", other, acctFile}, wantErr: "given twice"},
		{name: "not an ELF", argv: []string{"--bpf-program", progID, notELF}, wantErr: "--bpf-program " + progID + " " + notELF + ": elf"},
		{name: "bad address", argv: []string{"--bpf-program", "nope", so}, wantErr: "neither a base58 address nor a keypair file"},
		{name: "bad account file", argv: []string{"--account", other, so}, wantErr: "malformed account file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, err := parseGenesisFlags(t, tt.argv...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(ws) != len(tt.want) {
				t.Fatalf("%d accounts, want %d", len(ws), len(tt.want))
			}
			for i, w := range ws {
				if tt.want[i] != "keypair" && w.Key.String() != tt.want[i] {
					t.Errorf("account %d is %s, want %s", i, w.Key, tt.want[i])
				}
				if w.Account.Executable {
					if string(w.Account.Data) != string(elf) || w.Account.Owner != svm.BPFLoader2ID || w.Account.Lamports != svm.DefaultRent.MinimumBalance(len(elf)) {
						t.Errorf("program %s: owner %s, %d lamports, %d bytes", w.Key, w.Account.Owner, w.Account.Lamports, len(w.Account.Data))
					}
				} else if w.Account.Lamports != 77 || string(w.Account.Data) != "\x01\x02\x03" {
					t.Errorf("account %s: %+v", w.Key, w.Account)
				}
			}
		})
	}
}

func TestDevnetSpec_IgnoredGenesis(t *testing.T) {
	prog := node.GenesisAccount{Pubkey: sol.Pubkey{1}, Account: sol.Account{Lamports: 5, Data: []byte{1}, Owner: svm.BPFLoader2ID, Executable: true}}
	stored := &node.SVMGenesis{FaucetLamports: 10 * lamportsPerSOL, BridgeDomain: 7, Accounts: []node.GenesisAccount{prog}}
	changedProg := prog
	changedProg.Account.Data = []byte{2}
	tests := []struct {
		name string
		spec devnetSpec
		want []string
	}{
		{name: "defaults not given", spec: devnetSpec{faucetLamports: 99 * lamportsPerSOL, bridgeDomain: 0, changed: map[string]bool{}}},
		{name: "same values given", spec: devnetSpec{faucetLamports: 10 * lamportsPerSOL, bridgeDomain: 7, accounts: []node.GenesisAccount{prog}, origins: []string{"--bpf-program p"},
			changed: map[string]bool{"faucet-sol": true, "bridge-domain": true}}},
		{name: "different values given", spec: devnetSpec{faucetLamports: 11 * lamportsPerSOL, bridgeDomain: 8, bridgeAdmin: sol.Pubkey{3},
			accounts: []node.GenesisAccount{changedProg, {Pubkey: sol.Pubkey{2}}}, origins: []string{"--bpf-program p", "--account a"},
			changed: map[string]bool{"faucet-sol": true, "bridge-domain": true, "bridge-admin": true}},
			want: []string{"--faucet-sol 11 (the faucet was funded with 10 SOL)", "--bridge-domain 8 (the devnet's domain is 7)", "--bridge-admin",
				"--bpf-program p (differs from the devnet's genesis account)", "--account a (not in the devnet's genesis)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.spec.ignoredGenesis(stored)
			if len(got) != len(tt.want) {
				t.Fatalf("ignored %q, want %q", got, tt.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("ignored[%d] = %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestDevnetGenesis_Flags(t *testing.T) {
	adminFile := filepath.Join(t.TempDir(), "admin.json")
	if _, err := atoll(t, "keys", "new", "-o", adminFile, "-s"); err != nil {
		t.Fatal(err)
	}
	adminKey, err := readKeypairFile(adminFile)
	if err != nil {
		t.Fatal(err)
	}
	admin := sol.Pubkey{5}
	tests := []struct {
		name      string
		argv      []string
		wantAdmin sol.Pubkey
		wantSOL   uint64
		wantErr   string
	}{
		{name: "defaults", wantSOL: 500_000_000},
		{name: "admin pubkey", argv: []string{"--bridge-domain", "7", "--bridge-admin", admin.String(), "--faucet-sol", "3"}, wantAdmin: admin, wantSOL: 3},
		{name: "admin keypair file", argv: []string{"--bridge-admin", adminFile}, wantAdmin: client.PubkeyOf(adminKey), wantSOL: 500_000_000},
		{name: "admin neither", argv: []string{"--bridge-admin", "nobody"}, wantErr: "--bridge-admin nobody: neither a base58 address nor a keypair file"},
		{name: "no faucet", argv: []string{"--faucet-sol", "0"}, wantErr: "--faucet-sol 0: want 1 to"},
		{name: "faucet beyond u64 lamports", argv: []string{"--faucet-sol", "18446744074"}, wantErr: "--faucet-sol 18446744074: want 1 to 18446744073"},
		{name: "domain beyond u32", argv: []string{"--bridge-domain", "4294967296"}, wantErr: "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				gf        genesisFlags
				b         bridgeFlags
				faucetSOL uint64
			)
			c := &cobra.Command{Use: "x"}
			gf.register(c)
			b.register(c)
			c.Flags().Uint64Var(&faucetSOL, "faucet-sol", 500_000_000, "")
			err := c.Flags().Parse(tt.argv)
			var s *devnetSpec
			if err == nil {
				s, err = devnetGenesis(c, &gf, c.Flags().Args(), faucetSOL, &b)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.bridgeAdmin != tt.wantAdmin || s.faucetLamports != tt.wantSOL*lamportsPerSOL {
				t.Fatalf("admin %s, faucet %d lamports", s.bridgeAdmin, s.faucetLamports)
			}
		})
	}
}
