package mkvs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// LogEntry is one change in a write log: key set to Value, or removed when
// Deleted. A deletion carries no value.
type LogEntry struct {
	Key     []byte
	Value   []byte
	Deleted bool
}

// WriteLog is the list of changes that turns one root into the next,
// sorted by key with no key twice. It is what storage nodes apply and
// what a catching-up node fetches as a diff. Logs returned by Commit and
// Diff share memory with the tree: treat them as read-only.
type WriteLog []LogEntry

// writeLogVersion is the first byte of the encoding.
const writeLogVersion = 1

// MarshalBinary encodes the write log:
//
//	+---------+-----------+------------------------------------------------+
//	| version | count     | entries, in strictly increasing key order      |
//	| u8 = 1  | u32 BE    |                                                |
//	+---------+-----------+------------------------------------------------+
//	entry:  len(key) u32 BE | key | kind u8 (0 delete, 1 set) | set only: len(value) u32 BE | value
//
// It fails if the log is not sorted, repeats a key, or holds an oversized
// key or value, so every encoding it produces decodes back to the same log.
func (wl WriteLog) MarshalBinary() ([]byte, error) {
	if err := wl.check(); err != nil {
		return nil, err
	}
	size := 5
	for i := range wl {
		size += 4 + len(wl[i].Key) + 1 + 4 + len(wl[i].Value)
	}
	b := make([]byte, 0, size)
	b = append(b, writeLogVersion)
	b = binary.BigEndian.AppendUint32(b, uint32(len(wl)))
	for i := range wl {
		e := &wl[i]
		b = binary.BigEndian.AppendUint32(b, uint32(len(e.Key)))
		b = append(b, e.Key...)
		if e.Deleted {
			b = append(b, 0)
			continue
		}
		b = append(b, 1)
		b = binary.BigEndian.AppendUint32(b, uint32(len(e.Value)))
		b = append(b, e.Value...)
	}
	return b, nil
}

// check verifies order, uniqueness and sizes.
func (wl WriteLog) check() error {
	for i := range wl {
		e := &wl[i]
		if len(e.Key) > MaxKeySize {
			return fmt.Errorf("%w: entry %d: key of %d bytes", ErrMalformedLog, i, len(e.Key))
		}
		if len(e.Value) > MaxValueSize {
			return fmt.Errorf("%w: entry %d: value of %d bytes", ErrMalformedLog, i, len(e.Value))
		}
		if e.Deleted && len(e.Value) != 0 {
			return fmt.Errorf("%w: entry %d: deletion with a value", ErrMalformedLog, i)
		}
		if i > 0 && bytes.Compare(wl[i-1].Key, e.Key) >= 0 {
			return fmt.Errorf("%w: entry %d: keys not strictly increasing", ErrMalformedLog, i)
		}
	}
	return nil
}

// UnmarshalBinary decodes MarshalBinary's format, rejecting anything it
// would not produce. The decoded log does not alias b.
func (wl *WriteLog) UnmarshalBinary(b []byte) error {
	if len(b) < 5 {
		return fmt.Errorf("%w: %d bytes is shorter than the header", ErrMalformedLog, len(b))
	}
	if b[0] != writeLogVersion {
		return fmt.Errorf("%w: unknown version %d", ErrMalformedLog, b[0])
	}
	count := binary.BigEndian.Uint32(b[1:5])
	b = b[5:]
	// Each entry takes at least 5 bytes, which bounds the allocation.
	if uint64(count)*5 > uint64(len(b)) {
		return fmt.Errorf("%w: %d entries cannot fit in %d bytes", ErrMalformedLog, count, len(b))
	}
	buf := append([]byte(nil), b...)
	out := make(WriteLog, 0, count)
	off := 0
	readLen := func(what string, i int, max uint32) (int, error) {
		if len(buf)-off < 4 {
			return 0, fmt.Errorf("%w: entry %d: truncated %s length", ErrMalformedLog, i, what)
		}
		n := binary.BigEndian.Uint32(buf[off:])
		off += 4
		if n > max || uint64(n) > uint64(len(buf)-off) {
			return 0, fmt.Errorf("%w: entry %d: %s length %d out of range", ErrMalformedLog, i, what, n)
		}
		return int(n), nil
	}
	for i := 0; i < int(count); i++ {
		kl, err := readLen("key", i, MaxKeySize)
		if err != nil {
			return err
		}
		e := LogEntry{Key: buf[off : off+kl : off+kl]}
		off += kl
		if off >= len(buf) {
			return fmt.Errorf("%w: entry %d: missing kind", ErrMalformedLog, i)
		}
		kind := buf[off]
		off++
		switch kind {
		case 0:
			e.Deleted = true
		case 1:
			vl, err := readLen("value", i, MaxValueSize)
			if err != nil {
				return err
			}
			e.Value = buf[off : off+vl : off+vl]
			off += vl
		default:
			return fmt.Errorf("%w: entry %d: unknown kind %d", ErrMalformedLog, i, kind)
		}
		if i > 0 && bytes.Compare(out[i-1].Key, e.Key) >= 0 {
			return fmt.Errorf("%w: entry %d: keys not strictly increasing", ErrMalformedLog, i)
		}
		out = append(out, e)
	}
	if off != len(buf) {
		return fmt.Errorf("%w: %d trailing bytes", ErrMalformedLog, len(buf)-off)
	}
	*wl = out
	return nil
}

// ApplyWriteLog applies every entry of wl to the tree. The log must be
// sorted and free of duplicates.
func (t *Tree) ApplyWriteLog(wl WriteLog) error {
	if err := wl.check(); err != nil {
		return err
	}
	for i := range wl {
		e := &wl[i]
		var err error
		if e.Deleted {
			err = t.Remove(e.Key)
		} else {
			err = t.Insert(e.Key, e.Value)
		}
		if err != nil {
			return fmt.Errorf("applying write log entry %d: %w", i, err)
		}
	}
	return nil
}

// pendingLog returns the net changes since the base root, sorted by key:
// per key, the state before its first change against its state now.
func (t *Tree) pendingLog() (WriteLog, error) {
	n := 0
	for _, b := range t.ops {
		n += len(b)
	}
	ops := make([]opRecord, 0, n)
	for _, b := range t.ops {
		ops = append(ops, b...)
	}
	slices.SortStableFunc(ops, func(a, b opRecord) int { return bytes.Compare(a.key, b.key) })
	wl := make(WriteLog, 0, len(ops))
	for i := 0; i < len(ops); {
		first := &ops[i]
		for i++; i < len(ops) && bytes.Equal(ops[i].key, first.key); i++ {
		}
		v, err := t.Get(first.key)
		switch {
		case err == nil:
			if !first.existed || !bytes.Equal(first.before, v) {
				wl = append(wl, LogEntry{Key: first.key, Value: v})
			}
		case errors.Is(err, ErrNotFound):
			if first.existed {
				wl = append(wl, LogEntry{Key: first.key, Deleted: true})
			}
		default:
			return nil, err
		}
	}
	return wl, nil
}

// WriteLog returns the net changes since the base root, sorted by key,
// without committing: an executor reports the write log and the root
// (Hash) of a round, and commits only once the round is final. The log
// shares memory with the tree: treat it as read-only.
func (t *Tree) WriteLog() (WriteLog, error) { return t.pendingLog() }
