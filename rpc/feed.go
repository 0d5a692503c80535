package rpc

import "sync"

// Feed fans events out to subscribers; a Backend embeds one to implement
// Subscribe. The zero value is ready to use and safe for concurrent use.
// Publish never blocks: a subscriber whose buffer is full is dropped and its
// channel closed, so one slow websocket cannot stall slot production.
type Feed struct {
	mu   sync.Mutex
	subs map[*feedSub]struct{}
}

type feedSub struct {
	ch     chan Event
	closed bool
}

// Subscribe implements Backend.Subscribe.
func (f *Feed) Subscribe(buffer int) (<-chan Event, func()) {
	s := &feedSub{ch: make(chan Event, max(1, buffer))}
	f.mu.Lock()
	if f.subs == nil {
		f.subs = map[*feedSub]struct{}{}
	}
	f.subs[s] = struct{}{}
	f.mu.Unlock()
	return s.ch, func() { f.remove(s) }
}

func (f *Feed) remove(s *feedSub) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !s.closed {
		s.closed = true
		delete(f.subs, s)
		close(s.ch)
	}
}

// Publish delivers e to every subscriber.
func (f *Feed) Publish(e Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for s := range f.subs {
		select {
		case s.ch <- e:
		default:
			s.closed = true
			delete(f.subs, s)
			close(s.ch)
		}
	}
}
