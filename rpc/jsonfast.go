package rpc

import (
	"encoding/json"
	"strconv"
)

// The fast paths below decode the shapes that make up nearly all of a busy
// server's traffic (request envelopes, positional parameters, plain
// strings, sendTransaction's and getSignatureStatuses' options) without
// encoding/json's reflection. Each returns ok false on anything outside
// the shape it handles, valid or not, and its caller then takes the
// encoding/json path, which decides and words every error; where a fast
// path answers, its result is the one encoding/json gives
// (FuzzDecodeRequests_FastMatchesSlow and its siblings check this). The
// spans they return alias the input, which callers never modify.

// decodeRequestsFast is DecodeRequests for well-formed bodies: one
// request object, or a batch of 1 to maxBatchRequests elements.
func decodeRequestsFast(body []byte) (reqs []Request, batch, ok bool) {
	s := jsonScanner{b: body}
	s.skipSpace()
	if s.i >= len(body) {
		return nil, false, false
	}
	switch body[s.i] {
	case '{':
		r, ok := decodeRequestFast(body[s.i:])
		if !ok {
			return nil, false, false
		}
		return []Request{r}, false, true
	case '[':
		ok := s.array(func() bool {
			start := s.i
			if !s.skipValue() || len(reqs) == maxBatchRequests {
				return false
			}
			raw := body[start:s.i]
			r, ok := decodeRequestFast(raw)
			if !ok {
				// Valid, but not a request this path decodes: its
				// invalid-request answer comes from encoding/json.
				r = decodeOne(raw)
			}
			reqs = append(reqs, r)
			return true
		})
		if !ok || !s.atEnd() || len(reqs) == 0 {
			return nil, true, false
		}
		return reqs, true, true
	}
	return nil, false, false
}

// Request members, as bits of decodeRequestFast's seen set.
const (
	memberJSONRPC = 1 << iota
	memberID
	memberMethod
	memberParams
)

// decodeRequestFast decodes a request object spanning all of b (trailing
// whitespace aside) whose members are spelled exactly, appear once, and
// whose jsonrpc and method are plain strings.
func decodeRequestFast(b []byte) (Request, bool) {
	var r Request
	s := jsonScanner{b: b}
	seen := 0
	ok := s.object(func(key []byte, plain bool) bool {
		bit := 0
		switch string(key) {
		case "jsonrpc":
			bit = memberJSONRPC
		case "id":
			bit = memberID
		case "method":
			bit = memberMethod
		case "params":
			bit = memberParams
		}
		if !plain || bit == 0 || seen&bit != 0 {
			return false
		}
		seen |= bit
		switch bit {
		case memberJSONRPC, memberMethod:
			v, plain, ok := s.str()
			if !ok || !plain {
				return false
			}
			if bit == memberJSONRPC {
				r.JSONRPC = internJSONRPC(v)
			} else {
				r.Method = internMethod(v)
			}
			return true
		case memberID:
			v, ok := s.value()
			r.ID = v
			return ok
		default:
			v, ok := s.value()
			r.Params = v
			return ok
		}
	})
	if !ok || !s.atEnd() {
		return Request{}, false
	}
	return r, true
}

// parseParamsFast is parseParams for an array of valid values, or null.
func parseParamsFast(raw json.RawMessage) (params, bool) {
	s := jsonScanner{b: raw}
	s.skipSpace()
	if s.literal("null") {
		return nil, s.atEnd()
	}
	if s.i == len(raw) {
		return nil, true
	}
	p := params{}
	ok := s.array(func() bool {
		v, ok := s.value()
		p = append(p, v)
		return ok
	})
	if !ok || !s.atEnd() {
		return nil, false
	}
	return p, true
}

// plainString decodes a JSON string of printable ASCII without escapes.
func plainString(raw []byte) (string, bool) {
	s := jsonScanner{b: raw}
	s.skipSpace()
	v, plain, ok := s.str()
	if !ok || !plain || !s.atEnd() {
		return "", false
	}
	return string(v), true
}

