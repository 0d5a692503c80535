package loader

import (
	"encoding/binary"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Upgradeable loader account states (bincode, u32 tag), the layout `solana
// program deploy` relies on:
//
//	0 Uninitialized
//	1 Buffer      { authority: Option<Pubkey> }                  37-byte header, then the ELF
//	2 Program     { programdata: Pubkey }                        36 bytes
//	3 ProgramData { slot: u64, upgrade_authority: Option<Pubkey> } 45-byte header, then the ELF
const (
	stateUninitialized = 0
	stateBuffer        = 1
	stateProgram       = 2
	stateProgramData   = 3

	BufferMetadataSize      = 37
	ProgramAccountSize      = 36
	ProgramDataMetadataSize = 45
)

// UpgradeableState is a decoded upgradeable-loader account.
type UpgradeableState struct {
	Kind         uint32
	Authority    *sol.Pubkey // Buffer and ProgramData
	ProgramData  sol.Pubkey  // Program
	DeploySlot   uint64      // ProgramData
	hasAuthority bool
}

// DecodeUpgradeableState parses the state header of an account's data.
func DecodeUpgradeableState(data []byte) (UpgradeableState, error) {
	if len(data) < 4 {
		return UpgradeableState{}, svm.ErrInvalidAccountData
	}
	s := UpgradeableState{Kind: binary.LittleEndian.Uint32(data)}
	optKey := func(b []byte) (*sol.Pubkey, error) {
		if len(b) < 1 {
			return nil, svm.ErrInvalidAccountData
		}
		switch b[0] {
		case 0:
			return nil, nil
		case 1:
			if len(b) < 33 {
				return nil, svm.ErrInvalidAccountData
			}
			var k sol.Pubkey
			copy(k[:], b[1:33])
			return &k, nil
		}
		return nil, svm.ErrInvalidAccountData
	}
	var err error
	switch s.Kind {
	case stateUninitialized:
	case stateBuffer:
		s.Authority, err = optKey(data[4:])
	case stateProgram:
		if len(data) < ProgramAccountSize {
			return s, svm.ErrInvalidAccountData
		}
		copy(s.ProgramData[:], data[4:36])
	case stateProgramData:
		if len(data) < ProgramDataMetadataSize {
			return s, svm.ErrInvalidAccountData
		}
		s.DeploySlot = binary.LittleEndian.Uint64(data[4:])
		s.Authority, err = optKey(data[12:])
	default:
		return s, svm.ErrInvalidAccountData
	}
	return s, err
}

// encodeInto writes the state header over the start of data, which must be
// large enough for it.
func (s *UpgradeableState) encodeInto(data []byte) error {
	need := map[uint32]int{stateUninitialized: 4, stateBuffer: BufferMetadataSize, stateProgram: ProgramAccountSize, stateProgramData: ProgramDataMetadataSize}[s.Kind]
	if len(data) < need {
		return svm.ErrAccountDataTooSmall
	}
	clear(data[:need])
	binary.LittleEndian.PutUint32(data, s.Kind)
	putOpt := func(b []byte) {
		if s.Authority != nil {
			b[0] = 1
			copy(b[1:33], s.Authority[:])
		}
	}
	switch s.Kind {
	case stateBuffer:
		putOpt(data[4:])
	case stateProgram:
		copy(data[4:36], s.ProgramData[:])
	case stateProgramData:
		binary.LittleEndian.PutUint64(data[4:], s.DeploySlot)
		putOpt(data[12:])
	}
	return nil
}

// ProgramDataAddress is where the upgradeable loader keeps a program's bytes.
func ProgramDataAddress(program sol.Pubkey) sol.Pubkey {
	k, _, _ := sol.FindProgramAddress([][]byte{program[:]}, svm.BPFLoaderUpgradeableID)
	return k
}
