package devbank

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/mr-tron/base58"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// ErrAccountFile wraps every problem with an account file.
var ErrAccountFile = errors.New("devbank: malformed account file")

// accountFile is the JSON that `solana account --output json` and
// `atoll account --output json` write, and solana-test-validator's
// --account loads:
//
//	{"pubkey": "<base58>",
//	 "account": {"lamports": n, "data": ["<base64>", "base64"], "owner": "<base58>",
//	             "executable": bool, "rentEpoch": n, "space": n}}
type accountFile struct {
	Pubkey  string `json:"pubkey"`
	Account *struct {
		Lamports   *uint64         `json:"lamports"`
		Data       json.RawMessage `json:"data"`
		Owner      string          `json:"owner"`
		Executable bool            `json:"executable"`
		RentEpoch  uint64          `json:"rentEpoch"`
	} `json:"account"`
}

// ParseAccountFile reads an account file. address, when not zero, overrides
// the file's pubkey (as --account ADDRESS FILE does).
func ParseAccountFile(b []byte, address sol.Pubkey) (svm.AccountWrite, error) {
	var f accountFile
	if err := json.Unmarshal(b, &f); err != nil {
		return svm.AccountWrite{}, fmt.Errorf("%w: %v", ErrAccountFile, err)
	}
	if f.Account == nil || f.Account.Lamports == nil {
		return svm.AccountWrite{}, fmt.Errorf("%w: no account.lamports", ErrAccountFile)
	}
	w := svm.AccountWrite{Key: address}
	if address.IsZero() {
		k, err := sol.PubkeyFromString(f.Pubkey)
		if err != nil {
			return svm.AccountWrite{}, fmt.Errorf("%w: pubkey: %v", ErrAccountFile, err)
		}
		w.Key = k
	}
	owner, err := sol.PubkeyFromString(f.Account.Owner)
	if err != nil {
		return svm.AccountWrite{}, fmt.Errorf("%w: owner: %v", ErrAccountFile, err)
	}
	data, err := decodeAccountData(f.Account.Data)
	if err != nil {
		return svm.AccountWrite{}, err
	}
	if len(data) > sol.MaxAccountDataSize {
		return svm.AccountWrite{}, fmt.Errorf("%w: %d bytes of data, the limit is %d", ErrAccountFile, len(data), sol.MaxAccountDataSize)
	}
	if *f.Account.Lamports == 0 {
		return svm.AccountWrite{}, fmt.Errorf("%w: an account with 0 lamports does not exist", ErrAccountFile)
	}
	w.Account = sol.Account{Lamports: *f.Account.Lamports, Data: data, Owner: owner, Executable: f.Account.Executable, RentEpoch: f.Account.RentEpoch}
	return w, nil
}

// decodeAccountData accepts ["<data>", "base64"|"base58"] and a bare base58
// string (the legacy "binary" encoding).
func decodeAccountData(raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var pair []string
	if err := json.Unmarshal(raw, &pair); err == nil {
		if len(pair) != 2 {
			return nil, fmt.Errorf("%w: data is [\"<encoded>\", \"<encoding>\"]", ErrAccountFile)
		}
		var b []byte
		var err error
		switch pair[1] {
		case "base64":
			b, err = base64.StdEncoding.DecodeString(pair[0])
		case "base58":
			b, err = base58.Decode(pair[0])
		default:
			return nil, fmt.Errorf("%w: data encoding %q (use base64)", ErrAccountFile, pair[1])
		}
		if err != nil {
			return nil, fmt.Errorf("%w: data: %v", ErrAccountFile, err)
		}
		return b, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("%w: data is neither [\"<encoded>\", \"<encoding>\"] nor a base58 string", ErrAccountFile)
	}
	if s == "" {
		return nil, nil
	}
	b, err := base58.Decode(s)
	if err != nil {
		return nil, fmt.Errorf("%w: data: %v", ErrAccountFile, err)
	}
	return b, nil
}
