package localnet_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/bridge/agent"
	"github.com/atoll-dev/atoll/bridge/agent/localnet"
	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/recipient"
	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

func key(name string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte("atoll localnet test " + name))
	return ed25519.NewKeyFromSeed(s[:])
}

// startNet starts a devbank network of domain 2000 with a Replica of 1000;
// bpf selects the sBPF inbox.
func startNet(t testing.TB, bpf bool) *localnet.Net {
	t.Helper()
	n, err := localnet.Start(context.Background(), "beta", localnet.Config{Domain: localnet.DomainB, Remotes: []uint32{localnet.DomainA},
		Updaters: testkeys.Set(t, 1, 1), Funded: []sol.Pubkey{agent.PubkeyOf(key("user"))}, FundLamports: 10_000_000_000,
		SlotDuration: 50 * time.Millisecond, BPFInbox: bpf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// simulate runs ix from the user on n without committing it and returns
// its logs and the transaction's error (nil if it succeeded).
func simulate(t testing.TB, n *localnet.Net, ix sol.Instruction) ([]string, error) {
	t.Helper()
	user := key("user")
	bh := n.Bank.LatestBlockhash(rpc.Confirmed)
	raw, _, err := client.SignTransaction(bh.Blockhash, user, nil, ix)
	if err != nil {
		t.Fatal(err)
	}
	res, err := n.Bank.Simulate(raw, rpc.SimulateOptions{})
	if err != nil {
		return nil, err // refused before execution
	}
	if res.Result.Err == nil {
		return res.Result.Logs, nil
	}
	return res.Result.Logs, res.Result.Err
}

// handleFrom is a handle call on the inbox whose account 0 is caller.
func handleFrom(caller sol.Pubkey, signer bool, origin uint32, body []byte) sol.Instruction {
	user := agent.PubkeyOf(key("user"))
	ix := recipient.Instruction(localnet.Inbox, caller, user,
		&recipient.Handle{Origin: origin, Nonce: 3, Sender: keccak.Hash(user), Body: body}, nil)
	ix.Accounts[0].IsSigner = signer
	return ix
}

// TestInbox_RefusesAllButTheReplica: the native inbox of a devbank and the
// sBPF inbox of an atoll network refuse the same calls: any caller that is
// not the Replica signing (a user, the Replica's address unsigned), and
// malformed data. Acceptance from the Replica runs in the agents' tests.
func TestInbox_RefusesAllButTheReplica(t *testing.T) {
	user := agent.PubkeyOf(key("user"))
	for _, bpf := range []bool{false, true} {
		n := startNet(t, bpf)
		for _, tc := range []struct {
			name string
			ix   sol.Instruction
		}{
			{"a user as the caller", handleFrom(user, true, localnet.DomainA, []byte("hi"))},
			{"the Replica unsigned", handleFrom(address.ReplicaState(localnet.DomainA), false, localnet.DomainA, []byte("hi"))},
			{"no discriminator", func() sol.Instruction {
				ix := handleFrom(user, true, localnet.DomainA, nil)
				ix.Data[0] ^= 1
				return ix
			}()},
			{"a short header", func() sol.Instruction {
				ix := handleFrom(user, true, localnet.DomainA, nil)
				ix.Data = ix.Data[:20]
				return ix
			}()},
			{"one account", func() sol.Instruction {
				ix := handleFrom(user, true, localnet.DomainA, nil)
				ix.Accounts = ix.Accounts[:1]
				return ix
			}()},
		} {
			logs, err := simulate(t, n, tc.ix)
			if err == nil {
				t.Fatalf("bpf=%v: the inbox accepted %s", bpf, tc.name)
			}
			if tc.name == "a user as the caller" && !strings.Contains(strings.Join(logs, "\n"), "caller is not the enrolled replica") {
				t.Fatalf("bpf=%v: refused %s without saying why: %v\n%s", bpf, tc.name, err, strings.Join(logs, "\n"))
			}
		}
	}
}

// FuzzInbox feeds the sBPF inbox arbitrary handle data and account lists
// built from the user, the Replica's and the manager's addresses: no call
// a user can sign gets accepted, and none crashes the runtime.
func FuzzInbox(f *testing.F) {
	f.Add(byte(0), true, []byte("hello"))
	f.Add(byte(1), false, []byte{})
	f.Add(byte(2), true, make([]byte, 2100))
	n := startNet(f, true)
	f.Fuzz(func(t *testing.T, shape byte, discriminated bool, data []byte) {
		user := agent.PubkeyOf(key("user"))
		candidates := []sol.Pubkey{user, address.ReplicaState(localnet.DomainA), address.Manager(), localnet.Inbox}
		var metas []sol.AccountMeta
		for i := 0; i < int(shape%5); i++ {
			k := candidates[(int(shape)>>(2+i))%len(candidates)]
			metas = append(metas, sol.AccountMeta{Pubkey: k, IsSigner: k == user, IsWritable: k == user})
		}
		if discriminated {
			data = append(append([]byte(nil), recipient.Discriminator[:]...), data...)
		}
		if len(data) > 900 {
			data = data[:900] // what fits one transaction with these accounts
		}
		ix := sol.Instruction{ProgramID: localnet.Inbox, Accounts: metas, Data: data}
		if _, err := simulate(t, n, ix); err == nil {
			t.Fatalf("the inbox accepted a call a user signed: accounts %v, data %x", metas, data)
		}
	})
}
