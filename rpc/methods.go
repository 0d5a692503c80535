package rpc

import (
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/mr-tron/base58"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// methodTable lists every HTTP method. Its entries are read-only.
var methodTable = map[string]method{
	"getHealth":                         getHealth,
	"getVersion":                        getVersion,
	"getGenesisHash":                    getGenesisHash,
	"getIdentity":                       getIdentity,
	"getSlot":                           getSlot,
	"getBlockHeight":                    getBlockHeight,
	"getEpochInfo":                      getEpochInfo,
	"getEpochSchedule":                  getEpochSchedule,
	"getLatestBlockhash":                getLatestBlockhash,
	"isBlockhashValid":                  isBlockhashValid,
	"getFeeForMessage":                  getFeeForMessage,
	"getMinimumBalanceForRentExemption": getMinimumBalanceForRentExemption,
	"getBalance":                        getBalance,
	"getAccountInfo":                    getAccountInfo,
	"getMultipleAccounts":               getMultipleAccounts,
	"getProgramAccounts":                getProgramAccounts,
	"sendTransaction":                   sendTransaction,
	"simulateTransaction":               simulateTransaction,
	"getSignatureStatuses":              getSignatureStatuses,
	"getTransaction":                    getTransaction,
	"getSignaturesForAddress":           getSignaturesForAddress,
	"getBlock":                          getBlock,
	"getBlocks":                         getBlocks,
	"getBlocksWithLimit":                getBlocksWithLimit,
	"getBlockTime":                      getBlockTime,
	"getFirstAvailableBlock":            getFirstAvailableBlock,
	"getTransactionCount":               getTransactionCount,
	"getSlotLeader":                     getSlotLeader,
	"getMaxRetransmitSlot":              getMaxSlot,
	"getMaxShredInsertSlot":             getMaxSlot,
	"getRecentPrioritizationFees":       getRecentPrioritizationFees,
	"requestAirdrop":                    requestAirdrop,
}

// Limits Agave applies.
const (
	maxMultipleAccounts    = 100
	maxSignatureStatuses   = 256
	maxSignaturesForAddr   = 1000
	maxGetBlocksRange      = 500_000
	maxRentExemptDataBytes = 10 * 1024 * 1024
)

// config is the union of the options objects methods take; each method
// reads the fields it knows.
type config struct {
	Commitment                     string     `json:"commitment"`
	Encoding                       string     `json:"encoding"`
	DataSlice                      *DataSlice `json:"dataSlice"`
	MinContextSlot                 *uint64    `json:"minContextSlot"`
	Filters                        []filter   `json:"filters"`
	WithContext                    bool       `json:"withContext"`
	SkipPreflight                  bool       `json:"skipPreflight"`
	PreflightCommitment            string     `json:"preflightCommitment"`
	SigVerify                      bool       `json:"sigVerify"`
	ReplaceRecentBlockhash         bool       `json:"replaceRecentBlockhash"`
	Accounts                       *simAccts  `json:"accounts"`
	SearchTransactionHistory       bool       `json:"searchTransactionHistory"`
	MaxSupportedTransactionVersion *uint8     `json:"maxSupportedTransactionVersion"`
	TransactionDetails             string     `json:"transactionDetails"`
	Rewards                        *bool      `json:"rewards"`
	Limit                          *int       `json:"limit"`
	Before                         string     `json:"before"`
	Until                          string     `json:"until"`
}

type simAccts struct {
	Addresses []string `json:"addresses"`
	Encoding  string   `json:"encoding"`
}

// configAt decodes the options object at position i (absent: zero config).
func (p params) configAt(i int) (*config, *Error) {
	c := &config{}
	if _, err := p.arg(i, c, false, "configuration"); err != nil {
		return nil, err
	}
	return c, nil
}

func commitmentOf(name string) (Commitment, *Error) {
	c, err := ParseCommitment(name)
	if err != nil {
		return 0, invalidParams("Invalid params: unknown commitment %q", name)
	}
	return c, nil
}

func (s *Server) withContext(slot uint64, v any) contextValue {
	return contextValue{Context: rpcContext{APIVersion: s.backend.Version().SolanaCore, Slot: slot}, Value: v}
}

// checkMinContextSlot refuses a request whose context slot is below the
// client's minContextSlot.
func checkMinContextSlot(c *config, slot uint64) *Error {
	if c.MinContextSlot != nil && slot < *c.MinContextSlot {
		return &Error{Code: CodeMinContextSlotNotReached, Message: "Minimum context slot has not been reached",
			Data: map[string]uint64{"contextSlot": slot}}
	}
	return nil
}

func pubkeyArg(p params, i int, what string) (sol.Pubkey, *Error) {
	var s string
	if _, err := p.arg(i, &s, true, what); err != nil {
		return sol.Pubkey{}, err
	}
	k, err := sol.PubkeyFromString(s)
	if err != nil {
		return sol.Pubkey{}, invalidParams("Invalid param: Invalid")
	}
	return k, nil
}

// commitmentConfig reads the options object at position i and its commitment.
func commitmentConfig(p params, i int) (*config, Commitment, *Error) {
	c, err := p.configAt(i)
	if err != nil {
		return nil, 0, err
	}
	cm, err := commitmentOf(c.Commitment)
	return c, cm, err
}

func getHealth(s *Server, p params) (any, *Error) {
	if err := s.backend.Health(); err != nil {
		return nil, &Error{Code: CodeNodeUnhealthy, Message: "Node is unhealthy: " + err.Error()}
	}
	return "ok", nil
}

func getVersion(s *Server, p params) (any, *Error) {
	v := s.backend.Version()
	return map[string]any{"solana-core": v.SolanaCore, "feature-set": v.FeatureSet}, nil
}

func getGenesisHash(s *Server, p params) (any, *Error) { return s.backend.GenesisHash().String(), nil }

func getIdentity(s *Server, p params) (any, *Error) {
	return map[string]string{"identity": s.backend.Identity().String()}, nil
}

func getSlot(s *Server, p params) (any, *Error) {
	c, cm, err := commitmentConfig(p, 0)
	if err != nil {
		return nil, err
	}
	slot := s.backend.Slot(cm)
	return slot, checkMinContextSlot(c, slot)
}

func getMaxSlot(s *Server, p params) (any, *Error) { return s.backend.Slot(Processed), nil }

func getSlotLeader(s *Server, p params) (any, *Error) { return s.backend.Identity().String(), nil }

func getBlockHeight(s *Server, p params) (any, *Error) {
	c, cm, err := commitmentConfig(p, 0)
	if err != nil {
		return nil, err
	}
	return s.backend.BlockHeight(cm), checkMinContextSlot(c, s.backend.Slot(cm))
}

func getTransactionCount(s *Server, p params) (any, *Error) {
	_, cm, err := commitmentConfig(p, 0)
	if err != nil {
		return nil, err
	}
	return s.backend.TransactionCount(cm), nil
}

func getEpochInfo(s *Server, p params) (any, *Error) {
	c, cm, err := commitmentConfig(p, 0)
	if err != nil {
		return nil, err
	}
	e := s.backend.EpochInfo(cm)
	if err := checkMinContextSlot(c, e.AbsoluteSlot); err != nil {
		return nil, err
	}
	return map[string]uint64{"absoluteSlot": e.AbsoluteSlot, "blockHeight": e.BlockHeight, "epoch": e.Epoch,
		"slotIndex": e.SlotIndex, "slotsInEpoch": e.SlotsInEpoch, "transactionCount": e.TransactionCount}, nil
}

func getEpochSchedule(s *Server, p params) (any, *Error) {
	e := s.backend.EpochSchedule()
	return map[string]any{"firstNormalEpoch": e.FirstNormalEpoch, "firstNormalSlot": e.FirstNormalSlot,
		"leaderScheduleSlotOffset": e.LeaderScheduleSlotOffset, "slotsPerEpoch": e.SlotsPerEpoch, "warmup": e.Warmup}, nil
}

func getLatestBlockhash(s *Server, p params) (any, *Error) {
	c, cm, err := commitmentConfig(p, 0)
	if err != nil {
		return nil, err
	}
	bh := s.backend.LatestBlockhash(cm)
	if err := checkMinContextSlot(c, bh.Slot); err != nil {
		return nil, err
	}
	return s.withContext(bh.Slot, map[string]any{"blockhash": bh.Blockhash.String(), "lastValidBlockHeight": bh.LastValidBlockHeight}), nil
}

func isBlockhashValid(s *Server, p params) (any, *Error) {
	var hs string
	if _, err := p.arg(0, &hs, true, "blockhash"); err != nil {
		return nil, err
	}
	h, herr := sol.HashFromString(hs)
	if herr != nil {
		return nil, invalidParams("Invalid params: invalid blockhash %q", hs)
	}
	c, cm, err := commitmentConfig(p, 1)
	if err != nil {
		return nil, err
	}
	ok, slot := s.backend.IsBlockhashValid(h, cm)
	if err := checkMinContextSlot(c, slot); err != nil {
		return nil, err
	}
	return s.withContext(slot, ok), nil
}

func getFeeForMessage(s *Server, p params) (any, *Error) {
	var msg string
	if _, err := p.arg(0, &msg, true, "message"); err != nil {
		return nil, err
	}
	raw, derr := base64.StdEncoding.DecodeString(msg)
	if derr != nil {
		return nil, invalidParams("Invalid params: message is not base64: %v", derr)
	}
	c, cm, err := commitmentConfig(p, 1)
	if err != nil {
		return nil, err
	}
	fee, ok, slot, ferr := s.backend.FeeForMessage(raw, cm)
	if ferr != nil {
		return nil, backendError(ferr)
	}
	if err := checkMinContextSlot(c, slot); err != nil {
		return nil, err
	}
	if !ok {
		return s.withContext(slot, nil), nil
	}
	return s.withContext(slot, fee), nil
}

func getMinimumBalanceForRentExemption(s *Server, p params) (any, *Error) {
	var n int
	if _, err := p.arg(0, &n, true, "data length"); err != nil {
		return nil, err
	}
	if n < 0 || n > maxRentExemptDataBytes {
		return nil, invalidParams("Invalid params: data length %d is outside [0, %d]", n, maxRentExemptDataBytes)
	}
	return s.backend.Rent().MinimumBalance(n), nil
}

func getBalance(s *Server, p params) (any, *Error) {
	k, err := pubkeyArg(p, 0, "address")
	if err != nil {
		return nil, err
	}
	c, cm, err := commitmentConfig(p, 1)
	if err != nil {
		return nil, err
	}
	accts, slot, berr := s.backend.Accounts([]sol.Pubkey{k}, cm)
	if berr != nil {
		return nil, backendError(berr)
	}
	if err := checkMinContextSlot(c, slot); err != nil {
		return nil, err
	}
	var bal uint64
	if accts[0] != nil {
		bal = accts[0].Lamports
	}
	return s.withContext(slot, bal), nil
}

func (s *Server) accounts(keys []sol.Pubkey, c *config) (uint64, []*UIAccount, *Error) {
	cm, err := commitmentOf(c.Commitment)
	if err != nil {
		return 0, nil, err
	}
	accts, slot, berr := s.backend.Accounts(keys, cm)
	if berr != nil {
		return 0, nil, backendError(berr)
	}
	if err := checkMinContextSlot(c, slot); err != nil {
		return 0, nil, err
	}
	out := make([]*UIAccount, len(accts))
	for i, a := range accts {
		if a == nil {
			continue
		}
		if out[i], err = encodeAccount(a, c.Encoding, c.DataSlice); err != nil {
			return 0, nil, err
		}
	}
	return slot, out, nil
}

func getAccountInfo(s *Server, p params) (any, *Error) {
	k, err := pubkeyArg(p, 0, "address")
	if err != nil {
		return nil, err
	}
	c, err := p.configAt(1)
	if err != nil {
		return nil, err
	}
	slot, out, err := s.accounts([]sol.Pubkey{k}, c)
	if err != nil {
		return nil, err
	}
	return encodeAccountInfo(s.backend.Version().SolanaCore, slot, out[0]), nil
}

func getMultipleAccounts(s *Server, p params) (any, *Error) {
	var addrs []string
	if _, err := p.arg(0, &addrs, true, "addresses"); err != nil {
		return nil, err
	}
	if len(addrs) > maxMultipleAccounts {
		return nil, invalidParams("Too many inputs provided; max %d", maxMultipleAccounts)
	}
	keys := make([]sol.Pubkey, len(addrs))
	for i, a := range addrs {
		k, kerr := sol.PubkeyFromString(a)
		if kerr != nil {
			return nil, invalidParams("Invalid param: Invalid")
		}
		keys[i] = k
	}
	c, err := p.configAt(1)
	if err != nil {
		return nil, err
	}
	slot, out, err := s.accounts(keys, c)
	if err != nil {
		return nil, err
	}
	return s.withContext(slot, out), nil
}

func sendTransaction(s *Server, p params) (any, *Error) {
	raw, c, err := wireTransaction(p)
	if err != nil {
		return nil, err
	}
	pc := c.PreflightCommitment
	if pc == "" {
		pc = c.Commitment
	}
	cm, err := commitmentOf(pc)
	if err != nil {
		return nil, err
	}
	if c.MinContextSlot != nil {
		if err := checkMinContextSlot(c, s.backend.Slot(cm)); err != nil {
			return nil, err
		}
	}
	sig, berr := s.backend.SendTransaction(raw, SendOptions{SkipPreflight: c.SkipPreflight, PreflightCommitment: cm})
	if berr != nil {
		return nil, backendError(berr)
	}
	// A base58 signature needs no escaping.
	return encodedResult(`"` + sig.String() + `"`), nil
}

// wireTransaction decodes parameter 0 in the encoding the options name
// (base58 by default, as Agave).
func wireTransaction(p params) ([]byte, *config, *Error) {
	var enc string
	if _, err := p.arg(0, &enc, true, "transaction"); err != nil {
		return nil, nil, err
	}
	c, err := p.configAt(1)
	if err != nil {
		return nil, nil, err
	}
	var raw []byte
	var derr error
	switch c.Encoding {
	case "", "base58":
		raw, derr = base58.Decode(enc)
	case "base64":
		raw, derr = base64.StdEncoding.DecodeString(enc)
	default:
		return nil, nil, invalidParams("Invalid params: unsupported encoding: %s. Supported encodings: base58, base64", c.Encoding)
	}
	if derr != nil {
		return nil, nil, invalidParams("Invalid params: the transaction is not valid %s: %v", encodingName(c.Encoding), derr)
	}
	if len(raw) > sol.MaxTransactionSize {
		return nil, nil, invalidParams("Invalid params: transaction too large: %d bytes (max: %d bytes)", len(raw), sol.MaxTransactionSize)
	}
	return raw, c, nil
}

func encodingName(e string) string {
	if e == "" {
		return "base58"
	}
	return e
}

// simulationValue is RpcSimulateTransactionResult.
func simulationValue(sim *SimulateResult, accounts []*UIAccount) map[string]any {
	r := &sim.Result
	v := map[string]any{
		"err": r.Err, "logs": nonNil(r.Logs), "accounts": nil, "unitsConsumed": r.UnitsConsumed,
		"returnData": encodeReturnData(r.ReturnData), "innerInstructions": nil, "replacementBlockhash": nil,
	}
	if accounts != nil {
		v["accounts"] = accounts
	}
	if rb := sim.ReplacementBlockhash; rb != nil {
		v["replacementBlockhash"] = map[string]any{"blockhash": rb.Blockhash.String(), "lastValidBlockHeight": rb.LastValidBlockHeight}
	}
	return v
}

func simulateTransaction(s *Server, p params) (any, *Error) {
	raw, c, err := wireTransaction(p)
	if err != nil {
		return nil, err
	}
	cm, err := commitmentOf(c.Commitment)
	if err != nil {
		return nil, err
	}
	opts := SimulateOptions{SigVerify: c.SigVerify, ReplaceRecentBlockhash: c.ReplaceRecentBlockhash, Commitment: cm}
	acctEncoding := "base64"
	if c.Accounts != nil {
		if len(c.Accounts.Addresses) > maxMultipleAccounts {
			return nil, invalidParams("Too many accounts provided; max %d", maxMultipleAccounts)
		}
		for _, a := range c.Accounts.Addresses {
			k, kerr := sol.PubkeyFromString(a)
			if kerr != nil {
				return nil, invalidParams("Invalid param: Invalid")
			}
			opts.Accounts = append(opts.Accounts, k)
		}
		if c.Accounts.Encoding != "" {
			acctEncoding = c.Accounts.Encoding
		}
		if acctEncoding == "binary" || acctEncoding == "base58" {
			return nil, invalidParams("Invalid params: base58 encoding not supported")
		}
	}
	sim, berr := s.backend.Simulate(raw, opts)
	if berr != nil {
		return nil, backendError(berr)
	}
	if err := checkMinContextSlot(c, sim.Slot); err != nil {
		return nil, err
	}
	var accounts []*UIAccount
	if c.Accounts != nil {
		accounts = make([]*UIAccount, len(sim.Accounts))
		for i, a := range sim.Accounts {
			if a != nil {
				if accounts[i], err = encodeAccount(a, acctEncoding, nil); err != nil {
					return nil, err
				}
			}
		}
	}
	return s.withContext(sim.Slot, simulationValue(sim, accounts)), nil
}

func getSignatureStatuses(s *Server, p params) (any, *Error) {
	var strs []string
	if _, err := p.arg(0, &strs, true, "signatures"); err != nil {
		return nil, err
	}
	if len(strs) > maxSignatureStatuses {
		return nil, invalidParams("Too many inputs provided; max %d", maxSignatureStatuses)
	}
	sigs := make([]sol.Signature, len(strs))
	for i, str := range strs {
		sig, serr := sol.SignatureFromString(str)
		if serr != nil {
			return nil, invalidParams("Invalid param: Invalid")
		}
		sigs[i] = sig
	}
	c, err := p.configAt(1)
	if err != nil {
		return nil, err
	}
	sts, slot, berr := s.backend.SignatureStatuses(sigs, c.SearchTransactionHistory)
	if berr != nil {
		return nil, backendError(berr)
	}
	return encodeSignatureStatuses(s.backend.Version().SolanaCore, slot, sts), nil
}

func signatureArg(p params, i int) (sol.Signature, *Error) {
	var str string
	if _, err := p.arg(i, &str, true, "signature"); err != nil {
		return sol.Signature{}, err
	}
	sig, err := sol.SignatureFromString(str)
	if err != nil {
		return sol.Signature{}, invalidParams("Invalid param: Invalid")
	}
	return sig, nil
}

// historyCommitment is the commitment of ledger reads, which Agave refuses
// below confirmed.
func historyCommitment(c *config) (Commitment, *Error) {
	cm, err := commitmentOf(c.Commitment)
	if err != nil {
		return 0, err
	}
	if cm == Processed {
		return 0, invalidParams("Method does not support commitment below `confirmed`")
	}
	return cm, nil
}

func getTransaction(s *Server, p params) (any, *Error) {
	sig, err := signatureArg(p, 0)
	if err != nil {
		return nil, err
	}
	c, err := encodingConfig(p, 1)
	if err != nil {
		return nil, err
	}
	cm, err := historyCommitment(c)
	if err != nil {
		return nil, err
	}
	rec, berr := s.backend.Transaction(sig, cm)
	if berr != nil {
		return nil, backendError(berr)
	}
	if rec == nil {
		return nil, nil
	}
	tx, err := encodeTransactionWithMeta(rec, c.Encoding, c.MaxSupportedTransactionVersion, "full")
	if err != nil {
		return nil, err
	}
	tx["slot"] = rec.Slot
	tx["blockTime"] = rec.BlockTime
	return tx, nil
}

// encodingConfig reads the options of getTransaction and getBlock, whose
// second parameter may also be a bare encoding string (legacy form).
func encodingConfig(p params, i int) (*config, *Error) {
	if i < len(p) {
		var enc string
		if _, err := p.arg(i, &enc, false, "encoding"); err == nil && enc != "" {
			return &config{Encoding: enc}, nil
		}
	}
	return p.configAt(i)
}

// encodeTransactionWithMeta renders a ledger record as Agave's
// EncodedTransactionWithStatusMeta.
func encodeTransactionWithMeta(rec *TransactionRecord, encoding string, maxVersion *uint8, details string) (map[string]any, *Error) {
	tx, derr := sol.DecodeTransaction(rec.Raw)
	if derr != nil {
		return nil, &Error{Code: CodeInternalError, Message: "Internal error: stored transaction does not decode: " + derr.Error()}
	}
	out := map[string]any{}
	switch {
	case tx.Message.Version == sol.MessageV0 && maxVersion == nil:
		return nil, &Error{Code: CodeUnsupportedTxVersion, Message: "Transaction version (0) is not supported by the requesting client. " +
			"Please try the request again with the following configuration parameter: \"maxSupportedTransactionVersion\": 0"}
	case maxVersion != nil && tx.Message.Version == sol.MessageV0:
		out["version"] = 0
	case maxVersion != nil:
		out["version"] = "legacy"
	}
	switch details {
	case "signatures":
		return out, nil
	}
	switch encoding {
	case "", "json":
		out["transaction"] = encodeTxJSON(tx)
	case "jsonParsed":
		out["transaction"] = encodeTxParsed(tx, rec.Result.Keys)
	case "base64":
		out["transaction"] = [2]string{base64.StdEncoding.EncodeToString(rec.Raw), "base64"}
	case "base58", "binary":
		out["transaction"] = [2]string{base58.Encode(rec.Raw), "base58"}
	default:
		return nil, invalidParams("Invalid params: unknown encoding %q", encoding)
	}
	full, ferr := rec.Full()
	if ferr != nil {
		return nil, &Error{Code: CodeInternalError, Message: "Internal error: stored result does not decode: " + ferr.Error()}
	}
	out["meta"] = encodeMeta(tx, full)
	return out, nil
}

func getSignaturesForAddress(s *Server, p params) (any, *Error) {
	k, err := pubkeyArg(p, 0, "address")
	if err != nil {
		return nil, err
	}
	c, err := p.configAt(1)
	if err != nil {
		return nil, err
	}
	cm, err := historyCommitment(c)
	if err != nil {
		return nil, err
	}
	q := SignaturesQuery{Limit: maxSignaturesForAddr}
	if c.Limit != nil {
		if *c.Limit < 1 || *c.Limit > maxSignaturesForAddr {
			return nil, invalidParams("Invalid limit; max %d", maxSignaturesForAddr)
		}
		q.Limit = *c.Limit
	}
	for _, f := range []struct {
		s   string
		dst **sol.Signature
	}{{c.Before, &q.Before}, {c.Until, &q.Until}} {
		if f.s == "" {
			continue
		}
		sig, serr := sol.SignatureFromString(f.s)
		if serr != nil {
			return nil, invalidParams("Invalid param: Invalid")
		}
		*f.dst = &sig
	}
	rows, berr := s.backend.SignaturesForAddress(k, q, cm)
	if berr != nil {
		return nil, backendError(berr)
	}
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		out[i] = map[string]any{"signature": r.Signature.String(), "slot": r.Slot, "err": r.Err, "memo": nil,
			"blockTime": r.BlockTime, "confirmationStatus": r.Commitment.String()}
	}
	return out, nil
}

