package address

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Program addresses (base58 in the comments, pinned by TestAddresses).
var (
	// Home is the sending side: dispatch, message tree, updates, fraud, bonds.
	Home = derive("home") // FWjYDwnybyodux4kHX8uYLCQXhMUYrUVdU9zqmepXaaj
	// Replica holds one Replica per remote domain.
	Replica = derive("replica") // BoaAhjaxf23jfTeZMy98J3HrQcZop4oTDYoUUDq462d7
	// ConnMgr is the connection manager: replica enrolment and watchers.
	ConnMgr = derive("connection manager") // FmcPEhQQHdzVjgXAitMVNbGPaiUtBGmEAhPCArJ5wCtq
	// Token keeps wrapped balances of assets locked on other domains.
	Token = derive("token") // DYeCJQ3hHQZhqmfV9rvyLecATfur5KUFykb3zy6uyRz7
	// TokenBridge locks lamports, mints and burns wrapped balances.
	TokenBridge = derive("token bridge") // BfXGacbtyrNWVtzmW8VNsRbABheFsaKU9AUA8cPYCGgd
)

func derive(name string) sol.Pubkey {
	for i := uint32(0); ; i++ {
		h := sha256.New()
		h.Write([]byte("atoll bridge program\x00"))
		h.Write([]byte(name))
		h.Write([]byte{0})
		h.Write(binary.BigEndian.AppendUint32(nil, i))
		var k sol.Pubkey
		h.Sum(k[:0])
		if !k.IsOnCurve() {
			return k
		}
	}
}

// Seeds of program-derived accounts. Domain seeds are uint32 big-endian.
var (
	SeedHome          = []byte("home")
	SeedTreasury      = []byte("treasury")
	SeedBond          = []byte("bond")
	SeedDispatcher    = []byte("dispatcher")
	SeedReplica       = []byte("replica")
	SeedRoot          = []byte("root")
	SeedMessage       = []byte("message")
	SeedManager       = []byte("manager")
	SeedBalance       = []byte("balance")
	SeedEscrow        = []byte("escrow")
	SeedMintAuthority = []byte("mint authority")
)

// Domain is the seed form of a domain id.
func Domain(d uint32) []byte { return binary.BigEndian.AppendUint32(nil, d) }

func pda(program sol.Pubkey, seeds ...[]byte) sol.Pubkey {
	k, _, err := sol.FindProgramAddress(seeds, program)
	if err != nil {
		panic(err) // seeds here are constants within Solana's limits
	}
	return k
}

// fixed holds the program addresses without variable seeds, derived once:
// derivation costs tens of microseconds and programs check them on every call.
var fixed = struct {
	homeState, treasury, manager, escrow, mintAuthority sol.Pubkey
}{
	homeState:     pda(Home, SeedHome),
	treasury:      pda(Home, SeedTreasury),
	manager:       pda(ConnMgr, SeedManager),
	escrow:        pda(TokenBridge, SeedEscrow),
	mintAuthority: pda(TokenBridge, SeedMintAuthority),
}

// HomeState is the Home's state account.
func HomeState() sol.Pubkey { return fixed.homeState }

// Treasury receives slashed bonds.
func Treasury() sol.Pubkey { return fixed.treasury }

// Bond is the bond account of an updater address.
func Bond(updater [20]byte) sol.Pubkey { return pda(Home, SeedBond, updater[:]) }

// Dispatcher is the address a program signs with (invoke_signed) to dispatch
// messages with its program id as sender.
func Dispatcher(program sol.Pubkey) sol.Pubkey { return pda(program, SeedDispatcher) }

// ReplicaState is the state account of the Replica of a remote domain.
func ReplicaState(remote uint32) sol.Pubkey { return pda(Replica, SeedReplica, Domain(remote)) }

// RootEntry is the history account of a root on the Replica of remote.
func RootEntry(remote uint32, root [32]byte) sol.Pubkey {
	return pda(Replica, SeedRoot, Domain(remote), root[:])
}

// MessageRecord is the status account of a message leaf on the Replica of remote.
func MessageRecord(remote uint32, leaf [32]byte) sol.Pubkey {
	return pda(Replica, SeedMessage, Domain(remote), leaf[:])
}

// Manager is the connection manager's state account.
func Manager() sol.Pubkey { return fixed.manager }

// Balance is the wrapped-balance account of owner for the asset of origin.
func Balance(origin uint32, owner sol.Pubkey) sol.Pubkey {
	return pda(Token, SeedBalance, Domain(origin), owner[:])
}

// Escrow holds the lamports the token bridge locked on this domain.
func Escrow() sol.Pubkey { return fixed.escrow }

// MintAuthority is the token bridge's address that alone may mint.
func MintAuthority() sol.Pubkey { return fixed.mintAuthority }
