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
