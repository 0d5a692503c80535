package client

import (
	"encoding/base64"
	"encoding/json"
	"strconv"

	"github.com/atoll-dev/atoll/worker/submit"
)

// A busy client reads thousands of answer lines per second; encoding/json
// spends most of the client's CPU on them. The answers a node writes have
// one fixed shape (submit's encoder writes what json.Encoder would), so they
// are read here directly, and anything else (whitespace, escapes, another
// key order, a value out of range) goes to encoding/json. The fast path is
// checked against encoding/json in batchcodec_test.go.

// appendBatchRequest appends what json.Marshal writes for
// submit.BatchRequest{Txs: txs} with txs not nil.
func appendBatchRequest(b []byte, txs [][]byte) []byte {
	b = append(b, `{"txs":[`...)
	for i, tx := range txs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, tx)
		b = append(b, '"')
	}
	return append(b, "]}"...)
}

// answerDecoder decodes answer lines. Log lines equal to the previous
// answer's (every transfer logs the same two) share their strings.
type answerDecoder struct {
	logs []string
}

// decode decodes one answer line into a.
func (d *answerDecoder) decode(line []byte, a *submit.BatchAnswer) error {
	if p := (answerParser{b: line, d: d}); p.answer(a) {
		return nil
	}
	*a = submit.BatchAnswer{}
	return json.Unmarshal(line, a)
}

// answerParser reads the shape
//
//	{"index":N[,"result":{"round":N,"code":N[,"error":S],"units":N,"logs":null|[S,...][,"data":B]}][,"error":S][,"rejected":true]}
//
// with strings of printable ASCII and no escapes.
type answerParser struct {
	b []byte
	i int
	d *answerDecoder
}

func (p *answerParser) lit(s string) bool {
	if p.i+len(s) > len(p.b) || string(p.b[p.i:p.i+len(s)]) != s {
		return false
	}
	p.i += len(s)
	return true
}

// digits returns the run of ASCII digits at the cursor, without a
// redundant leading zero (which JSON forbids).
func (p *answerParser) digits() ([]byte, bool) {
	from := p.i
	for p.i < len(p.b) && '0' <= p.b[p.i] && p.b[p.i] <= '9' {
		p.i++
	}
	d := p.b[from:p.i]
	return d, len(d) > 0 && (d[0] != '0' || len(d) == 1)
}

func (p *answerParser) uint(bits int) (uint64, bool) {
	d, ok := p.digits()
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseUint(string(d), 10, bits)
	return v, err == nil
}

func (p *answerParser) int() (int, bool) {
	neg := p.lit("-")
	d, ok := p.digits()
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(string(d), 10, strconv.IntSize)
	if err != nil {
		return 0, false
	}
	if neg {
		v = -v
	}
	return int(v), true
}

// str reads a string's bytes (without quotes), printable ASCII only.
func (p *answerParser) str() ([]byte, bool) {
	if !p.lit(`"`) {
		return nil, false
	}
	from := p.i
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '"':
			s := p.b[from:p.i]
			p.i++
			return s, true
		case c < 0x20 || c > 0x7e || c == '\\':
			return nil, false
		}
		p.i++
	}
	return nil, false
}

func (p *answerParser) answer(a *submit.BatchAnswer) bool {
	*a = submit.BatchAnswer{}
	var ok bool
	if !p.lit(`{"index":`) {
		return false
	}
	if a.Index, ok = p.int(); !ok {
		return false
	}
	if p.lit(`,"result":`) {
		a.Result = new(submit.TxResult)
		if !p.result(a.Result) {
			return false
		}
	}
	if p.lit(`,"error":`) {
		s, ok := p.str()
		if !ok {
			return false
		}
		a.Error = string(s)
	}
	if p.lit(`,"rejected":`) {
		if !p.lit("true") {
			return false
		}
		a.Rejected = true
	}
	return p.lit("}") && p.i == len(p.b)
}

func (p *answerParser) result(r *submit.TxResult) bool {
	var ok bool
	var v uint64
	if !p.lit(`{"round":`) {
		return false
	}
	if r.Round, ok = p.uint(64); !ok || !p.lit(`,"code":`) {
		return false
	}
	if v, ok = p.uint(32); !ok {
		return false
	}
	r.Code = uint32(v)
	if p.lit(`,"error":`) {
		s, ok := p.str()
		if !ok {
			return false
		}
		r.Error = string(s)
	}
	if !p.lit(`,"units":`) {
		return false
	}
	if r.Units, ok = p.uint(64); !ok || !p.lit(`,"logs":`) {
		return false
	}
	if !p.lit("null") {
		if !p.lit("[") {
			return false
		}
		r.Logs = []string{}
		for !p.lit("]") {
			if len(r.Logs) > 0 && !p.lit(",") {
				return false
			}
			s, ok := p.str()
			if !ok {
				return false
			}
			r.Logs = append(r.Logs, p.d.intern(len(r.Logs), s))
		}
	}
	if p.lit(`,"data":`) {
		s, ok := p.str()
		if !ok {
			return false
		}
		data := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
		n, err := base64.StdEncoding.Decode(data, s)
		if err != nil {
			return false
		}
		r.Data = data[:n]
	}
	return p.lit("}")
}

// intern returns log line i as a string, the previous answer's line i when
// it has the same bytes.
func (d *answerDecoder) intern(i int, s []byte) string {
	if i < len(d.logs) && d.logs[i] == string(s) {
		return d.logs[i]
	}
	str := string(s)
	if i < len(d.logs) {
		d.logs[i] = str
	} else if i == len(d.logs) && i < 8 {
		d.logs = append(d.logs, str)
	}
	return str
}
