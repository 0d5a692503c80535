package scheduler

import (
	"crypto/sha512"
	"encoding/binary"
	"math/bits"
	"math/rand/v2"

	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/signature"
)

// Role is a committee role.
type Role string

// Committee roles.
const (
	RoleWorker       Role = "worker"
	RoleBackupWorker Role = "backup-worker"
	RoleStorage      Role = "storage"
)

// Kind is a committee kind.
type Kind string

// Committee kinds.
const (
	KindExecutor Kind = "executor"
	KindStorage  Kind = "storage"
)

// Candidate is an eligible node. Weight is used only by stake-weighted
// elections (the entity's escrow).
type Candidate struct {
	Node   signature.PublicKey
	Entity signature.PublicKey
	Weight uint64
}

// Member is an elected node.
type Member struct {
	Node signature.PublicKey `cbor:"node" json:"node"`
	Role Role                `cbor:"role" json:"role"`
}

// Committee is one elected committee of a runtime for an epoch. An empty
// Members list means the election failed.
type Committee struct {
	Runtime registry.RuntimeID `cbor:"runtime" json:"runtime"`
	Kind    Kind               `cbor:"kind" json:"kind"`
	Epoch   uint64             `cbor:"epoch" json:"epoch"`
	Members []Member           `cbor:"members" json:"members"`
}

// Workers returns the members with role r in election order.
func (c *Committee) Workers(r Role) []signature.PublicKey {
	var out []signature.PublicKey
	for _, m := range c.Members {
		if m.Role == r {
			out = append(out, m.Node)
		}
	}
	return out
}

// Seed is the per-runtime, per-role shuffle seed.
func Seed(entropy []byte, epoch uint64, rt registry.RuntimeID, role Role) [32]byte {
	h := sha512.New512_256()
	h.Write([]byte("atoll/scheduler/v1"))
	h.Write(entropy)
	h.Write(binary.BigEndian.AppendUint64(nil, epoch))
	h.Write(rt[:])
	h.Write([]byte(role))
	var s [32]byte
	h.Sum(s[:0])
	return s
}

// Shuffle permutes candidates deterministically from seed. It uses its own
// unbiased bounded sampling on ChaCha8's stream, whose output is fixed by
// specification, rather than math/rand's helpers whose algorithms may
// change between Go releases.
func Shuffle(seed [32]byte, candidates []Candidate) []Candidate {
	out := append([]Candidate(nil), candidates...)
	rng := rand.NewChaCha8(seed)
	for i := len(out) - 1; i > 0; i-- {
		j := uniform(rng, uint64(i+1))
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// uniform returns a uniform value in [0, n) by Lemire's multiply-and-reject.
func uniform(rng *rand.ChaCha8, n uint64) uint64 {
	hi, lo := bits.Mul64(rng.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(rng.Uint64(), n)
		}
	}
	return hi
}

// WeightedShuffle orders candidates by sampling without replacement with
// probability proportional to Weight, using integer arithmetic only (no
// floating point, whose rounding may differ across CPUs). Zero-weight
// candidates come last in their given order. It is O(n^2); committees are
// drawn from at most a few thousand nodes.
func WeightedShuffle(seed [32]byte, candidates []Candidate) []Candidate {
	rest := append([]Candidate(nil), candidates...)
	out := make([]Candidate, 0, len(rest))
	rng := rand.NewChaCha8(seed)
	var total uint64
	for _, c := range rest {
		total += c.Weight
	}
	for total > 0 {
		r := uniform(rng, total)
		for i, c := range rest {
			if r < c.Weight {
				out = append(out, c)
				total -= c.Weight
				rest = append(rest[:i], rest[i+1:]...)
				break
			}
			r -= c.Weight
		}
	}
	return append(out, rest...)
}

// Elect picks size members of role from candidates (sorted by node id,
// none already in taken), honouring maxPerEntity (0: unlimited) with the
// per-entity counts in perEntity, which it updates. It returns nil if fewer
// than size can be picked.
func Elect(seed [32]byte, role Role, candidates []Candidate, size int, maxPerEntity int, perEntity map[signature.PublicKey]int, taken map[signature.PublicKey]bool) []Member {
	return elect(Shuffle(seed, candidates), role, candidates, size, maxPerEntity, perEntity, taken)
}

// ElectWeighted is Elect with a stake-weighted order.
func ElectWeighted(seed [32]byte, role Role, candidates []Candidate, size int, maxPerEntity int, perEntity map[signature.PublicKey]int, taken map[signature.PublicKey]bool) []Member {
	return elect(WeightedShuffle(seed, candidates), role, candidates, size, maxPerEntity, perEntity, taken)
}

func elect(order []Candidate, role Role, candidates []Candidate, size int, maxPerEntity int, perEntity map[signature.PublicKey]int, taken map[signature.PublicKey]bool) []Member {
	if size == 0 {
		return []Member{}
	}
	var out []Member
	for _, c := range order {
		if taken[c.Node] || (maxPerEntity > 0 && perEntity[c.Entity] >= maxPerEntity) {
			continue
		}
		out = append(out, Member{Node: c.Node, Role: role})
		perEntity[c.Entity]++
		taken[c.Node] = true
		if len(out) == size {
			return out
		}
	}
	for _, m := range out {
		delete(taken, m.Node)
	}
	for _, c := range candidates {
		for _, m := range out {
			if m.Node == c.Node {
				perEntity[c.Entity]--
			}
		}
	}
	return nil
}
