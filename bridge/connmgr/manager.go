package connmgr

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Errors of the connection manager.
var (
	ErrNotOwner          = errors.New("connmgr: caller is not the owner")
	ErrConfig            = errors.New("connmgr: invalid configuration")
	ErrNotEnrolled       = errors.New("connmgr: no replica enrolled for the domain")
	ErrNotCurrentUpdater = errors.New("connmgr: notification names no updater of the replica")
	ErrNotWatcher        = errors.New("connmgr: signer is not a watcher for the domain")
	ErrEncoding          = errors.New("connmgr: malformed state encoding")
)

// watcherKey is one watcher permission: a watcher address for a remote domain.
type watcherKey struct {
	watcher update.Address
	domain  uint32
}

func compareWatcherKeys(a, b watcherKey) int {
	if c := bytes.Compare(a.watcher[:], b.watcher[:]); c != 0 {
		return c
	}
	switch {
	case a.domain < b.domain:
		return -1
	case a.domain > b.domain:
		return 1
	}
	return 0
}

// Manager is the state of one connection manager. Create one with New or
// decode one with UnmarshalBinary. Not safe for concurrent use.
type Manager struct {
	localDomain uint32
	owner       sol.Pubkey
	replicas    map[uint32]sol.Pubkey // remote domain → Replica account
	watchers    map[watcherKey]struct{}
}

// New returns a manager with no replicas and no watchers.
func New(localDomain uint32, owner sol.Pubkey) (*Manager, error) {
	if owner.IsZero() {
		return nil, fmt.Errorf("%w: zero owner", ErrConfig)
	}
	return &Manager{localDomain: localDomain, owner: owner, replicas: map[uint32]sol.Pubkey{}, watchers: map[watcherKey]struct{}{}}, nil
}

// LocalDomain returns this chain's domain.
func (m *Manager) LocalDomain() uint32 { return m.localDomain }

// Owner returns the governance key.
func (m *Manager) Owner() sol.Pubkey { return m.owner }

// Replica returns the Replica enrolled for domain.
func (m *Manager) Replica(domain uint32) (sol.Pubkey, bool) {
	r, ok := m.replicas[domain]
	return r, ok
}

// IsReplica reports whether replica is enrolled, and for which domain.
// Recipients call this (through the wrapper) before trusting a message.
func (m *Manager) IsReplica(replica sol.Pubkey) (uint32, bool) {
	for _, d := range slices.Sorted(maps.Keys(m.replicas)) {
		if m.replicas[d] == replica {
			return d, true
		}
	}
	return 0, false
}

// Domains returns the enrolled remote domains, ascending.
func (m *Manager) Domains() []uint32 { return slices.Sorted(maps.Keys(m.replicas)) }

// WatcherPermission reports whether watcher may unenroll the Replica of domain.
func (m *Manager) WatcherPermission(watcher update.Address, domain uint32) bool {
	_, ok := m.watchers[watcherKey{watcher, domain}]
	return ok
}

// EnrollReplica makes replica the Replica of domain, replacing any other
// for that domain and removing replica from any other domain. Owner only.
func (m *Manager) EnrollReplica(authority sol.Pubkey, domain uint32, replica sol.Pubkey) error {
	if authority != m.owner {
		return ErrNotOwner
	}
	if replica.IsZero() {
		return fmt.Errorf("%w: zero replica", ErrConfig)
	}
	if domain == m.localDomain {
		return fmt.Errorf("%w: domain %d is local", ErrConfig, domain)
	}
	if d, ok := m.IsReplica(replica); ok {
		delete(m.replicas, d)
	}
	m.replicas[domain] = replica
	return nil
}

// OwnerUnenrollReplica removes the Replica of domain. Owner only.
func (m *Manager) OwnerUnenrollReplica(authority sol.Pubkey, domain uint32) (sol.Pubkey, error) {
	if authority != m.owner {
		return sol.Pubkey{}, ErrNotOwner
	}
	r, ok := m.replicas[domain]
	if !ok {
		return sol.Pubkey{}, fmt.Errorf("%w: %d", ErrNotEnrolled, domain)
	}
	delete(m.replicas, domain)
	return r, nil
}

// SetWatcherPermission grants or revokes watcher's right to unenroll the
// Replica of domain. Owner only.
func (m *Manager) SetWatcherPermission(authority sol.Pubkey, watcher update.Address, domain uint32, allowed bool) error {
	if authority != m.owner {
		return ErrNotOwner
	}
	k := watcherKey{watcher, domain}
	if allowed {
		m.watchers[k] = struct{}{}
	} else {
		delete(m.watchers, k)
	}
	return nil
}

// SetOwner hands governance to a new key. Owner only.
func (m *Manager) SetOwner(authority, owner sol.Pubkey) error {
	if authority != m.owner {
		return ErrNotOwner
	}
	if owner.IsZero() {
		return fmt.Errorf("%w: zero owner", ErrConfig)
	}
	m.owner = owner
	return nil
}

// UnenrollReplica removes the Replica of sf.HomeDomain on a failure
// notification signed by a watcher permitted for that domain. The
// notification must name an updater of that Replica: replicaUpdaters is
// the enrolled Replica's current updater set, read by the wrapper. Anyone
// may submit it; it returns the unenrolled Replica.
func (m *Manager) UnenrollReplica(sf *update.SignedFailure, replicaUpdaters update.UpdaterSet) (sol.Pubkey, error) {
	replica, ok := m.replicas[sf.HomeDomain]
	if !ok {
		return sol.Pubkey{}, fmt.Errorf("%w: %d", ErrNotEnrolled, sf.HomeDomain)
	}
	updater, err := update.AddressFromBytes32(sf.Updater)
	if err != nil {
		return sol.Pubkey{}, fmt.Errorf("%w: %v", ErrNotCurrentUpdater, err)
	}
	if !replicaUpdaters.Contains(updater) {
		return sol.Pubkey{}, fmt.Errorf("%w: %s", ErrNotCurrentUpdater, updater)
	}
	watcher, err := sf.Signer()
	if err != nil {
		return sol.Pubkey{}, err
	}
	if !m.WatcherPermission(watcher, sf.HomeDomain) {
		return sol.Pubkey{}, fmt.Errorf("%w: %s for %d", ErrNotWatcher, watcher, sf.HomeDomain)
	}
	delete(m.replicas, sf.HomeDomain)
	return replica, nil
}
