package rpcnode

import (
	"sync"
	"time"

	"github.com/atoll-dev/atoll/runtime/svm/sigverify"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// sigWindow is how long a batch of signature checks waits for more
// sendTransaction calls once more than one is waiting: under load a batch
// verification of many signatures costs about half as much per signature
// as checking each alone, and the calls arrive together anyway.
const sigWindow = time.Millisecond

// maxSigBatch bounds one batch verification.
const maxSigBatch = 1024

// sigBatcher coalesces the signature checks of concurrent sendTransaction
// calls into batch verifications. It keeps no goroutine: the first caller
// to find no batch under way verifies for everyone who queued meanwhile.
// The zero value is ready; it is safe for concurrent use.
type sigBatcher struct {
	mu      sync.Mutex
	queue   []*sigReq
	leading bool
}

type sigReq struct {
	items []sigverify.Item
	ok    bool
	done  chan struct{}
}

// verify reports whether every signature of tx verifies.
func (s *sigBatcher) verify(tx *sol.Transaction) bool {
	r := &sigReq{items: sigverify.TransactionItems(nil, tx), done: make(chan struct{})}
	s.mu.Lock()
	s.queue = append(s.queue, r)
	lead := !s.leading
	s.leading = true
	s.mu.Unlock()
	if lead {
		s.lead(r)
	}
	<-r.done
	return r.ok
}

// lead verifies queued requests, batch by batch, until the queue is empty
// or, once own is answered, hands the rest to a new goroutine (whose own
// request never completes, so it leads until the queue is empty) (so that no
// caller keeps working for others under a steady load).
func (s *sigBatcher) lead(own *sigReq) {
	for {
		select {
		case <-own.done:
			s.mu.Lock()
			if len(s.queue) == 0 {
				s.leading = false
			} else {
				go s.lead(&sigReq{done: make(chan struct{})})
			}
			s.mu.Unlock()
			return
		default:
		}
		s.mu.Lock()
		n := len(s.queue)
		s.mu.Unlock()
		if n > 1 {
			// Others are calling too: give the rest of the burst a moment.
			time.Sleep(sigWindow)
		}
		s.mu.Lock()
		if len(s.queue) == 0 {
			s.leading = false
			s.mu.Unlock()
			return
		}
		var batch []*sigReq
		items := 0
		for len(s.queue) > 0 && (items == 0 || items+len(s.queue[0].items) <= maxSigBatch) {
			items += len(s.queue[0].items)
			batch = append(batch, s.queue[0])
			s.queue = s.queue[1:]
		}
		if len(s.queue) == 0 {
			s.queue = nil
		}
		s.mu.Unlock()
		var all []sigverify.Item
		for _, r := range batch {
			all = append(all, r.items...)
		}
		ok := sigverify.VerifyBatch(all)
		i := 0
		for _, r := range batch {
			r.ok = true
			for range r.items {
				r.ok = r.ok && ok[i]
				i++
			}
			close(r.done)
		}
	}
}
