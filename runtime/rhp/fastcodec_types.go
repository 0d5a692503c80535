package rhp

import "github.com/atoll-dev/atoll/runtime/rhp/canon"

// Hand-written codecs of the structures the hot messages share. Each
// keys list is the struct's CBOR keys in canonical order; the field
// indices of the encoders and decoders follow it.

const hashSize = 2 + HashSize // a byte string head of one extra byte, then 32 bytes

func appendHash(b []byte, h *Hash) []byte {
	return append(append(b, canon.MajorBytes|24, HashSize), h[:]...)
}

func hashesSize(hs []Hash) int { return canon.HeadSize(uint64(len(hs))) + len(hs)*hashSize }

func appendHashes(b []byte, hs []Hash) []byte {
	b = canon.AppendHead(b, canon.MajorArray, uint64(len(hs)))
	for i := range hs {
		b = appendHash(b, &hs[i])
	}
	return b
}

func readHashes(r *canon.Reader) []Hash {
	n := r.ArrayLen(fastMaxArray, hashSize)
	if !r.OK() {
		return nil
	}
	out := make([]Hash, n)
	for i := range out {
		r.Fixed(out[i][:])
	}
	return out
}

var rootKeys = canon.NewKeys("hash", "version")

func (v *Root) cborSize() int {
	return 1 + rootKeys.Size(0) + hashSize + rootKeys.Size(1) + canon.UintSize(v.Version)
}

func (v *Root) appendCBOR(b []byte) []byte {
	b = append(b, canon.MajorMap|2)
	b = appendHash(rootKeys.Append(b, 0), &v.Hash)
	return canon.AppendUint(rootKeys.Append(b, 1), v.Version)
}

func (v *Root) decodeCBOR(r *canon.Reader) {
	next := 0
	for range r.MapLen(len(rootKeys)) {
		switch r.Key(rootKeys, &next) {
		case 0:
			r.Fixed(v.Hash[:])
		case 1:
			v.Version = r.Uint()
		}
	}
}

var rootsKeys = canon.NewKeys("io", "state")

func (v *Roots) cborSize() int {
	return 1 + rootsKeys.Size(0) + v.IO.cborSize() + rootsKeys.Size(1) + v.State.cborSize()
}

func (v *Roots) appendCBOR(b []byte) []byte {
	b = append(b, canon.MajorMap|2)
	b = v.IO.appendCBOR(rootsKeys.Append(b, 0))
	return v.State.appendCBOR(rootsKeys.Append(b, 1))
}

func (v *Roots) decodeCBOR(r *canon.Reader) {
	next := 0
	for range r.MapLen(len(rootsKeys)) {
		switch r.Key(rootsKeys, &next) {
		case 0:
			v.IO.decodeCBOR(r)
		case 1:
			v.State.decodeCBOR(r)
		}
	}
}

var blockContextKeys = canon.NewKeys("slot", "epoch", "unix_timestamp", "active_features", "recent_blockhashes")

func (v *BlockContext) cborSize() int {
	return 1 + blockContextKeys.Size(0) + canon.UintSize(v.Slot) +
		blockContextKeys.Size(1) + canon.UintSize(v.Epoch) +
		blockContextKeys.Size(2) + canon.IntSize(v.UnixTimestamp) +
		blockContextKeys.Size(3) + hashesSize(v.ActiveFeatures) +
		blockContextKeys.Size(4) + hashesSize(v.RecentBlockhashes)
}

func (v *BlockContext) appendCBOR(b []byte) []byte {
	b = append(b, canon.MajorMap|5)
	b = canon.AppendUint(blockContextKeys.Append(b, 0), v.Slot)
	b = canon.AppendUint(blockContextKeys.Append(b, 1), v.Epoch)
	b = canon.AppendInt(blockContextKeys.Append(b, 2), v.UnixTimestamp)
	b = appendHashes(blockContextKeys.Append(b, 3), v.ActiveFeatures)
	return appendHashes(blockContextKeys.Append(b, 4), v.RecentBlockhashes)
}

