package sbpf

import (
	"fmt"
	"io"
	"sync"
)

// The virtual address space: four regions of up to 4 GiB each.
const (
	regionSize   = 1 << 32
	ProgramStart = 1 << 32 // read-only: text, rodata, .data.rel.ro
	StackStart   = 2 << 32 // call frames
	HeapStart    = 3 << 32 // heap
	InputStart   = 4 << 32 // serialized accounts and instruction data
)

// Limits of the call stack and heap.
const (
	StackFrameSize  = 4096
	MaxCallDepth    = 64
	StackSize       = StackFrameSize * MaxCallDepth
	DefaultHeapSize = 32 * 1024
	MaxHeapSize     = 256 * 1024
)

// region is one mapped range. Translation is branch-free: with gap g, the
// host offset of region offset off is (off>>(g+1))<<g | off&(1<<g-1), and
// off is unmapped when bit g of off is set. g = 12 gives the v0 stack (4 KiB
// frames alternating with 4 KiB gaps); g = 32 leaves offsets unchanged.
type region struct {
	data  []byte // readable bytes
	wdata []byte // the same bytes if writable, else nil
	gap   uint8
	dirty uint64 // high-water mark of writes, so reuse clears only what was touched
}

func newRegion(data []byte, writable, gapped bool) region {
	r := region{data: data, gap: 32}
	if writable {
		r.wdata = data
	}
	if gapped {
		r.gap = 12
	}
	return r
}

type frame struct {
	saved [4]uint64 // r6..r9
	fp    uint64    // r10
	ret   int
}

// Machine is one execution of a Program. Syscalls receive it to translate
// addresses and charge compute units. It is valid only during the syscall
// that received it and must not be retained.
type Machine struct {
	prog      *Program
	regions   [8]region // indexed by address >> 32; 0 and 5..7 stay unmapped
	stack     []byte
	heap      []byte
	remaining uint64 // units left as of the last reconciliation
	ctx       any
	depth     int
	pc        int
	heapPos   uint64
	trace     io.Writer
	unaligned bool
	limit     uint64 // meter value at the last reconciliation
	frameBump uint64 // r10 increment per call (0 with dynamic frames)
	frames    [MaxCallDepth]frame
}

var machines = sync.Pool{New: func() any {
	return &Machine{stack: make([]byte, StackSize), heap: make([]byte, MaxHeapSize)}
}}

// RunOptions configure one Run.
type RunOptions struct {
	// Budget is the number of compute units available; every instruction
	// costs one and syscalls charge their own costs.
	Budget uint64
	// HeapSize is the heap region's size in bytes: 0 means DefaultHeapSize;
	// otherwise a multiple of 1024 up to MaxHeapSize.
	HeapSize int
	// Context is handed to syscalls through Machine.Context.
	Context any
	// Trace, if set, receives one line per executed instruction.
	Trace io.Writer
	// UnalignedPointers lets syscalls accept unaligned pointers, as the
	// deprecated BPF loader does.
	UnalignedPointers bool
}

// Run executes p from its entrypoint with r1 pointing at input, which is
// mapped writable at InputStart and modified in place. It returns r0, the
// units consumed (at most opts.Budget) and, if the program did not exit
// normally, a *Trap or *SyscallError.
//
// Run is deterministic: the same program, input, options and syscall
// behaviour give the same results and the same input bytes.
func Run(p *Program, input []byte, opts RunOptions) (r0, used uint64, err error) {
	heapSize := opts.HeapSize
	if heapSize == 0 {
		heapSize = DefaultHeapSize
	}
	if heapSize < 0 || heapSize > MaxHeapSize || heapSize%1024 != 0 {
		return 0, 0, fmt.Errorf("%w: %d bytes", ErrInvalidHeapSize, opts.HeapSize)
	}
	m := machines.Get().(*Machine)
	m.reset(p, input, heapSize, opts)
	r0, err = m.run()
	used = opts.Budget - m.remaining
	m.release()
	machines.Put(m)
	return r0, used, err
}

func (m *Machine) reset(p *Program, input []byte, heapSize int, opts RunOptions) {
	m.prog = p
	m.remaining = opts.Budget
	m.ctx = opts.Context
	m.trace = opts.Trace
	m.unaligned = opts.UnalignedPointers
	m.depth = 0
	m.pc = p.spec.Entry
	m.heapPos = 0
	m.regions[1] = newRegion(p.spec.ReadOnly, false, false)
	m.regions[2] = newRegion(m.stack, true, p.spec.Version.stackFrameGaps())
	m.regions[3] = newRegion(m.heap[:heapSize], true, false)
	m.regions[4] = newRegion(input, true, false)
}

// release zeroes what the run wrote to the pooled stack and heap, so the
// next run starts from zeroed memory, and drops references.
func (m *Machine) release() {
	clear(m.stack[:m.regions[2].dirty])
	clear(m.heap[:m.regions[3].dirty])
	m.regions = [8]region{}
	m.prog, m.ctx, m.trace = nil, nil, nil
}

