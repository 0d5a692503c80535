package rhp

import "github.com/atoll-dev/atoll/runtime/rhp/canon"

// Hand-written codecs of the messages that carry a round: see fastMessage.

var (
	_ fastMessage = (*ExecuteTxBatch)(nil)
	_ fastMessage = (*ExecuteTxBatchResponse)(nil)
	_ fastMessage = (*CheckTxBatch)(nil)
	_ fastMessage = (*CheckTxBatchResponse)(nil)
	_ fastMessage = (*StorageGet)(nil)
	_ fastMessage = (*StorageGetResponse)(nil)
)

// "deposits" is omitted when empty.
var executeTxBatchKeys = canon.NewKeys("txs", "round", "context", "deposits", "prefetch", "prev_roots")

func (v *ExecuteTxBatch) cborSize() int {
	n := 1 + executeTxBatchKeys.Size(0) + canon.BytesListSize(v.Txs) +
		executeTxBatchKeys.Size(1) + canon.UintSize(v.Round) +
		executeTxBatchKeys.Size(2) + v.Context.cborSize() +
		executeTxBatchKeys.Size(4) + v.Prefetch.cborSize() +
		executeTxBatchKeys.Size(5) + v.PrevRoots.cborSize()
	if len(v.Deposits) > 0 {
		n += executeTxBatchKeys.Size(3) + structsSize(v.Deposits)
	}
	return n
}

func (v *ExecuteTxBatch) appendCBOR(b []byte) []byte {
	if len(v.Deposits) > 0 {
		b = append(b, canon.MajorMap|6)
	} else {
		b = append(b, canon.MajorMap|5)
	}
	b = canon.AppendBytesList(executeTxBatchKeys.Append(b, 0), v.Txs)
	b = canon.AppendUint(executeTxBatchKeys.Append(b, 1), v.Round)
	b = v.Context.appendCBOR(executeTxBatchKeys.Append(b, 2))
	if len(v.Deposits) > 0 {
		b = appendStructs(executeTxBatchKeys.Append(b, 3), v.Deposits)
	}
	b = v.Prefetch.appendCBOR(executeTxBatchKeys.Append(b, 4))
	return v.PrevRoots.appendCBOR(executeTxBatchKeys.Append(b, 5))
}

func (v *ExecuteTxBatch) decodeCBOR(r *canon.Reader) {
	next := 0
	for range r.MapLen(len(executeTxBatchKeys)) {
		switch r.Key(executeTxBatchKeys, &next) {
		case 0:
			v.Txs = r.BytesList(fastMaxArray)
		case 1:
			v.Round = r.Uint()
		case 2:
			v.Context.decodeCBOR(r)
		case 3:
			v.Deposits = readStructs[Deposit](r)
		case 4:
			v.Prefetch.decodeCBOR(r)
		case 5:
			v.PrevRoots.decodeCBOR(r)
		}
	}
}

var executeTxBatchResponseKeys = canon.NewKeys("io_root", "results", "messages", "state_root", "io_write_log", "state_write_log")

func (v *ExecuteTxBatchResponse) cborSize() int {
	return 1 + executeTxBatchResponseKeys.Size(0) + hashSize +
		executeTxBatchResponseKeys.Size(1) + structsSize(v.Results) +
		executeTxBatchResponseKeys.Size(2) + canon.BytesListSize(v.Messages) +
		executeTxBatchResponseKeys.Size(3) + hashSize +
		executeTxBatchResponseKeys.Size(4) + structsSize(v.IOWriteLog) +
		executeTxBatchResponseKeys.Size(5) + structsSize(v.StateWriteLog)
}

func (v *ExecuteTxBatchResponse) appendCBOR(b []byte) []byte {
	b = append(b, canon.MajorMap|6)
	b = appendHash(executeTxBatchResponseKeys.Append(b, 0), &v.IORoot)
	b = appendStructs(executeTxBatchResponseKeys.Append(b, 1), v.Results)
	b = canon.AppendBytesList(executeTxBatchResponseKeys.Append(b, 2), v.Messages)
	b = appendHash(executeTxBatchResponseKeys.Append(b, 3), &v.StateRoot)
	b = appendStructs(executeTxBatchResponseKeys.Append(b, 4), v.IOWriteLog)
	return appendStructs(executeTxBatchResponseKeys.Append(b, 5), v.StateWriteLog)
}

