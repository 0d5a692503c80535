package rpc

import (
	"bytes"
	"encoding/base64"

	"github.com/mr-tron/base58"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// filter is one getProgramAccounts / programSubscribe filter.
type filter struct {
	Memcmp   *memcmp `json:"memcmp"`
	DataSize *uint64 `json:"dataSize"`
}

type memcmp struct {
	Offset   int    `json:"offset"`
	Bytes    string `json:"bytes"`
	Encoding string `json:"encoding"`
}

// Limits on filters, as Agave's.
const (
	maxFilters         = 4
	maxMemcmpBase58Len = 175
	maxMemcmpBytes     = 128
)

// compiledFilter is a filter with its bytes decoded.
type compiledFilter struct {
	offset   int
	bytes    []byte
	dataSize *uint64
}

func compileFilters(fs []filter) ([]compiledFilter, *Error) {
	if len(fs) > maxFilters {
		return nil, invalidParams("Too many filters provided; max %d", maxFilters)
	}
	out := make([]compiledFilter, len(fs))
	for i, f := range fs {
		switch {
		case f.DataSize != nil && f.Memcmp == nil:
			out[i].dataSize = f.DataSize
		case f.Memcmp != nil && f.DataSize == nil:
			m := f.Memcmp
			if m.Offset < 0 {
				return nil, invalidParams("Invalid params: memcmp offset must not be negative")
			}
			var b []byte
			var err error
			switch m.Encoding {
			case "", "base58":
				if len(m.Bytes) > maxMemcmpBase58Len {
					return nil, invalidParams("Encoded binary (base 58) data should be less than 129 bytes")
				}
				b, err = base58.Decode(m.Bytes)
				if m.Bytes == "" {
					b, err = []byte{}, nil
				}
			case "base64":
				b, err = base64.StdEncoding.DecodeString(m.Bytes)
			default:
				return nil, invalidParams("Invalid params: unknown memcmp encoding %q", m.Encoding)
			}
			if err != nil {
				return nil, invalidParams("Invalid params: memcmp bytes: %v", err)
			}
			if len(b) > maxMemcmpBytes {
				return nil, invalidParams("Invalid params: memcmp bytes exceed %d", maxMemcmpBytes)
			}
			out[i].offset, out[i].bytes = m.Offset, b
		default:
			return nil, invalidParams("Invalid params: a filter is exactly one of memcmp or dataSize")
		}
	}
	return out, nil
}

func matchFilters(fs []compiledFilter, a *sol.Account) bool {
	for i := range fs {
		f := &fs[i]
		if f.dataSize != nil {
			if uint64(len(a.Data)) != *f.dataSize {
				return false
			}
			continue
		}
		if f.offset > len(a.Data) || len(a.Data)-f.offset < len(f.bytes) ||
			!bytes.Equal(a.Data[f.offset:f.offset+len(f.bytes)], f.bytes) {
			return false
		}
	}
	return true
}

type keyedUIAccount struct {
	Account *UIAccount `json:"account"`
	Pubkey  string     `json:"pubkey"`
}

func getProgramAccounts(s *Server, p params) (any, *Error) {
	program, err := pubkeyArg(p, 0, "program id")
	if err != nil {
		return nil, err
	}
	c, err := p.configAt(1)
	if err != nil {
		return nil, err
	}
	cm, err := commitmentOf(c.Commitment)
	if err != nil {
		return nil, err
	}
	fs, err := compileFilters(c.Filters)
	if err != nil {
		return nil, err
	}
	accts, slot, berr := s.backend.ProgramAccounts(program, cm, func(a *sol.Account) bool { return matchFilters(fs, a) })
	if berr != nil {
		return nil, backendError(berr)
	}
	if err := checkMinContextSlot(c, slot); err != nil {
		return nil, err
	}
	out := make([]keyedUIAccount, len(accts))
	for i := range accts {
		ui, err := encodeAccount(&accts[i].Account, c.Encoding, c.DataSlice)
		if err != nil {
			return nil, err
		}
		out[i] = keyedUIAccount{Account: ui, Pubkey: accts[i].Key.String()}
	}
	if c.WithContext {
		return s.withContext(slot, out), nil
	}
	return out, nil
}