func getBlock(s *Server, p params) (any, *Error) {
	var slot uint64
	if _, err := p.arg(0, &slot, true, "slot"); err != nil {
		return nil, err
	}
	c, err := encodingConfig(p, 1)
	if err != nil {
		return nil, err
	}
	cm, err := historyCommitment(c)
	if err != nil {
		return nil, err
	}
	blk, berr := s.backend.Block(slot, cm)
	if errors.Is(berr, ErrBlockNotAvailable) {
		return nil, &Error{Code: CodeBlockNotAvailable, Message: fmt.Sprintf("Block not available for slot %d", slot)}
	}
	if berr != nil {
		return nil, backendError(berr)
	}
	details := c.TransactionDetails
	if details == "" {
		details = "full"
	}
	out := map[string]any{"blockHeight": blk.BlockHeight, "blockTime": blk.BlockTime, "blockhash": blk.Blockhash.String(),
		"parentSlot": blk.ParentSlot, "previousBlockhash": blk.PreviousBlockhash.String()}
	if c.Rewards == nil || *c.Rewards {
		out["rewards"] = []any{}
	}
	switch details {
	case "none":
	case "signatures":
		sigs := make([]string, len(blk.Transactions))
		for i := range blk.Transactions {
			sigs[i] = blk.Transactions[i].Result.Signature.String()
		}
		out["signatures"] = sigs
	case "full", "accounts":
		txs := make([]map[string]any, len(blk.Transactions))
		for i := range blk.Transactions {
			if txs[i], err = encodeTransactionWithMeta(&blk.Transactions[i], c.Encoding, c.MaxSupportedTransactionVersion, details); err != nil {
				return nil, err
			}
		}
		out["transactions"] = txs
	default:
		return nil, invalidParams("Invalid params: unknown transactionDetails %q", details)
	}
	return out, nil
}