func (v *ExecuteTxBatchResponse) decodeCBOR(r *canon.Reader) {
	next := 0
	for range r.MapLen(len(executeTxBatchResponseKeys)) {
		switch r.Key(executeTxBatchResponseKeys, &next) {
		case 0:
			r.Fixed(v.IORoot[:])
		case 1:
			v.Results = readStructs[TxResult](r)
		case 2:
			v.Messages = r.BytesList(fastMaxArray)
		case 3:
			r.Fixed(v.StateRoot[:])
		case 4:
			v.IOWriteLog = readStructs[WriteLogEntry](r)
		case 5:
			v.StateWriteLog = readStructs[WriteLogEntry](r)
		}
	}
}

var checkTxBatchKeys = canon.NewKeys("txs", "context", "state_root")

func (v *CheckTxBatch) cborSize() int {
	return 1 + checkTxBatchKeys.Size(0) + canon.BytesListSize(v.Txs) + checkTxBatchKeys.Size(1) + v.Context.cborSize() +
		checkTxBatchKeys.Size(2) + v.StateRoot.cborSize()
}

func (v *CheckTxBatch) appendCBOR(b []byte) []byte {
	b = append(b, canon.MajorMap|3)
	b = canon.AppendBytesList(checkTxBatchKeys.Append(b, 0), v.Txs)
	b = v.Context.appendCBOR(checkTxBatchKeys.Append(b, 1))
	return v.StateRoot.appendCBOR(checkTxBatchKeys.Append(b, 2))
}

func (v *CheckTxBatch) decodeCBOR(r *canon.Reader) {
	next := 0
	for range r.MapLen(len(checkTxBatchKeys)) {
		switch r.Key(checkTxBatchKeys, &next) {
		case 0:
			v.Txs = r.BytesList(fastMaxArray)
		case 1:
			v.Context.decodeCBOR(r)
		case 2:
			v.StateRoot.decodeCBOR(r)
		}
	}
}

var checkTxBatchResponseKeys = canon.NewKeys("results")

func (v *CheckTxBatchResponse) cborSize() int {
	return 1 + checkTxBatchResponseKeys.Size(0) + structsSize(v.Results)
}

func (v *CheckTxBatchResponse) appendCBOR(b []byte) []byte {
	b = append(b, canon.MajorMap|1)
	return appendStructs(checkTxBatchResponseKeys.Append(b, 0), v.Results)
}

func (v *CheckTxBatchResponse) decodeCBOR(r *canon.Reader) {
	next := 0
	for range r.MapLen(len(checkTxBatchResponseKeys)) {
		if r.Key(checkTxBatchResponseKeys, &next) != 0 {
			return
		}
		v.Results = readStructs[CheckTxResult](r)
	}
}

var storageGetKeys = canon.NewKeys("keys", "root")

func (v *StorageGet) cborSize() int {
	return 1 + storageGetKeys.Size(0) + canon.BytesListSize(v.Keys) + storageGetKeys.Size(1) + v.Root.cborSize()
}

func (v *StorageGet) appendCBOR(b []byte) []byte {
	b = append(b, canon.MajorMap|2)
	b = canon.AppendBytesList(storageGetKeys.Append(b, 0), v.Keys)
	return v.Root.appendCBOR(storageGetKeys.Append(b, 1))
}

func (v *StorageGet) decodeCBOR(r *canon.Reader) {
	next := 0
	for range r.MapLen(len(storageGetKeys)) {
		switch r.Key(storageGetKeys, &next) {
		case 0:
			v.Keys = r.BytesList(fastMaxArray)
		case 1:
			v.Root.decodeCBOR(r)
		}
	}
}

func (v *StorageGetResponse) cborSize() int { return (*Prefetch)(v).cborSize() }

func (v *StorageGetResponse) appendCBOR(b []byte) []byte { return (*Prefetch)(v).appendCBOR(b) }

func (v *StorageGetResponse) decodeCBOR(r *canon.Reader) { (*Prefetch)(v).decodeCBOR(r) }
