package sbpf

import (
	"errors"
	"fmt"
	"sort"
)

// SyscallFunc implements a syscall. It receives the running machine (memory
// translation, compute meter, the caller's context) and the argument
// registers r1..r5, and returns the value for r0. A non-nil error stops the
// program; the error reaches Run's caller wrapped in a *SyscallError.
//
// A SyscallFunc charges its own cost with m.Consume before doing work.
type SyscallFunc func(m *Machine, r1, r2, r3, r4, r5 uint64) (uint64, error)

// Syscall is a registered function.
type Syscall struct {
	Name string
	Hash uint32
	Fn   SyscallFunc
}

// Registry maps murmur3 keys to syscalls. Build it once, before loading
// programs: a Program resolves its call instructions against the registry
// when it is built and keeps what it found. A Registry is not safe for
// concurrent mutation; lookups may run concurrently.
type Registry struct {
	byHash map[uint32]*Syscall
}

// Registry errors.
var (
	ErrSyscallRegistered = errors.New("sbpf: syscall already registered")
	ErrSyscallCollision  = errors.New("sbpf: syscall name hash collision")
)

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{byHash: map[uint32]*Syscall{}} }

// Register adds fn under name. Registering a name twice, or two names with
// one hash, is an error.
func (r *Registry) Register(name string, fn SyscallFunc) error {
	h := SymbolHash(name)
	if old, ok := r.byHash[h]; ok {
		if old.Name == name {
			return fmt.Errorf("%w: %s", ErrSyscallRegistered, name)
		}
		return fmt.Errorf("%w: %s and %s (%#x)", ErrSyscallCollision, old.Name, name, h)
	}
	r.byHash[h] = &Syscall{Name: name, Hash: h, Fn: fn}
	return nil
}

// Replace registers fn under name, replacing an earlier registration of the
// same name (the runtime uses it to swap in chain-aware implementations).
func (r *Registry) Replace(name string, fn SyscallFunc) error {
	h := SymbolHash(name)
	if old, ok := r.byHash[h]; ok && old.Name != name {
		return fmt.Errorf("%w: %s and %s (%#x)", ErrSyscallCollision, old.Name, name, h)
	}
	r.byHash[h] = &Syscall{Name: name, Hash: h, Fn: fn}
	return nil
}

// Lookup finds the syscall keyed by hash.
func (r *Registry) Lookup(hash uint32) (*Syscall, bool) {
	if r == nil {
		return nil, false
	}
	s, ok := r.byHash[hash]
	return s, ok
}

// Names lists the registered names in sorted order.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.byHash))
	for _, s := range r.byHash {
		out = append(out, s.Name)
	}
	sort.Strings(out)
	return out
}