func getBlocks(s *Server, p params) (any, *Error) {
	var start uint64
	if _, err := p.arg(0, &start, true, "start slot"); err != nil {
		return nil, err
	}
	var end uint64
	hasEnd, err := p.arg(1, &end, false, "end slot")
	c := &config{}
	if err != nil {
		// The second parameter may be the options object instead.
		if c, err = p.configAt(1); err != nil {
			return nil, err
		}
	} else if c, err = p.configAt(2); err != nil {
		return nil, err
	}
	cm, err := historyCommitment(c)
	if err != nil {
		return nil, err
	}
	if !hasEnd {
		end = s.backend.Slot(cm)
	}
	if end >= start && end-start > maxGetBlocksRange {
		return nil, invalidParams("Slot range too large; max %d", maxGetBlocksRange)
	}
	slots, berr := s.backend.Blocks(start, end, cm)
	if berr != nil {
		return nil, backendError(berr)
	}
	return nonNil(slots), nil
}

func getBlocksWithLimit(s *Server, p params) (any, *Error) {
	var start, limit uint64
	if _, err := p.arg(0, &start, true, "start slot"); err != nil {
		return nil, err
	}
	if _, err := p.arg(1, &limit, true, "limit"); err != nil {
		return nil, err
	}
	if limit > maxGetBlocksRange {
		return nil, invalidParams("Limit too large; max %d", maxGetBlocksRange)
	}
	c, err := p.configAt(2)
	if err != nil {
		return nil, err
	}
	cm, err := historyCommitment(c)
	if err != nil {
		return nil, err
	}
	if limit == 0 {
		return []uint64{}, nil
	}
	slots, berr := s.backend.Blocks(start, start+limit-1, cm)
	if berr != nil {
		return nil, backendError(berr)
	}
	return nonNil(slots), nil
}

