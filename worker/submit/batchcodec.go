package submit

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
)

// The batch endpoint's JSON is read and written here without reflection:
// at thousands of transactions per second, encoding/json's scanning and
// per-field reflection cost more than everything else the endpoint does.
// Both directions are checked against encoding/json (batchcodec_test.go):
// the decoder's fast path accepts only what json.Unmarshal decodes to the
// same transactions, and falls back to it for anything else; the encoder
// writes the bytes json.Encoder would.

// decodeBatchRequest returns the transactions of a batch request body.
func decodeBatchRequest(body []byte) ([][]byte, error) {
	if txs, ok := decodeBatchFast(body); ok {
		return txs, nil
	}
	var req BatchRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, err
	}
	return req.Txs, nil
}

// decodeBatchFast reads the canonical shape {"txs":["<base64>",...]}
// (whitespace anywhere JSON allows it), with every string made of base64
// characters only. Anything else (escapes, other keys, null, malformed
// base64) is left to encoding/json: ok is false. The transactions share
// one allocation; each is capped at its own length.
func decodeBatchFast(b []byte) (txs [][]byte, ok bool) {
	i := skipSpace(b, 0)
	if !hasAt(b, i, `{`) {
		return nil, false
	}
	i = skipSpace(b, i+1)
	if !hasAt(b, i, `"txs"`) {
		return nil, false
	}
	i = skipSpace(b, i+5)
	if !hasAt(b, i, `:`) {
		return nil, false
	}
	i = skipSpace(b, i+1)
	if !hasAt(b, i, `[`) {
		return nil, false
	}
	i = skipSpace(b, i+1)
	// First pass: the strings' spans and the room their bytes need.
	type span struct{ from, to int }
	var spans []span
	total := 0
	if hasAt(b, i, `]`) {
		i++
	} else {
		for {
			if !hasAt(b, i, `"`) {
				return nil, false
			}
			from := i + 1
			to := from
			for to < len(b) && isBase64Char(b[to]) {
				to++
			}
			if !hasAt(b, to, `"`) {
				return nil, false
			}
			spans = append(spans, span{from, to})
			total += base64.StdEncoding.DecodedLen(to - from)
			i = skipSpace(b, to+1)
			if hasAt(b, i, `]`) {
				i++
				break
			}
			if !hasAt(b, i, `,`) {
				return nil, false
			}
			i = skipSpace(b, i+1)
		}
	}
	i = skipSpace(b, i)
	if !hasAt(b, i, `}`) || skipSpace(b, i+1) != len(b) {
		return nil, false
	}
	arena := make([]byte, total)
	txs = make([][]byte, len(spans))
	off := 0
	for k, s := range spans {
		n, err := base64.StdEncoding.Decode(arena[off:], b[s.from:s.to])
		if err != nil {
			return nil, false
		}
		txs[k] = arena[off : off+n : off+n]
		off += n
	}
	return txs, true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

func hasAt(b []byte, i int, s string) bool {
	return i >= 0 && i+len(s) <= len(b) && string(b[i:i+len(s)]) == s
}

func isBase64Char(c byte) bool { return base64Chars[c] }

// base64Chars marks the standard base64 alphabet and its padding.
var base64Chars = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") {
		t[c] = true
	}
	return t
}()

// appendBatchAnswer appends a's line, byte for byte what json.Encoder
// writes for it (newline included).
func appendBatchAnswer(b []byte, a *BatchAnswer) []byte {
	b = append(b, `{"index":`...)
	b = strconv.AppendInt(b, int64(a.Index), 10)
	if r := a.Result; r != nil {
		b = append(b, `,"result":{"round":`...)
		b = strconv.AppendUint(b, r.Round, 10)
		b = append(b, `,"code":`...)
		b = strconv.AppendUint(b, uint64(r.Code), 10)
		if r.Error != "" {
			b = append(b, `,"error":`...)
			b = appendJSONString(b, r.Error)
		}
		b = append(b, `,"units":`...)
		b = strconv.AppendUint(b, r.Units, 10)
		b = append(b, `,"logs":`...)
		if r.Logs == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, '[')
			for i, l := range r.Logs {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendJSONString(b, l)
			}
			b = append(b, ']')
		}
		if len(r.Data) > 0 {
			b = append(b, `,"data":"`...)
			b = base64.StdEncoding.AppendEncode(b, r.Data)
			b = append(b, '"')
		}
		b = append(b, '}')
	}
	if a.Error != "" {
		b = append(b, `,"error":`...)
		b = appendJSONString(b, a.Error)
	}
	if a.Rejected {
		b = append(b, `,"rejected":true`...)
	}
	return append(b, "}\n"...)
}

// appendJSONString appends s quoted as encoding/json quotes it (HTML
// characters escaped). Printable ASCII needs no escape and is copied;
// anything else goes through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
