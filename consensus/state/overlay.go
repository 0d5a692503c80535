package state

import (
	"bytes"
	"encoding/binary"
	"sort"
)

// Overlay buffers writes over a parent KV. Reads see the overlay's own
// writes first. Commit pushes the writes to the parent; dropping the
// Overlay discards them, which is how a failed transaction leaves no trace.
type Overlay struct {
	parent KV
	writes map[string]*[]byte // nil value pointer: deleted
}

// NewOverlay starts an empty overlay over parent.
func NewOverlay(parent KV) *Overlay {
	return &Overlay{parent: parent, writes: map[string]*[]byte{}}
}

// Get implements KV.
func (o *Overlay) Get(key []byte) []byte {
	if w, ok := o.writes[string(key)]; ok {
		if w == nil {
			return nil
		}
		return *w
	}
	return o.parent.Get(key)
}

// Set implements KV; value is copied.
func (o *Overlay) Set(key, value []byte) {
	v := bytes.Clone(nonNil(value))
	o.writes[string(key)] = &v
}

// Delete implements KV.
func (o *Overlay) Delete(key []byte) { o.writes[string(key)] = nil }

// Iterate implements KV by merging the parent's entries with the overlay's.
func (o *Overlay) Iterate(prefix []byte, fn func(key, value []byte) bool) {
	own := o.sortedKeys(prefix)
	if len(own) == 0 {
		o.parent.Iterate(prefix, fn)
		return
	}
	i := 0
	stopped := false
	emitOwnUntil := func(limit []byte) bool {
		for i < len(own) && (limit == nil || own[i] < string(limit)) {
			k := own[i]
			i++
			if w := o.writes[k]; w != nil {
				if !fn([]byte(k), *w) {
					return false
				}
			}
		}
		return true
	}
	o.parent.Iterate(prefix, func(k, v []byte) bool {
		if !emitOwnUntil(k) {
			stopped = true
			return false
		}
		if _, shadowed := o.writes[string(k)]; shadowed {
			return true
		}
		if !fn(k, v) {
			stopped = true
			return false
		}
		return true
	})
	if !stopped {
		emitOwnUntil(nil)
	}
}

func (o *Overlay) sortedKeys(prefix []byte) []string {
	keys := make([]string, 0, len(o.writes))
	for k := range o.writes {
		if bytes.HasPrefix([]byte(k), prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// Commit applies the buffered writes to the parent in key order and empties
// the overlay.
func (o *Overlay) Commit() {
	for _, k := range o.sortedKeys(nil) {
		if w := o.writes[k]; w == nil {
			o.parent.Delete([]byte(k))
		} else {
			o.parent.Set([]byte(k), *w)
		}
	}
	o.writes = map[string]*[]byte{}
}

// Len returns the number of buffered writes.
func (o *Overlay) Len() int { return len(o.writes) }

// WriteSetHash hashes the buffered writes in the layout of the package doc.
func (o *Overlay) writeSet(h interface{ Write([]byte) (int, error) }) {
	var n [4]byte
	for _, k := range o.sortedKeys(nil) {
		binary.BigEndian.PutUint32(n[:], uint32(len(k)))
		h.Write(n[:])
		h.Write([]byte(k))
		w := o.writes[k]
		if w == nil {
			h.Write([]byte{0})
			continue
		}
		h.Write([]byte{1})
		binary.BigEndian.PutUint32(n[:], uint32(len(*w)))
		h.Write(n[:])
		h.Write(*w)
	}
}
