package svm

import (
	"bytes"
	"crypto/sha256"
	"slices"
	"sort"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// The status ledger is the runtime's replay protection, kept in state so
// that every node, restarted or not, refuses the same transactions. For each
// recent blockhash an account at StatusAccountID(blockhash) holds the sorted
// message hashes of the processed transactions that named it. A transaction
// is only valid while its blockhash is among the last 150, so when a
// blockhash leaves the window its account is deleted. (Durable-nonce
// transactions need no entry: their nonce moves on.) The accounts are owned
// by the sysvar owner, so no program can write them.

// StatusAccountID is the address of the status ledger entry for blockhash h.
func StatusAccountID(h sol.Hash) sol.Pubkey {
	d := sha256.New()
	d.Write([]byte("atoll status ledger"))
	d.Write(h[:])
	var k sol.Pubkey
	d.Sum(k[:0])
	return k
}

// statusList is a sorted list of message hashes.
type statusList []sol.Hash

func decodeStatusList(data []byte) statusList {
	l := make(statusList, len(data)/sol.HashSize)
	for i := range l {
		copy(l[i][:], data[i*sol.HashSize:])
	}
	return l
}

func (l statusList) contains(h sol.Hash) bool {
	i := sort.Search(len(l), func(i int) bool { return bytes.Compare(l[i][:], h[:]) >= 0 })
	return i < len(l) && l[i] == h
}

// merged returns the encoding of l with adds inserted, sorted.
func (l statusList) merged(adds []sol.Hash) []byte {
	all := append(append(make(statusList, 0, len(l)+len(adds)), l...), adds...)
	slices.SortFunc(all, func(a, b sol.Hash) int { return bytes.Compare(a[:], b[:]) })
	out := make([]byte, 0, len(all)*sol.HashSize)
	for i := range all {
		out = append(out, all[i][:]...)
	}
	return out
}

// statusLedger is a batch's view of the ledger entries it touches.
type statusLedger struct {
	lists map[sol.Hash]statusList
}

// processed reports whether a transaction with message hash m naming
// blockhash h was already processed, loading h's entry on first use.
func (s *statusLedger) processed(bs *batchState, h, m sol.Hash) (bool, error) {
	l, ok := s.lists[h]
	if !ok {
		a, exists, err := bs.read(StatusAccountID(h))
		if err != nil {
			return false, err
		}
		if exists {
			l = decodeStatusList(a.Data)
		}
		s.lists[h] = l
		bs.slotOf(StatusAccountID(h))
	}
	return l.contains(m), nil
}

// expire deletes the entries of blockhashes that left the recent window:
// those in the previous RecentBlockhashes sysvar but not in the block's.
func (s *statusLedger) expire(bs *batchState, prevSysvar []byte, blk *BlockContext) error {
	if len(prevSysvar) < 8 {
		return nil
	}
	n := int(min(uint64(len(prevSysvar)-8)/40, MaxRecentBlockhashes))
	for i := 0; i < n; i++ {
		var h sol.Hash
		copy(h[:], prevSysvar[8+40*i:])
		if blk.blockhashRecent(h) {
			continue
		}
		id := StatusAccountID(h)
		if _, exists, err := bs.read(id); err != nil {
			return err
		} else if exists {
			bs.write(bs.slotOf(id), sol.Account{})
		}
	}
	return nil
}

// record adds the processed transactions of the batch to their entries.
func (s *statusLedger) record(bs *batchState, rent Rent, prepared []preparedTx, results []TxResult, blk *BlockContext) {
	adds := map[sol.Hash][]sol.Hash{}
	for i := range results {
		p := &prepared[i]
		if !results[i].Processed || !blk.blockhashRecent(p.tx.Message.RecentBlockhash) {
			continue
		}
		h := p.tx.Message.RecentBlockhash
		adds[h] = append(adds[h], p.msgHash)
	}
	hashes := make([]sol.Hash, 0, len(adds))
	for h := range adds {
		hashes = append(hashes, h)
	}
	slices.SortFunc(hashes, func(a, b sol.Hash) int { return bytes.Compare(a[:], b[:]) })
	for _, h := range hashes {
		bs.write(bs.slotOf(StatusAccountID(h)), sysvarAccount(rent, s.lists[h].merged(adds[h])))
	}
}
