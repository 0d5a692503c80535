package syscalls

import (
	"crypto/sha256"
	"fmt"
	"hash"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"golang.org/x/crypto/sha3"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/vm/sbpf"
)

func (s *set) sha256(m *sbpf.Machine, vals, n, result, _, _ uint64) (uint64, error) {
	return s.hash(m, sha256.New(), vals, n, result)
}

func (s *set) keccak256(m *sbpf.Machine, vals, n, result, _, _ uint64) (uint64, error) {
	return s.hash(m, sha3.NewLegacyKeccak256(), vals, n, result)
}

func (s *set) hash(m *sbpf.Machine, h hash.Hash, vals, n, result uint64) (uint64, error) {
	if n > s.c.Sha256MaxSlices {
		return 0, fmt.Errorf("%w: %d > %d", ErrTooManySlices, n, s.c.Sha256MaxSlices)
	}
	if err := m.Consume(s.c.Sha256Base); err != nil {
		return 0, err
	}
	out, err := m.Store(result, 32)
	if err != nil {
		return 0, err
	}
	if n > 0 {
		slices, err := loadSlices(m, vals, n)
		if err != nil {
			return 0, err
		}
		for _, sl := range slices {
			b, err := m.Load(sl[0], sl[1])
			if err != nil {
				return 0, err
			}
			if err := m.Consume(max(s.c.MemOpBase, s.c.Sha256Byte*(sl[1]/2))); err != nil {
				return 0, err
			}
			h.Write(b)
		}
	}
	copy(out, h.Sum(nil))
	return 0, nil
}

// Return codes of sol_secp256k1_recover.
const (
	Secp256k1InvalidHash       = 1
	Secp256k1InvalidRecoveryID = 2
	Secp256k1InvalidSignature  = 3
)

func (s *set) secp256k1Recover(m *sbpf.Machine, hashAddr, recID, sigAddr, result, _ uint64) (uint64, error) {
	if err := m.Consume(s.c.Secp256k1Recover); err != nil {
		return 0, err
	}
	out, err := m.Store(result, 64)
	if err != nil {
		return 0, err
	}
	digest, err := m.Load(hashAddr, 32)
	if err != nil {
		return 0, err
	}
	sig, err := m.Load(sigAddr, 64)
	if err != nil {
		return 0, err
	}
	if recID > 3 {
		return Secp256k1InvalidRecoveryID, nil
	}
	var r, sv secp256k1.ModNScalar
	if r.SetByteSlice(sig[:32]) || sv.SetByteSlice(sig[32:]) {
		return Secp256k1InvalidSignature, nil // a component is not below the group order
	}
	compact := make([]byte, 65)
	compact[0] = 27 + byte(recID)
	copy(compact[1:], sig)
	pub, _, err := ecdsa.RecoverCompact(compact, digest)
	if err != nil {
		return Secp256k1InvalidSignature, nil
	}
	copy(out, pub.SerializeUncompressed()[1:])
	return 0, nil
}

func (s *set) seeds(m *sbpf.Machine, seedsAddr, n, programAddr uint64) ([][]byte, sol.Pubkey, error) {
	var program sol.Pubkey
	slices, err := loadSlices(m, seedsAddr, n)
	if err != nil {
		return nil, program, err
	}
	if len(slices) > MaxSeeds {
		return nil, program, fmt.Errorf("%w: %d seeds", ErrBadSeeds, len(slices))
	}
	seeds := make([][]byte, len(slices))
	for i, sl := range slices {
		if sl[1] > MaxSeedLen {
			return nil, program, fmt.Errorf("%w: seed of %d bytes", ErrBadSeeds, sl[1])
		}
		if seeds[i], err = m.Load(sl[0], sl[1]); err != nil {
			return nil, program, err
		}
	}
	pk, err := m.Load(programAddr, sol.PubkeySize)
	if err != nil {
		return nil, program, err
	}
	copy(program[:], pk)
	return seeds, program, nil
}

func (s *set) createProgramAddress(m *sbpf.Machine, seedsAddr, n, programAddr, result, _ uint64) (uint64, error) {
	if err := m.Consume(s.c.CreateProgramAddress); err != nil {
		return 0, err
	}
	seeds, program, err := s.seeds(m, seedsAddr, n, programAddr)
	if err != nil {
		return 0, err
	}
	addr, err := sol.CreateProgramAddress(seeds, program)
	if err != nil {
		return 1, nil
	}
	out, err := m.Store(result, sol.PubkeySize)
	if err != nil {
		return 0, err
	}
	copy(out, addr[:])
	return 0, nil
}

func (s *set) tryFindProgramAddress(m *sbpf.Machine, seedsAddr, n, programAddr, result, bumpAddr uint64) (uint64, error) {
	if err := m.Consume(s.c.CreateProgramAddress); err != nil {
		return 0, err
	}
	seeds, program, err := s.seeds(m, seedsAddr, n, programAddr)
	if err != nil {
		return 0, err
	}
	bump := []byte{255}
	withBump := append(seeds[:len(seeds):len(seeds)], bump)
	for i := 0; i < 255; i++ {
		if addr, err := sol.CreateProgramAddress(withBump, program); err == nil {
			if !nonOverlapping(bumpAddr, 1, result, sol.PubkeySize) {
				return 0, ErrCopyOverlapping
			}
			b, err := m.Store(bumpAddr, 1)
			if err != nil {
				return 0, err
			}
			out, err := m.Store(result, sol.PubkeySize)
			if err != nil {
				return 0, err
			}
			b[0] = bump[0]
			copy(out, addr[:])
			return 0, nil
		}
		bump[0]--
		if err := m.Consume(s.c.CreateProgramAddress); err != nil {
			return 0, err
		}
	}
	return 1, nil
}