func (v *BlockContext) decodeCBOR(r *canon.Reader) {
	next := 0
	for range r.MapLen(len(blockContextKeys)) {
		switch r.Key(blockContextKeys, &next) {
		case 0:
			v.Slot = r.Uint()
		case 1:
			v.Epoch = r.Uint()
		case 2:
			v.UnixTimestamp = r.Int()
		case 3:
			v.ActiveFeatures = readHashes(r)
		case 4:
			v.RecentBlockhashes = readHashes(r)
		}
	}
}

var storageEntryKeys = canon.NewKeys("key", "found", "value")

func (v *StorageEntry) cborSize() int {
	return 1 + storageEntryKeys.Size(0) + canon.BytesSize(len(v.Key)) + storageEntryKeys.Size(1) + 1 +
		storageEntryKeys.Size(2) + canon.BytesSize(len(v.Value))
}

func (v *StorageEntry) appendCBOR(b []byte) []byte {
	b = append(b, canon.MajorMap|3)
	b = canon.AppendBytes(storageEntryKeys.Append(b, 0), v.Key)
	b = canon.AppendBool(storageEntryKeys.Append(b, 1), v.Found)
	return canon.AppendBytes(storageEntryKeys.Append(b, 2), v.Value)
}

func (v *StorageEntry) decodeCBOR(r *canon.Reader) {
	next := 0
	for range r.MapLen(len(storageEntryKeys)) {
		switch r.Key(storageEntryKeys, &next) {
		case 0:
			v.Key = r.Bytes()
		case 1:
			v.Found = r.Bool()
		case 2:
			v.Value = r.Bytes()
		}
	}
}

var prefetchKeys = canon.NewKeys("proof", "entries")

func (v *Prefetch) cborSize() int {
	return 1 + prefetchKeys.Size(0) + canon.BytesSize(len(v.Proof)) + prefetchKeys.Size(1) + structsSize(v.Entries)
}

func (v *Prefetch) appendCBOR(b []byte) []byte {
	b = append(b, canon.MajorMap|2)
	b = canon.AppendBytes(prefetchKeys.Append(b, 0), v.Proof)
	return appendStructs(prefetchKeys.Append(b, 1), v.Entries)
}

func (v *Prefetch) decodeCBOR(r *canon.Reader) {
	next := 0
	for range r.MapLen(len(prefetchKeys)) {
		switch r.Key(prefetchKeys, &next) {
		case 0:
			v.Proof = r.Bytes()
		case 1:
			v.Entries = readStructs[StorageEntry](r)
		}
	}
}

var depositKeys = canon.NewKeys("id", "amount", "recipient")

func (v *Deposit) cborSize() int {
	return 1 + depositKeys.Size(0) + canon.UintSize(v.ID) + depositKeys.Size(1) + canon.UintSize(v.Amount) +
		depositKeys.Size(2) + hashSize
}

func (v *Deposit) appendCBOR(b []byte) []byte {
	b = append(b, canon.MajorMap|3)
	b = canon.AppendUint(depositKeys.Append(b, 0), v.ID)
	b = canon.AppendUint(depositKeys.Append(b, 1), v.Amount)
	return appendHash(depositKeys.Append(b, 2), &v.Recipient)
}

func (v *Deposit) decodeCBOR(r *canon.Reader) {
	next := 0
	for range r.MapLen(len(depositKeys)) {
		switch r.Key(depositKeys, &next) {
		case 0:
			v.ID = r.Uint()
		case 1:
			v.Amount = r.Uint()
		case 2:
			r.Fixed(v.Recipient[:])
		}
	}
}

var writeLogEntryKeys = canon.NewKeys("key", "value", "delete")

func (v *WriteLogEntry) cborSize() int {
	return 1 + writeLogEntryKeys.Size(0) + canon.BytesSize(len(v.Key)) +
		writeLogEntryKeys.Size(1) + canon.BytesSize(len(v.Value)) + writeLogEntryKeys.Size(2) + 1
}

func (v *WriteLogEntry) appendCBOR(b []byte) []byte {
	b = append(b, canon.MajorMap|3)
	b = canon.AppendBytes(writeLogEntryKeys.Append(b, 0), v.Key)
	b = canon.AppendBytes(writeLogEntryKeys.Append(b, 1), v.Value)
	return canon.AppendBool(writeLogEntryKeys.Append(b, 2), v.Delete)
}