// load returns the host bytes from addr to the end of its region (at least
// n of them), or nil if [addr, addr+n) is not readable. It is small enough
// to inline into the interpreter; n must be at most 8.
func (m *Machine) load(addr, n uint64) []byte {
	r := &m.regions[min(addr>>32, 7)]
	off := addr & (regionSize - 1)
	g := r.gap
	h := (off>>(g+1))<<g | off&(1<<g-1)
	if (off>>g)&1 != 0 || h+n > uint64(len(r.data)) {
		return nil
	}
	return r.data[h:]
}

// store is load for writing; it also records the write's extent.
func (m *Machine) store(addr, n uint64) []byte {
	r := &m.regions[min(addr>>32, 7)]
	off := addr & (regionSize - 1)
	g := r.gap
	h := (off>>(g+1))<<g | off&(1<<g-1)
	if (off>>g)&1 != 0 || h+n > uint64(len(r.wdata)) {
		return nil
	}
	r.dirty = max(r.dirty, h+n)
	return r.wdata[h:]
}

// access is load and store for any length: the range must lie within one
// region (and, on the v0 stack, start in a frame).
func (m *Machine) access(addr, n uint64, write bool) []byte {
	if n > regionSize {
		return nil
	}
	r := &m.regions[min(addr>>32, 7)]
	off := addr & (regionSize - 1)
	g := r.gap
	h := (off>>(g+1))<<g | off&(1<<g-1)
	end := h + n
	buf := r.data
	if write {
		buf = r.wdata
	}
	if (off>>g)&1 != 0 || end > uint64(len(buf)) {
		return nil
	}
	if write && end > r.dirty {
		r.dirty = end
	}
	return buf[h:end:end]
}

// violation builds the trap for a failed access, classifying it the way the
// network does: in v0, anything near the stack is a stack access violation.
func (m *Machine) violation(pc int, addr, n uint64, write bool) *Trap {
	t := &Trap{Err: ErrAccessViolation, PC: pc, Addr: addr, Size: n, Write: write}
	frame := (int64(addr) - int64(StackStart)) / StackFrameSize
	if m.prog.spec.Version.stackFrameGaps() && frame >= -1 && frame <= MaxCallDepth {
		t.Err = ErrStackAccessViolation
		t.Region = fmt.Sprintf("stack frame %d", frame)
		return t
	}
	switch idx := addr >> 32; {
	case idx >= 1 && idx <= 4 && len(m.regions[idx].data) > 0:
		t.Region = [...]string{"", "program", "stack", "heap", "input"}[idx]
	default:
		t.Region = "unallocated"
	}
	return t
}

// Context returns RunOptions.Context.
func (m *Machine) Context() any { return m.ctx }

// Version is the running program's version.
func (m *Machine) Version() Version { return m.prog.spec.Version }

// CallDepth is the number of internal call frames currently pushed.
func (m *Machine) CallDepth() int { return m.depth }

// Remaining is the number of compute units left, with the instructions run so
// far already charged.
func (m *Machine) Remaining() uint64 { return m.remaining }

// Consume charges units. If fewer remain, the meter drops to zero and
// ErrComputeBudgetExceeded is returned; the syscall should return it.
func (m *Machine) Consume(units uint64) error {
	if units > m.remaining {
		m.remaining = 0
		return ErrComputeBudgetExceeded
	}
	m.remaining -= units
	return nil
}

// Load returns n bytes of VM memory at addr for reading. The slice aliases VM
// memory and is valid until the syscall returns; a range that is not mapped
// gives a *Trap wrapping ErrAccessViolation or ErrStackAccessViolation.
func (m *Machine) Load(addr, n uint64) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	if b := m.access(addr, n, false); b != nil {
		return b, nil
	}
	return nil, m.violation(m.pc, addr, n, false)
}

// Store returns n bytes of writable VM memory at addr; see Load.
func (m *Machine) Store(addr, n uint64) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	if b := m.access(addr, n, true); b != nil {
		return b, nil
	}
	return nil, m.violation(m.pc, addr, n, true)
}

// HeapAlloc is the VM-side bump allocator behind sol_alloc_free_: it returns
// the address of size bytes aligned to align (a power of two), or 0 when the
// heap is exhausted.
func (m *Machine) HeapAlloc(size, align uint64) uint64 {
	if align == 0 || align&(align-1) != 0 {
		return 0
	}
	pos := (m.heapPos + align - 1) &^ (align - 1)
	end := pos + size
	if pos < m.heapPos || end < pos || end > uint64(len(m.regions[3].data)) {
		return 0
	}
	m.heapPos = end
	return HeapStart + pos
}

// CheckAligned reports whether syscalls must reject pointers that are not
// aligned for the type they point to (all loaders but the deprecated one).
func (m *Machine) CheckAligned() bool { return !m.unaligned }
