package runtime

import (
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

// ToRHPLog converts an MKVS write log to its RHP form.
func ToRHPLog(wl mkvs.WriteLog) []rhp.WriteLogEntry {
	out := make([]rhp.WriteLogEntry, len(wl))
	for i, e := range wl {
		out[i] = rhp.WriteLogEntry{Key: e.Key, Value: e.Value, Delete: e.Deleted}
	}
	return out
}

// FromRHPLog converts an RHP write log to an MKVS one. The result is
// checked (sorted, no key twice) only when it is encoded or applied.
func FromRHPLog(wl []rhp.WriteLogEntry) mkvs.WriteLog {
	out := make(mkvs.WriteLog, len(wl))
	for i, e := range wl {
		out[i] = mkvs.LogEntry{Key: e.Key, Value: e.Value, Deleted: e.Delete}
		if e.Delete {
			out[i].Value = nil
		}
	}
	return out
}

// compactLog returns wl with its keys and values copied into one buffer
// of their own.
func compactLog(wl []rhp.WriteLogEntry) []rhp.WriteLogEntry {
	size := 0
	for i := range wl {
		size += len(wl[i].Key) + len(wl[i].Value)
	}
	buf := make([]byte, 0, size)
	out := make([]rhp.WriteLogEntry, len(wl))
	for i, e := range wl {
		out[i].Delete = e.Delete
		buf, out[i].Key = appendOwn(buf, e.Key)
		buf, out[i].Value = appendOwn(buf, e.Value)
	}
	return out
}

// compactBytes returns list with its elements copied into one buffer of
// their own.
func compactBytes(list [][]byte) [][]byte {
	size := 0
	for _, b := range list {
		size += len(b)
	}
	buf := make([]byte, 0, size)
	out := make([][]byte, len(list))
	for i, b := range list {
		buf, out[i] = appendOwn(buf, b)
	}
	return out
}

// appendOwn appends b to buf, which has room for it, and returns the copy
// (nil stays nil; empty stays empty).
func appendOwn(buf, b []byte) ([]byte, []byte) {
	if b == nil {
		return buf, nil
	}
	start := len(buf)
	buf = append(buf, b...)
	return buf, buf[start:len(buf):len(buf)]
}
