package client

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// DefaultURL is the local devnet's JSON-RPC endpoint.
const DefaultURL = "http://127.0.0.1:8899"

// Client calls one JSON-RPC endpoint. It is safe for concurrent use.
type Client struct {
	url  string
	http *http.Client
	id   atomic.Uint64
}

// New returns a client for url.
func New(url string) *Client {
	// net/http keeps only two idle connections per host by default, so
	// concurrent callers would otherwise open a connection per call.
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return &Client{url: url, http: &http.Client{Timeout: 30 * time.Second, Transport: t}}
}

// URL is the endpoint.
func (c *Client) URL() string { return c.url }

// RPCError is an error the server answered.
type RPCError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *RPCError) Error() string {
	if len(e.Data) > 0 && string(e.Data) != "null" {
		return fmt.Sprintf("%s (code %d, data %s)", e.Message, e.Code, e.Data)
	}
	return fmt.Sprintf("%s (code %d)", e.Message, e.Code)
}

// Call invokes method with positional params and decodes the result into
// result (which may be nil). JSON-RPC errors come back as *RPCError.
func (c *Client) Call(ctx context.Context, method string, params []any, result any) error {
	if params == nil {
		params = []any{}
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": c.id.Add(1), "method": method, "params": params})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("client: %s: %w", method, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("client: %s: reading response: %w", method, err)
	}
	var out struct {
		Result json.RawMessage `json:"result"`
		Error  *RPCError       `json:"error"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return fmt.Errorf("client: %s: HTTP %d, undecodable response: %.200q", method, resp.StatusCode, raw)
	}
	if out.Error != nil {
		return out.Error
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(out.Result, result); err != nil {
		return fmt.Errorf("client: %s: decoding result: %w", method, err)
	}
	return nil
}

// Commitment names, as the server reads them.
const (
	Processed = "processed"
	Confirmed = "confirmed"
	Finalized = "finalized"
)

type contextValue[T any] struct {
	Context struct {
		Slot uint64 `json:"slot"`
	} `json:"context"`
	Value T `json:"value"`
}

// GetBalance returns key's lamports.
func (c *Client) GetBalance(ctx context.Context, key sol.Pubkey, commitment string) (uint64, error) {
	var r contextValue[uint64]
	err := c.Call(ctx, "getBalance", []any{key.String(), map[string]any{"commitment": commitment}}, &r)
	return r.Value, err
}

type uiAccount struct {
	Data       [2]string  `json:"data"`
	Executable bool       `json:"executable"`
	Lamports   uint64     `json:"lamports"`
	Owner      sol.Pubkey `json:"owner"`
	RentEpoch  uint64     `json:"rentEpoch"`
}

func (u *uiAccount) account() (*sol.Account, error) {
	if u.Data[1] != "base64" {
		return nil, fmt.Errorf("client: account data in %q, asked for base64", u.Data[1])
	}
	data, err := base64.StdEncoding.DecodeString(u.Data[0])
	if err != nil {
		return nil, fmt.Errorf("client: account data: %w", err)
	}
	return &sol.Account{Lamports: u.Lamports, Data: data, Owner: u.Owner, Executable: u.Executable, RentEpoch: u.RentEpoch}, nil
}

// GetAccountInfo returns the account at key, nil if none exists.
func (c *Client) GetAccountInfo(ctx context.Context, key sol.Pubkey, commitment string) (*sol.Account, error) {
	var r contextValue[*uiAccount]
	if err := c.Call(ctx, "getAccountInfo", []any{key.String(), map[string]any{"encoding": "base64", "commitment": commitment}}, &r); err != nil {
		return nil, err
	}
	if r.Value == nil {
		return nil, nil
	}
	return r.Value.account()
}

// GetMultipleAccounts returns the accounts at keys, nil where none exists.
func (c *Client) GetMultipleAccounts(ctx context.Context, keys []sol.Pubkey, commitment string) ([]*sol.Account, uint64, error) {
	strs := make([]string, len(keys))
	for i, k := range keys {
		strs[i] = k.String()
	}
	var r contextValue[[]*uiAccount]
	if err := c.Call(ctx, "getMultipleAccounts", []any{strs, map[string]any{"encoding": "base64", "commitment": commitment}}, &r); err != nil {
		return nil, 0, err
	}
	if len(r.Value) != len(keys) {
		return nil, 0, fmt.Errorf("client: getMultipleAccounts returned %d accounts for %d keys", len(r.Value), len(keys))
	}
	out := make([]*sol.Account, len(keys))
	for i, u := range r.Value {
		if u == nil {
			continue
		}
		a, err := u.account()
		if err != nil {
			return nil, 0, err
		}
		out[i] = a
	}
	return out, r.Context.Slot, nil
}

// Blockhash is a recent blockhash and the last block height it is valid at.
type Blockhash struct {
	Blockhash            sol.Hash `json:"blockhash"`
	LastValidBlockHeight uint64   `json:"lastValidBlockHeight"`
}

// UnmarshalJSON reads the base58 blockhash.
func (b *Blockhash) UnmarshalJSON(data []byte) error {
	var raw struct {
		Blockhash            string `json:"blockhash"`
		LastValidBlockHeight uint64 `json:"lastValidBlockHeight"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	h, err := sol.HashFromString(raw.Blockhash)
	if err != nil {
		return err
	}
	b.Blockhash, b.LastValidBlockHeight = h, raw.LastValidBlockHeight
	return nil
}

// GetLatestBlockhash returns the newest blockhash at commitment.
func (c *Client) GetLatestBlockhash(ctx context.Context, commitment string) (Blockhash, error) {
	var r contextValue[Blockhash]
	err := c.Call(ctx, "getLatestBlockhash", []any{map[string]any{"commitment": commitment}}, &r)
	return r.Value, err
}

// GetMinimumBalanceForRentExemption is the rent-exempt minimum for dataLen bytes.
func (c *Client) GetMinimumBalanceForRentExemption(ctx context.Context, dataLen int) (uint64, error) {
	var n uint64
	err := c.Call(ctx, "getMinimumBalanceForRentExemption", []any{dataLen}, &n)
	return n, err
}

// EpochInfo is getEpochInfo's answer.
type EpochInfo struct {
	AbsoluteSlot     uint64 `json:"absoluteSlot"`
	BlockHeight      uint64 `json:"blockHeight"`
	Epoch            uint64 `json:"epoch"`
	SlotIndex        uint64 `json:"slotIndex"`
	SlotsInEpoch     uint64 `json:"slotsInEpoch"`
	TransactionCount uint64 `json:"transactionCount"`
}

// GetEpochInfo describes the current epoch at commitment.
func (c *Client) GetEpochInfo(ctx context.Context, commitment string) (EpochInfo, error) {
	var e EpochInfo
	err := c.Call(ctx, "getEpochInfo", []any{map[string]any{"commitment": commitment}}, &e)
	return e, err
}

func signatureResult(s string, err error) (sol.Signature, error) {
	if err != nil {
		return sol.Signature{}, err
	}
	return sol.SignatureFromString(s)
}

// SendTransaction submits a signed wire-format transaction.
func (c *Client) SendTransaction(ctx context.Context, raw []byte, skipPreflight bool, preflightCommitment string) (sol.Signature, error) {
	var s string
	err := c.Call(ctx, "sendTransaction", []any{base64.StdEncoding.EncodeToString(raw),
		map[string]any{"encoding": "base64", "skipPreflight": skipPreflight, "preflightCommitment": preflightCommitment}}, &s)
	return signatureResult(s, err)
}

// RequestAirdrop asks the faucet for lamports.
func (c *Client) RequestAirdrop(ctx context.Context, to sol.Pubkey, lamports uint64) (sol.Signature, error) {
	var s string
	err := c.Call(ctx, "requestAirdrop", []any{to.String(), lamports}, &s)
	return signatureResult(s, err)
}

// SignatureStatus is getSignatureStatuses' entry.
type SignatureStatus struct {
	Slot               uint64          `json:"slot"`
	Confirmations      *uint64         `json:"confirmations"`
	Err                json.RawMessage `json:"err"`
	ConfirmationStatus string          `json:"confirmationStatus"`
}

// Failed reports whether the transaction failed (it still paid its fee).
func (s *SignatureStatus) Failed() bool { return len(s.Err) > 0 && string(s.Err) != "null" }

// GetSignatureStatus returns the status of sig, nil if the node does not know it.
func (c *Client) GetSignatureStatus(ctx context.Context, sig sol.Signature) (*SignatureStatus, error) {
	var r contextValue[[]*SignatureStatus]
	if err := c.Call(ctx, "getSignatureStatuses", []any{[]string{sig.String()}, map[string]any{"searchTransactionHistory": true}}, &r); err != nil {
		return nil, err
	}
	if len(r.Value) != 1 {
		return nil, fmt.Errorf("client: getSignatureStatuses returned %d statuses for 1 signature", len(r.Value))
	}
	return r.Value[0], nil
}

// ErrExpired is returned by ConfirmTransaction when the blockhash expired
// before the transaction landed.
var ErrExpired = errors.New("client: transaction expired: its blockhash is no longer valid and it did not land")

var commitmentRank = map[string]int{Processed: 0, Confirmed: 1, Finalized: 2}

// ConfirmTransaction polls until sig reaches commitment, the block height
// passes lastValidBlockHeight (ErrExpired; 0 disables the check) or ctx ends.
// A transaction that landed but failed is returned with its status and no
// error: it did confirm, and paid its fee.
func (c *Client) ConfirmTransaction(ctx context.Context, sig sol.Signature, commitment string, lastValidBlockHeight uint64) (*SignatureStatus, error) {
	want, ok := commitmentRank[commitment]
	if !ok {
		return nil, fmt.Errorf("client: unknown commitment %q", commitment)
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := c.GetSignatureStatus(ctx, sig)
		if err != nil {
			return nil, err
		}
		if st != nil && commitmentRank[st.ConfirmationStatus] >= want {
			return st, nil
		}
		if st == nil && lastValidBlockHeight > 0 {
			var height uint64
			if err := c.Call(ctx, "getBlockHeight", []any{map[string]any{"commitment": commitment}}, &height); err != nil {
				return nil, err
			}
			if height > lastValidBlockHeight {
				return nil, ErrExpired
			}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}
