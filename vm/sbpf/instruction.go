package sbpf

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// SlotSize is the size in bytes of one instruction slot.
const SlotSize = 8

// Register names r0..r10; r10 is the read-only frame pointer.
type Register uint8

// Registers.
const (
	R0 Register = iota
	R1
	R2
	R3
	R4
	R5
	R6
	R7
	R8
	R9
	R10
)

func (r Register) String() string { return fmt.Sprintf("r%d", uint8(r)) }

// Instruction is one 64-bit slot, little-endian:
//
//	msb                                                          lsb
//	+------------------------+----------------+------+------+--------+
//	| imm (32, signed)       | off (16, signed)| src 4| dst 4| opcode |
//	+------------------------+----------------+------+------+--------+
//	 bytes 4..7               bytes 2..3       byte 1 hi/lo  byte 0
//
// lddw occupies two slots: the first carries the low 32 bits of the constant
// in Imm, the second has opcode 0 and the high 32 bits in its Imm.
type Instruction struct {
	Op  Opcode
	Dst Register
	Src Register
	Off int16
	Imm int32
}

// ErrTruncatedText is returned when program text is not a whole number of slots.
var ErrTruncatedText = errors.New("sbpf: text is not a multiple of 8 bytes")

// AppendBinary appends the slot's eight bytes to b.
func (ins Instruction) AppendBinary(b []byte) []byte {
	b = append(b, byte(ins.Op), byte(ins.Dst&0x0f)|byte(ins.Src&0x0f)<<4)
	b = binary.LittleEndian.AppendUint16(b, uint16(ins.Off))
	return binary.LittleEndian.AppendUint32(b, uint32(ins.Imm))
}

// MarshalBinary encodes the slot.
func (ins Instruction) MarshalBinary() ([]byte, error) { return ins.AppendBinary(nil), nil }

// UnmarshalBinary decodes one slot from exactly eight bytes.
func (ins *Instruction) UnmarshalBinary(b []byte) error {
	if len(b) != SlotSize {
		return fmt.Errorf("%w: slot of %d bytes", ErrTruncatedText, len(b))
	}
	*ins = decodeSlot(b)
	return nil
}

func decodeSlot(b []byte) Instruction {
	return Instruction{
		Op:  Opcode(b[0]),
		Dst: Register(b[1] & 0x0f),
		Src: Register(b[1] >> 4),
		Off: int16(binary.LittleEndian.Uint16(b[2:])),
		Imm: int32(binary.LittleEndian.Uint32(b[4:])),
	}
}

// DecodeText splits program text into slots.
func DecodeText(text []byte) ([]Instruction, error) {
	if len(text)%SlotSize != 0 {
		return nil, fmt.Errorf("%w: %d bytes", ErrTruncatedText, len(text))
	}
	out := make([]Instruction, len(text)/SlotSize)
	for i := range out {
		out[i] = decodeSlot(text[i*SlotSize:])
	}
	return out, nil
}

// EncodeText is the inverse of DecodeText.
func EncodeText(insns []Instruction) []byte {
	b := make([]byte, 0, len(insns)*SlotSize)
	for _, ins := range insns {
		b = ins.AppendBinary(b)
	}
	return b
}