func (v *WriteLogEntry) decodeCBOR(r *canon.Reader) {
	next := 0
	for range r.MapLen(len(writeLogEntryKeys)) {
		switch r.Key(writeLogEntryKeys, &next) {
		case 0:
			v.Key = r.Bytes()
		case 1:
			v.Value = r.Bytes()
		case 2:
			v.Delete = r.Bool()
		}
	}
}

var txResultKeys = canon.NewKeys("code", "data", "logs", "units")

func (v *TxResult) cborSize() int {
	return 1 + txResultKeys.Size(0) + canon.UintSize(uint64(v.Code)) + txResultKeys.Size(1) + canon.BytesSize(len(v.Data)) +
		txResultKeys.Size(2) + canon.TextsSize(v.Logs) + txResultKeys.Size(3) + canon.UintSize(v.Units)
}

func (v *TxResult) appendCBOR(b []byte) []byte {
	b = append(b, canon.MajorMap|4)
	b = canon.AppendUint(txResultKeys.Append(b, 0), uint64(v.Code))
	b = canon.AppendBytes(txResultKeys.Append(b, 1), v.Data)
	b = canon.AppendTexts(txResultKeys.Append(b, 2), v.Logs)
	return canon.AppendUint(txResultKeys.Append(b, 3), v.Units)
}

func (v *TxResult) decodeCBOR(r *canon.Reader) {
	next := 0
	for range r.MapLen(len(txResultKeys)) {
		switch r.Key(txResultKeys, &next) {
		case 0:
			v.Code = r.Uint32()
		case 1:
			v.Data = r.Bytes()
		case 2:
			v.Logs = r.Texts(fastMaxArray)
		case 3:
			v.Units = r.Uint()
		}
	}
}

var checkTxResultKeys = canon.NewKeys("code", "message", "priority")

func (v *CheckTxResult) cborSize() int {
	return 1 + checkTxResultKeys.Size(0) + canon.UintSize(uint64(v.Code)) + checkTxResultKeys.Size(1) + canon.BytesSize(len(v.Message)) +
		checkTxResultKeys.Size(2) + canon.UintSize(v.Priority)
}

func (v *CheckTxResult) appendCBOR(b []byte) []byte {
	b = append(b, canon.MajorMap|3)
	b = canon.AppendUint(checkTxResultKeys.Append(b, 0), uint64(v.Code))
	b = canon.AppendText(checkTxResultKeys.Append(b, 1), v.Message)
	return canon.AppendUint(checkTxResultKeys.Append(b, 2), v.Priority)
}

func (v *CheckTxResult) decodeCBOR(r *canon.Reader) {
	next := 0
	for range r.MapLen(len(checkTxResultKeys)) {
		switch r.Key(checkTxResultKeys, &next) {
		case 0:
			v.Code = r.Uint32()
		case 1:
			v.Message = r.Text()
		case 2:
			v.Priority = r.Uint()
		}
	}
}

// fastStruct is a pointer to a type with a hand-written codec.
type fastStruct[T any] interface {
	*T
	cborSize() int
	appendCBOR([]byte) []byte
	decodeCBOR(*canon.Reader)
}

// structsSize is the encoded size of xs as a CBOR array.
func structsSize[T any, P fastStruct[T]](xs []T) int {
	n := canon.HeadSize(uint64(len(xs)))
	for i := range xs {
		n += P(&xs[i]).cborSize()
	}
	return n
}

// appendStructs appends xs as a CBOR array.
func appendStructs[T any, P fastStruct[T]](b []byte, xs []T) []byte {
	b = canon.AppendHead(b, canon.MajorArray, uint64(len(xs)))
	for i := range xs {
		b = P(&xs[i]).appendCBOR(b)
	}
	return b
}

// readStructs reads a CBOR array of T (each element at least one byte).
func readStructs[T any, P fastStruct[T]](r *canon.Reader) []T {
	n := r.ArrayLen(fastMaxArray, 1)
	if !r.OK() {
		return nil
	}
	out := make([]T, n)
	for i := range out {
		P(&out[i]).decodeCBOR(r)
	}
	return out
}
