package rpc

// jsonScanner walks JSON text for the decoding fast paths (jsonfast.go).
// It accepts exactly the grammar encoding/json accepts, so a span it
// skipped is valid JSON; callers give up on anything else, and on anything
// they do not handle, and take the encoding/json path, which then reports
// the error. It never panics: every index is checked against len(b).
type jsonScanner struct {
	b     []byte
	i     int
	depth int
}

// maxFastDepth bounds nesting on the fast path; deeper values go to
// encoding/json (which allows 10,000 levels).
const maxFastDepth = 64

func (s *jsonScanner) skipSpace() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// atEnd reports whether only whitespace is left.
func (s *jsonScanner) atEnd() bool {
	s.skipSpace()
	return s.i == len(s.b)
}

// consume skips whitespace and then c, reporting whether c was there.
func (s *jsonScanner) consume(c byte) bool {
	s.skipSpace()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// value skips whitespace and one value, and returns the value's span.
func (s *jsonScanner) value() ([]byte, bool) {
	s.skipSpace()
	start := s.i
	if !s.skipValue() {
		return nil, false
	}
	return s.b[start:s.i], true
}

func (s *jsonScanner) skipValue() bool {
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		_, _, ok := s.str()
		return ok
	case c == '{':
		return s.skipObject()
	case c == '[':
		return s.skipArray()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		_, ok := s.number()
		return ok
	}
	return false
}

func (s *jsonScanner) literal(lit string) bool {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return false
	}
	s.i += len(lit)
	return true
}

// str reads a string at s.i (no whitespace skipped) and returns its
// contents as written. plain reports contents that decode to themselves:
// printable ASCII without escapes.
func (s *jsonScanner) str() (contents []byte, plain, ok bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false, false
	}
	start := s.i + 1
	plain = true
	for i := start; i < len(s.b); i++ {
		// Runs of plain bytes, nearly all of a request, in a tight loop.
		for i < len(s.b) && plainByte[s.b[i]] {
			i++
		}
		if i == len(s.b) {
			break
		}
		switch c := s.b[i]; {
		case c == '"':
			s.i = i + 1
			return s.b[start:i], plain, true
		case c < 0x20:
			return nil, false, false
		case c == '\\':
			plain = false
			i++
			if i >= len(s.b) {
				return nil, false, false
			}
			switch s.b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(s.b)-i < 5 || !isHex(s.b[i+1]) || !isHex(s.b[i+2]) || !isHex(s.b[i+3]) || !isHex(s.b[i+4]) {
					return nil, false, false
				}
				i += 4
			default:
				return nil, false, false
			}
		case c > 0x7e:
			// encoding/json accepts any other byte, and replaces invalid
			// UTF-8 when it decodes: not plain.
			plain = false
		}
	}
	return nil, false, false
}

// plainByte marks the bytes that stand for themselves in a JSON string:
// printable ASCII but the quote and the backslash.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c <= 0x7e; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number reads a number at s.i; integer reports one of only digits
// (no sign, fraction or exponent).
func (s *jsonScanner) number() (integer, ok bool) {
	i := s.i
	integer = true
	if i < len(s.b) && s.b[i] == '-' {
		integer = false
		i++
	}
	switch {
	case i < len(s.b) && s.b[i] == '0':
		i++
	case i < len(s.b) && s.b[i] >= '1' && s.b[i] <= '9':
		for i < len(s.b) && isDigit(s.b[i]) {
			i++
		}
	default:
		return false, false
	}
	if i < len(s.b) && s.b[i] == '.' {
		integer = false
		i++
		if i >= len(s.b) || !isDigit(s.b[i]) {
			return false, false
		}
		for i < len(s.b) && isDigit(s.b[i]) {
			i++
		}
	}
	if i < len(s.b) && (s.b[i] == 'e' || s.b[i] == 'E') {
		integer = false
		i++
		if i < len(s.b) && (s.b[i] == '+' || s.b[i] == '-') {
			i++
		}
		if i >= len(s.b) || !isDigit(s.b[i]) {
			return false, false
		}
		for i < len(s.b) && isDigit(s.b[i]) {
			i++
		}
	}
	s.i = i
	return integer, true
}

func (s *jsonScanner) skipArray() bool {
	return s.array(func() bool { return s.skipValue() })
}

// array reads an array at s.i, calling elem with s.i at each element
// (whitespace skipped); elem must consume exactly that element.
func (s *jsonScanner) array(elem func() bool) bool {
	if s.depth++; s.depth > maxFastDepth || !s.consume('[') {
		return false
	}
	defer func() { s.depth-- }()
	if s.consume(']') {
		return true
	}
	for {
		s.skipSpace()
		if !elem() {
			return false
		}
		if s.consume(']') {
			return true
		}
		if !s.consume(',') {
			return false
		}
	}
}

func (s *jsonScanner) skipObject() bool {
	return s.object(func([]byte, bool) bool { return s.skipValue() })
}

// object reads an object at s.i, calling member with each key (as
// written, and whether it is plain) and s.i at its value (whitespace
// skipped); member must consume exactly that value.
func (s *jsonScanner) object(member func(key []byte, plain bool) bool) bool {
	if s.depth++; s.depth > maxFastDepth || !s.consume('{') {
		return false
	}
	defer func() { s.depth-- }()
	if s.consume('}') {
		return true
	}
	for {
		s.skipSpace()
		key, plain, ok := s.str()
		if !ok || !s.consume(':') {
			return false
		}
		s.skipSpace()
		if !member(key, plain) {
			return false
		}
		if s.consume('}') {
			return true
		}
		if !s.consume(',') {
			return false
		}
	}
}
