package node

import (
	"context"
	"errors"
	"log/slog"
	"slices"

	"github.com/atoll-dev/atoll/consensus/beacon"
	"github.com/atoll-dev/atoll/consensus/epochtime"
	"github.com/atoll-dev/atoll/consensus/registry"
)

// Agent keeps hosted nodes alive in consensus: at every epoch it submits
// each node's beacon VRF proof for the next epoch and renews registrations
// that would otherwise expire.
type Agent struct {
	Identities []Identity
	Log        *slog.Logger
}

// Name implements Component.
func (a *Agent) Name() string { return "agent" }

// Run implements Component.
func (a *Agent) Run(ctx context.Context, h Host) error {
	for {
		next := h.EpochChanged()
		if err := a.epoch(ctx, h); err != nil && !errors.Is(err, context.Canceled) {
			a.Log.Warn("agent epoch work failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-next:
		}
	}
}

func (a *Agent) epoch(ctx context.Context, h Host) error {
	var clock epochtime.State
	if err := h.Query(ctx, "epochtime/state", nil, &clock); err != nil {
		return err
	}
	var b beacon.State
	if err := h.Query(ctx, "beacon/state", nil, &b); err != nil {
		return err
	}
	var params registry.Params
	if err := h.Query(ctx, "registry/params", nil, &params); err != nil {
		return err
	}
	var errs []error
	for _, id := range a.Identities {
		var view registry.NodeView
		if err := h.Query(ctx, "registry/node", []byte(id.Node.Public().String()), &view); err != nil {
			if id.Descriptor == nil {
				errs = append(errs, err)
				continue
			}
			// Lapsed out of the registry: register again from the template.
			view.Node = id.Descriptor
			view.Node.Expiration = 0
		}
		n := view.Node
		// A worker's registered P2P endpoint must be where it listens: a
		// home written before the P2P key existed, or a changed address,
		// registers again now rather than at expiry.
		p2pStale := id.P2P != nil && (n.P2P.ID != id.P2P.Public() || len(n.P2P.Addresses) == 0 ||
			(id.Descriptor != nil && !slices.Equal(n.P2P.Addresses, id.Descriptor.P2P.Addresses)))
		if n.Expiration <= clock.Epoch+1 || p2pStale {
			renewed := *n
			renewed.Runtimes = slices.Clone(n.Runtimes)
			renewed.Expiration = clock.Epoch + params.MaxNodeExpiration
			if p2pStale {
				renewed.P2P = registry.P2PInfo{ID: id.P2P.Public(), Addresses: []string{id.P2PAddr}}
				if id.Descriptor != nil && id.Descriptor.P2P.ID == id.P2P.Public() {
					renewed.P2P.Addresses = slices.Clone(id.Descriptor.P2P.Addresses)
				}
			}
			body := registry.SignNode(id.Node, h.ChainContext(), &renewed)
			if err := h.Submit(ctx, id.Entity, "registry.RegisterNode", body); err != nil {
				errs = append(errs, err)
			} else {
				a.Log.Debug("renewing node registration", "node", id.Name, "expiration", renewed.Expiration)
			}
		}
		var submitted uint64
		if err := h.Query(ctx, "beacon/submitted", []byte(id.Node.Public().String()), &submitted); err != nil {
			errs = append(errs, err)
			continue
		}
		if id.VRF != nil && !n.VRF.IsZero() && b.Epoch == clock.Epoch && submitted != clock.Epoch+1 {
			proof := beacon.Prove(id.VRF.PrivateKey(), h.ChainContext(), clock.Epoch+1, b.Entropy)
			if err := h.Submit(ctx, id.Node, "beacon.VRFProve", beacon.ProveBody{Epoch: clock.Epoch + 1, Proof: proof}); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
