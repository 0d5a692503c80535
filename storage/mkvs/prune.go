package mkvs

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/cockroachdb/pebble"
)

// pruner deletes versions older than the retention window in a background
// goroutine, so commits never wait for it.
type pruner struct {
	wake chan struct{}
	quit chan struct{}
	wg   sync.WaitGroup

	mu            sync.Mutex // serialises prune passes
	sinceCompact  int        // nodes deleted since the last compaction
	compactBefore uint64     // node keys below this version are worth compacting
	err           error      // last background error, for PruneErr
}

func (p *pruner) start(s *Store) {
	p.wake = make(chan struct{}, 1)
	p.quit = make(chan struct{})
	if s.opts.KeepVersions == 0 {
		return
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			select {
			case <-p.quit:
				return
			case <-p.wake:
				if _, err := s.prune(false); err != nil {
					p.mu.Lock()
					p.err = err
					p.mu.Unlock()
				}
			}
		}
	}()
}

func (p *pruner) notify() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *pruner) stop() {
	close(p.quit)
	p.wg.Wait()
}

// PruneErr returns the last error met by background pruning, if any.
func (s *Store) PruneErr() error {
	s.pruner.mu.Lock()
	defer s.pruner.mu.Unlock()
	return s.pruner.err
}

// Prune runs one pruning pass now, then compacts the pruned key range so
// that the disk space is returned. It reports how many nodes it deleted.
// With KeepVersions 0 it does nothing.
func (s *Store) Prune() (int, error) { return s.prune(true) }

// retainFrom returns, per type, the oldest version to keep: the window is
// the last KeepVersions versions over both types, but the latest root of a
// type is always kept (the next commit of that type derives from it).
func (s *Store) retainFrom() (from [3]uint64, earliest [3]uint64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.opts.KeepVersions == 0 {
		return from, earliest, false
	}
	var maxV uint64
	for _, l := range s.latest {
		if l != nil && l.Version > maxV {
			maxV = l.Version
		}
	}
	if maxV+1 <= s.opts.KeepVersions {
		return from, s.earliest, true
	}
	keep := maxV + 1 - s.opts.KeepVersions
	for _, t := range []RootType{RootState, RootIO} {
		from[t] = s.earliest[t]
		if l := s.latest[t]; l != nil {
			from[t] = max(from[t], min(keep, l.Version))
		}
	}
	return from, s.earliest, true
}

func (s *Store) prune(compact bool) (int, error) {
	s.pruner.mu.Lock()
	defer s.pruner.mu.Unlock()
	from, earliest, ok := s.retainFrom()
	if !ok {
		return 0, nil
	}
	total := 0
	for _, t := range []RootType{RootState, RootIO} {
		if from[t] <= earliest[t] {
			continue
		}
		n, err := s.pruneType(t, from[t])
		total += n
		s.counters.nodesPruned.Add(uint64(n))
		if err != nil {
			return total, err
		}
		s.pruner.compactBefore = max(s.pruner.compactBefore, from[t])
	}
	s.pruner.sinceCompact += total
	if (compact && s.pruner.sinceCompact > 0) || s.pruner.sinceCompact >= s.opts.CompactAfter {
		// Deleting only writes tombstones; compaction drops the data.
		lo := []byte{prefixNode}
		hi := binary.BigEndian.AppendUint64([]byte{prefixNode}, s.pruner.compactBefore)
		if err := s.db.Compact(lo, hi, false); err != nil {
			return total, fmt.Errorf("mkvs: compacting pruned nodes: %w", wrapDBError(err))
		}
		s.pruner.sinceCompact = 0
	}
	return total, nil
}

// pruneType removes the roots of type t below version from and every node
// that only they reached.
func (s *Store) pruneType(t RootType, from uint64) (int, error) {
	// First make the old roots unopenable, then delete their nodes: a crash
	// in between leaves stale records that the next pass finishes.
	s.mu.Lock()
	s.earliest[t] = from
	s.mu.Unlock()
	b := s.db.NewBatch()
	if err := b.Set(earliestKey(t), binary.BigEndian.AppendUint64(nil, from), nil); err != nil {
		b.Close()
		return 0, err
	}
	if err := b.DeleteRange(rootKey(t, 0), rootKey(t, from), nil); err != nil {
		b.Close()
		return 0, err
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		b.Close()
		return 0, fmt.Errorf("mkvs: pruning %s roots: %w", t, wrapDBError(err))
	}
	b.Close()

	// A node that became stale at version v is reachable only from
	// versions below v, so it can go once v <= from.
	lo := []byte{prefixStale, byte(t)}
	hi := binary.BigEndian.AppendUint64([]byte{prefixStale, byte(t)}, from+1)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return 0, wrapDBError(err)
	}
	deleted := 0
	b = s.db.NewBatch()
	flush := func() error {
		if b.Empty() {
			return nil
		}
		err := b.Commit(pebble.NoSync)
		b.Close()
		b = s.db.NewBatch()
		return wrapDBError(err)
	}
	for it.First(); it.Valid(); it.Next() {
		k := it.Key()
		var err error
		switch len(k) {
		case staleListKeySize:
			var runs []staleRun
			if runs, err = decodeStaleRuns(it.Value()); err != nil {
				break
			}
			for _, r := range runs {
				if r.count == 1 {
					err = b.Delete(nodeKey(r.first), nil)
				} else {
					end := r.first
					end.seq += r.count
					err = b.DeleteRange(nodeKey(r.first), nodeKey(end), nil)
				}
				if err != nil {
					break
				}
				deleted += int(r.count)
			}
		case staleKeySize:
			err = b.Delete(nodeKey(decodeNodeID(k[10:])), nil)
			deleted++
		default:
			err = fmt.Errorf("%w: stale record key of %d bytes", ErrCorrupt, len(k))
		}
		if err == nil {
			err = b.Delete(k, nil)
		}
		if err != nil {
			it.Close()
			b.Close()
			return deleted, fmt.Errorf("mkvs: pruning %s nodes: %w", t, err)
		}
		if b.Count() >= 8192 {
			if err := flush(); err != nil {
				it.Close()
				b.Close()
				return deleted, fmt.Errorf("mkvs: pruning %s nodes: %w", t, err)
			}
		}
	}
	if err := it.Close(); err != nil {
		b.Close()
		return deleted, fmt.Errorf("mkvs: scanning stale %s nodes: %w", t, wrapDBError(err))
	}
	if err := flush(); err != nil {
		b.Close()
		return deleted, fmt.Errorf("mkvs: pruning %s nodes: %w", t, err)
	}
	b.Close()
	return deleted, nil
}
