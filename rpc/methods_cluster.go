package rpc

// Cluster methods: a network of one RPC-serving identity as far as Solana
// tooling can tell. atoll's validators are CometBFT validators and its
// committees are elected per epoch; none of them vote with Solana vote
// accounts or produce Solana leader slots, so the answers name this node's
// identity as every slot's leader and list no vote accounts.

const maxSlotLeaders = 5000

func init() {
	methodTable["getClusterNodes"] = getClusterNodes
	methodTable["minimumLedgerSlot"] = getFirstAvailableBlock
	methodTable["getHighestSnapshotSlot"] = getHighestSnapshotSlot
	methodTable["getVoteAccounts"] = getVoteAccounts
	methodTable["getLeaderSchedule"] = getLeaderSchedule
	methodTable["getSlotLeaders"] = getSlotLeaders
}

func getClusterNodes(s *Server, p params) (any, *Error) {
	v := s.backend.Version()
	return []map[string]any{{
		"pubkey": s.backend.Identity().String(), "gossip": nil, "tpu": nil, "tpuQuic": nil, "rpc": nil, "pubsub": nil,
		"version": v.SolanaCore, "featureSet": v.FeatureSet, "shredVersion": 0,
	}}, nil
}

func getHighestSnapshotSlot(s *Server, p params) (any, *Error) {
	return nil, &Error{Code: -32008, Message: "No snapshot"}
}

func getVoteAccounts(s *Server, p params) (any, *Error) {
	if _, _, err := commitmentConfig(p, 0); err != nil {
		return nil, err
	}
	return map[string][]any{"current": {}, "delinquent": {}}, nil
}

func getLeaderSchedule(s *Server, p params) (any, *Error) {
	var slot *uint64
	if _, err := p.arg(0, &slot, false, "slot"); err != nil {
		// The first parameter may be the options object instead.
		if _, err := p.configAt(0); err != nil {
			return nil, err
		}
	}
	c, err := p.configAt(1)
	if err != nil {
		return nil, err
	}
	cm, err := commitmentOf(c.Commitment)
	if err != nil {
		return nil, err
	}
	sched := s.backend.EpochSchedule()
	current := s.backend.Slot(cm)
	if slot == nil {
		slot = &current
	}
	// Agave answers null beyond the epoch whose schedule is fixed.
	epoch, _ := sched.EpochOf(*slot)
	if sched.SlotsPerEpoch == 0 || epoch > sched.LeaderScheduleEpoch(current) {
		return nil, nil
	}
	indexes := make([]uint64, sched.SlotsInEpoch(epoch))
	for i := range indexes {
		indexes[i] = uint64(i)
	}
	return map[string][]uint64{s.backend.Identity().String(): indexes}, nil
}

func getSlotLeaders(s *Server, p params) (any, *Error) {
	var start, limit uint64
	if _, err := p.arg(0, &start, true, "start slot"); err != nil {
		return nil, err
	}
	if _, err := p.arg(1, &limit, true, "limit"); err != nil {
		return nil, err
	}
	if limit > maxSlotLeaders {
		return nil, invalidParams("Invalid limit; max %d", maxSlotLeaders)
	}
	id := s.backend.Identity().String()
	out := make([]string, limit)
	for i := range out {
		out[i] = id
	}
	return out, nil
}
