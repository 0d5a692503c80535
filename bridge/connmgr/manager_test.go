package connmgr

import (
	"bytes"
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

const local, remote = 2000, 1000

var (
	owner   = sol.Pubkey{1}
	replica = sol.Pubkey{0xee}
)

// Keys 1-3 are updaters, 10 is a permitted watcher, 11 is not.
func newManager(t testing.TB) *Manager {
	t.Helper()
	m, err := New(local, owner)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.EnrollReplica(owner, remote, replica); err != nil {
		t.Fatal(err)
	}
	if err := m.SetWatcherPermission(owner, testkeys.Addr(10), remote, true); err != nil {
		t.Fatal(err)
	}
	return m
}

func failure(domain uint32, updater update.Address, watcherKey int) *update.SignedFailure {
	f := update.FailureNotification{HomeDomain: domain, Updater: updater.Bytes32()}
	return &update.SignedFailure{FailureNotification: f, Signature: f.Sign(testkeys.Key(watcherKey))}
}

func TestManager_UnenrollReplica(t *testing.T) {
	set := testkeys.Set(t, 2, 1, 2, 3)
	tests := []struct {
		name    string
		sf      *update.SignedFailure
		wantErr error
	}{
		{"permitted watcher", failure(remote, testkeys.Addr(2), 10), nil},
		{"watcher without permission", failure(remote, testkeys.Addr(2), 11), ErrNotWatcher},
		{"names a non-updater", failure(remote, testkeys.Addr(7), 10), ErrNotCurrentUpdater},
		{"unenrolled domain", failure(3000, testkeys.Addr(2), 10), ErrNotEnrolled},
		{"high-s signature", func() *update.SignedFailure {
			sf := failure(remote, testkeys.Addr(2), 10)
			sf.Signature = testkeys.HighS(sf.Signature)
			return sf
		}(), update.ErrHighS},
		{"dirty updater padding", func() *update.SignedFailure {
			f := update.FailureNotification{HomeDomain: remote, Updater: testkeys.Addr(2).Bytes32()}
			f.Updater[0] = 1
			return &update.SignedFailure{FailureNotification: f, Signature: f.Sign(testkeys.Key(10))}
		}(), ErrNotCurrentUpdater},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(t)
			got, err := m.UnenrollReplica(tt.sf, set)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			_, enrolled := m.Replica(remote)
			if err != nil {
				if !enrolled {
					t.Fatal("a rejected notification unenrolled the replica")
				}
				return
			}
			if got != replica || enrolled {
				t.Fatalf("unenrolled %v, still enrolled %v", got, enrolled)
			}
			if _, ok := m.IsReplica(replica); ok {
				t.Fatal("IsReplica after unenrolment")
			}
		})
	}
}

func TestManager_EnrollReplica(t *testing.T) {
	m := newManager(t)
	if err := m.EnrollReplica(sol.Pubkey{5}, 3000, sol.Pubkey{6}); !errors.Is(err, ErrNotOwner) {
		t.Fatalf("stranger: %v", err)
	}
	if err := m.EnrollReplica(owner, local, sol.Pubkey{6}); !errors.Is(err, ErrConfig) {
		t.Fatalf("local domain: %v", err)
	}
	if err := m.EnrollReplica(owner, 3000, sol.Pubkey{}); !errors.Is(err, ErrConfig) {
		t.Fatalf("zero replica: %v", err)
	}
	// Re-enrolling an account for another domain moves it.
	if err := m.EnrollReplica(owner, 3000, replica); err != nil {
		t.Fatal(err)
	}
	if d, ok := m.IsReplica(replica); !ok || d != 3000 {
		t.Fatalf("IsReplica = %d, %v", d, ok)
	}
	if _, ok := m.Replica(remote); ok {
		t.Fatal("old domain still enrolled")
	}
	if _, err := m.OwnerUnenrollReplica(owner, remote); !errors.Is(err, ErrNotEnrolled) {
		t.Fatalf("unenroll empty domain: %v", err)
	}
	if r, err := m.OwnerUnenrollReplica(owner, 3000); err != nil || r != replica {
		t.Fatalf("OwnerUnenrollReplica = %v, %v", r, err)
	}
}

func TestManager_SetWatcherPermission(t *testing.T) {
	m := newManager(t)
	w := testkeys.Addr(10)
	if err := m.SetWatcherPermission(sol.Pubkey{5}, w, remote, false); !errors.Is(err, ErrNotOwner) {
		t.Fatalf("stranger: %v", err)
	}
	if !m.WatcherPermission(w, remote) || m.WatcherPermission(w, 3000) {
		t.Fatal("permissions are per domain")
	}
	if err := m.SetWatcherPermission(owner, w, remote, false); err != nil {
		t.Fatal(err)
	}
	if _, err := m.UnenrollReplica(failure(remote, testkeys.Addr(1), 10), testkeys.Set(t, 1, 1)); !errors.Is(err, ErrNotWatcher) {
		t.Fatalf("revoked watcher: %v", err)
	}
}

func TestManager_MarshalBinary(t *testing.T) {
	build := func() *Manager {
		m := newManager(t)
		for i, d := range []uint32{7, 3000, 5} {
			m.EnrollReplica(owner, d, sol.Pubkey{byte(i + 20)})
			m.SetWatcherPermission(owner, testkeys.Addr(i+12), d, true)
			m.SetWatcherPermission(owner, testkeys.Addr(10), d, true)
		}
		return m
	}
	m := build()
	enc, _ := m.MarshalBinary()
	var back Manager
	if err := back.UnmarshalBinary(enc); err != nil {
		t.Fatal(err)
	}
	again, _ := back.MarshalBinary()
	if !bytes.Equal(again, enc) || len(back.Domains()) != 4 || !back.WatcherPermission(testkeys.Addr(13), 3000) {
		t.Fatal("round trip changed the manager")
	}
	for i := 0; i < 10; i++ {
		other, _ := build().MarshalBinary()
		if !bytes.Equal(other, enc) {
			t.Fatal("encoding is not deterministic")
		}
	}
	for n := 0; n < len(enc); n++ {
		if err := back.UnmarshalBinary(enc[:n]); !errors.Is(err, ErrEncoding) {
			t.Fatalf("truncated to %d: %v", n, err)
		}
	}
	dup := append([]byte{}, enc...)
	copy(dup[41+36+4:41+36+36], dup[41+4:41+36]) // second replica = first replica's key
	if err := back.UnmarshalBinary(dup); !errors.Is(err, ErrEncoding) {
		t.Fatalf("replica enrolled twice: %v", err)
	}
}

func FuzzManagerUnmarshal(f *testing.F) {
	m := newManager(f)
	enc, _ := m.MarshalBinary()
	f.Add(enc)
	f.Fuzz(func(t *testing.T, enc []byte) {
		var m Manager
		if err := m.UnmarshalBinary(enc); err != nil {
			return
		}
		again, err := m.MarshalBinary()
		if err != nil || !bytes.Equal(again, enc) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