// plainStrings decodes an array of plain strings.
func plainStrings(raw []byte) ([]string, bool) {
	s := jsonScanner{b: raw}
	s.skipSpace()
	out := []string{}
	ok := s.array(func() bool {
		v, plain, ok := s.str()
		out = append(out, string(v))
		return ok && plain
	})
	if !ok || !s.atEnd() {
		return nil, false
	}
	return out, true
}

// configFastMembers are the options decodeConfigFast reads, with their
// kinds. maxRetries (sendTransaction's) is no config field and no field's
// case-folded name, so encoding/json ignores its value, and so does this
// path. Anything else goes to encoding/json.
var configFastMembers = [...]struct {
	name string
	kind uint8
}{
	{"encoding", optString}, {"preflightCommitment", optString}, {"commitment", optString},
	{"skipPreflight", optBool}, {"sigVerify", optBool}, {"replaceRecentBlockhash", optBool},
	{"searchTransactionHistory", optBool}, {"withContext", optBool},
	{"minContextSlot", optUint}, {"maxRetries", optIgnored},
}

const (
	optString = iota + 1
	optBool
	optUint
	optIgnored
)

// configFastMember finds key among configFastMembers (kind 0: not there).
func configFastMember(key []byte) (index int, kind uint8) {
	for i, m := range configFastMembers {
		if m.name == string(key) {
			return i, m.kind
		}
	}
	return 0, 0
}

// decodeConfigFast decodes an options object into c, as json.Unmarshal
// would into the config c points to, when its members are among
// configFastMembers, spelled exactly, once each, with values of their kind
// (plain strings, true or false, integers within u64). It may have set
// some fields of c when it gives up; callers then restore c before taking
// the encoding/json path.
func decodeConfigFast(raw []byte, c *config) bool {
	s := jsonScanner{b: raw}
	var seen [len(configFastMembers)]bool
	ok := s.object(func(key []byte, plain bool) bool {
		idx, kind := configFastMember(key)
		if !plain || kind == 0 || seen[idx] {
			return false
		}
		seen[idx] = true
		switch kind {
		case optString:
			v, plain, ok := s.str()
			if !ok || !plain {
				return false
			}
			switch string(key) {
			case "commitment":
				c.Commitment = string(v)
			case "encoding":
				c.Encoding = string(v)
			default:
				c.PreflightCommitment = string(v)
			}
			return true
		case optBool:
			var v bool
			switch {
			case s.literal("true"):
				v = true
			case s.literal("false"):
			default:
				return false
			}
			switch string(key) {
			case "skipPreflight":
				c.SkipPreflight = v
			case "sigVerify":
				c.SigVerify = v
			case "replaceRecentBlockhash":
				c.ReplaceRecentBlockhash = v
			case "searchTransactionHistory":
				c.SearchTransactionHistory = v
			default:
				c.WithContext = v
			}
			return true
		case optUint:
			start := s.i
			integer, ok := s.number()
			if !ok || !integer {
				return false
			}
			n, err := strconv.ParseUint(string(s.b[start:s.i]), 10, 64)
			if err != nil {
				return false
			}
			c.MinContextSlot = &n
			return true
		default:
			return s.skipValue()
		}
	})
	return ok && s.atEnd()
}

// methodNames holds the HTTP methods' names, so that decoding a known one
// allocates nothing.
var methodNames = func() map[string]string {
	m := make(map[string]string, len(methodTable))
	for name := range methodTable {
		m[name] = name
	}
	return m
}()

func internMethod(b []byte) string {
	if name, ok := methodNames[string(b)]; ok {
		return name
	}
	return string(b)
}

func internJSONRPC(b []byte) string {
	if string(b) == "2.0" {
		return "2.0"
	}
	return string(b)
}