func getBlockTime(s *Server, p params) (any, *Error) {
	var slot uint64
	if _, err := p.arg(0, &slot, true, "slot"); err != nil {
		return nil, err
	}
	blk, berr := s.backend.Block(slot, Confirmed)
	if errors.Is(berr, ErrBlockNotAvailable) {
		return nil, &Error{Code: CodeBlockNotAvailable, Message: fmt.Sprintf("Block not available for slot %d", slot)}
	}
	if berr != nil {
		return nil, backendError(berr)
	}
	return blk.BlockTime, nil
}

func getFirstAvailableBlock(s *Server, p params) (any, *Error) {
	return s.backend.FirstAvailableBlock(), nil
}

func getRecentPrioritizationFees(s *Server, p params) (any, *Error) {
	// atoll has no per-account fee market yet: every recent slot's minimum
	// priority fee is zero.
	slot := s.backend.Slot(Processed)
	out := []map[string]uint64{}
	for i := uint64(0); i < 150 && i <= slot; i++ {
		out = append(out, map[string]uint64{"slot": slot - i, "prioritizationFee": 0})
	}
	return out, nil
}

func requestAirdrop(s *Server, p params) (any, *Error) {
	k, err := pubkeyArg(p, 0, "address")
	if err != nil {
		return nil, err
	}
	var lamports uint64
	if _, err := p.arg(1, &lamports, true, "lamports"); err != nil {
		return nil, err
	}
	sig, berr := s.backend.RequestAirdrop(k, lamports)
	if berr != nil {
		return nil, backendError(berr)
	}
	return sig.String(), nil
}
