package rpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Agave's JSON-RPC error codes.
const (
	CodeParseError                = -32700
	CodeInvalidRequest            = -32600
	CodeMethodNotFound            = -32601
	CodeInvalidParams             = -32602
	CodeInternalError             = -32603
	CodeBlockCleanedUp            = -32001
	CodePreflightFailure          = -32002
	CodeSignatureVerification     = -32003
	CodeBlockNotAvailable         = -32004
	CodeNodeUnhealthy             = -32005
	CodeSlotSkipped               = -32007
	CodeTransactionHistoryMissing = -32011
	CodeUnsupportedTxVersion      = -32015
	CodeMinContextSlotNotReached  = -32016
	maxRequestBodyBytes           = 50 * 1024
	maxBatchRequests              = 1000
)

// Request is one JSON-RPC 2.0 call. ID is kept as the raw JSON text so it is
// echoed verbatim whatever its type; nil means the field was absent (a
// notification, which gets no response).
type Request struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

// Response is one JSON-RPC 2.0 answer: Result (already encoded) or Error.
type Response struct {
	JSONRPC string          `json:"jsonrpc"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *Error          `json:"error,omitempty"`
	ID      json.RawMessage `json:"id"`
}

// Error is a JSON-RPC error object.
type Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

func (e *Error) Error() string { return fmt.Sprintf("rpc error %d: %s", e.Code, e.Message) }

var nullID = json.RawMessage("null")

func invalidParams(format string, args ...any) *Error {
	return &Error{Code: CodeInvalidParams, Message: fmt.Sprintf(format, args...)}
}

// DecodeRequests parses an HTTP body: one request object or a batch array.
// It never panics. A body that is not JSON yields a parse error; a batch
// element that is not a valid request yields an invalid-request entry in
// place, as JSON-RPC 2.0 requires, so callers answer element by element.
//
// Request fields may alias body, which the caller must not modify while
// it uses them.
func DecodeRequests(body []byte) (reqs []Request, batch bool, perr *Error) {
	if reqs, batch, ok := decodeRequestsFast(body); ok {
		return reqs, batch, nil
	}
	return decodeRequestsSlow(body)
}

// decodeRequestsSlow is DecodeRequests through encoding/json: every body,
// every error.
func decodeRequestsSlow(body []byte) (reqs []Request, batch bool, perr *Error) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '{' {
		// The common case: one request, validated by the one Unmarshal.
		var r Request
		if err := json.Unmarshal(body, &r); err == nil {
			if r.ID == nil && hasKey(body, "id") {
				r.ID = nullID
			}
			return []Request{r}, false, nil
		}
	}
	if !json.Valid(body) {
		return nil, false, &Error{Code: CodeParseError, Message: "Parse error"}
	}
	if len(body) > 0 && body[0] == '[' {
		var raws []json.RawMessage
		if err := json.Unmarshal(body, &raws); err != nil {
			return nil, true, &Error{Code: CodeParseError, Message: "Parse error"}
		}
		if len(raws) == 0 {
			return nil, true, &Error{Code: CodeInvalidRequest, Message: "Invalid request: empty batch"}
		}
		if len(raws) > maxBatchRequests {
			return nil, true, &Error{Code: CodeInvalidRequest, Message: fmt.Sprintf("Invalid request: a batch holds at most %d requests", maxBatchRequests)}
		}
		reqs = make([]Request, len(raws))
		for i, raw := range raws {
			reqs[i] = decodeOne(raw)
		}
		return reqs, true, nil
	}
	return []Request{decodeOne(body)}, false, nil
}

// decodeOne parses one request; a malformed one comes back with Method ""
// and JSONRPC "" so validate reports it.
func decodeOne(raw json.RawMessage) Request {
	var r Request
	if err := json.Unmarshal(raw, &r); err != nil {
		// Keep the id if the object has one, so the error can name it.
		var idOnly struct {
			ID json.RawMessage `json:"id"`
		}
		_ = json.Unmarshal(raw, &idOnly)
		if idOnly.ID == nil {
			idOnly.ID = nullID
		}
		return Request{ID: idOnly.ID}
	}
	if r.ID == nil && !hasKey(raw, "id") {
		return r
	}
	if r.ID == nil {
		r.ID = nullID
	}
	return r
}

func hasKey(raw json.RawMessage, key string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return false
	}
	_, ok := m[key]
	return ok
}

// validate checks the envelope.
func (r *Request) validate() *Error {
	if r.JSONRPC != "2.0" || r.Method == "" {
		return &Error{Code: CodeInvalidRequest, Message: "Invalid request"}
	}
	if len(r.ID) > 0 {
		switch r.ID[0] {
		case '{', '[', 't', 'f':
			return &Error{Code: CodeInvalidRequest, Message: "Invalid request: id must be a string, a number or null"}
		}
	}
	return nil
}

// params is a request's positional parameters.
type params []json.RawMessage

func parseParams(raw json.RawMessage) (params, *Error) {
	if p, ok := parseParamsFast(raw); ok {
		return p, nil
	}
	return parseParamsSlow(raw)
}

func parseParamsSlow(raw json.RawMessage) (params, *Error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var p params
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, invalidParams("Invalid params: params must be an array")
	}
	return p, nil
}

// arg decodes parameter i into v; missing or null leaves v untouched and
// reports false, unless required.
func (p params) arg(i int, v any, required bool, what string) (bool, *Error) {
	if i >= len(p) || string(bytes.TrimSpace(p[i])) == "null" {
		if required {
			return false, invalidParams("Invalid params: missing %s", what)
		}
		return false, nil
	}
	switch t := v.(type) {
	case *string:
		if str, ok := plainString(p[i]); ok {
			*t = str
			return true, nil
		}
	case *[]string:
		if strs, ok := plainStrings(p[i]); ok {
			*t = strs
			return true, nil
		}
	case *config:
		saved := *t
		if decodeConfigFast(p[i], t) {
			return true, nil
		}
		*t = saved
	}
	return p.argSlow(i, v, what)
}

// argSlow decodes parameter i into v with encoding/json.
func (p params) argSlow(i int, v any, what string) (bool, *Error) {
	if err := json.Unmarshal(p[i], v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return false, invalidParams("Invalid params: %s: expected %s, got %s", what, te.Type, te.Value)
		}
		return false, invalidParams("Invalid params: %s: %v", what, err)
	}
	return true, nil
}

// maxParams refuses extra positional parameters.
func (p params) maxParams(n int) *Error {
	if len(p) > n {
		return invalidParams("Invalid params: expected at most %d parameters, got %d", n, len(p))
	}
	return nil
}
