package exporter

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// WeChat pages carry their data as JavaScript object literals in inline
// scripts (window.cgiDataNew, window.__QMTPL_SSR_DATA__), written in a
// narrow dialect: keys are identifiers, strings are wrapped in JsDecode(…)
// or htmlDecode(…) or followed by .html(false), numbers are written as
// '8' * 1, and fallbacks as "" || "". Picture and text posts have their
// whole content only there (docs/wechat-pages.md). jsObject reads that
// dialect into plain Go values: string, float64, bool, nil,
// map[string]any and []any. It evaluates nothing: an expression it does not
// know (a function call, a ternary) becomes nil, and the rest of the object
// is still read.

// errJSSyntax is wrapped by parse errors; the object is then unusable.
var errJSSyntax = errors.New("not a JavaScript object literal")

// maxJSDepth bounds nesting, so a hostile page cannot exhaust the stack.
const maxJSDepth = 64

// parseJSObjectAt reads the object literal that starts at the first '{'
// after marker in src (e.g. "window.cgiDataNew ="). ok is false when the
// marker is absent.
func parseJSObjectAt(src, marker string) (obj map[string]any, ok bool, err error) {
	for from := 0; ; {
		i := strings.Index(src[from:], marker)
		if i < 0 {
			return nil, false, nil
		}
		i += from + len(marker)
		from = i
		rest := strings.TrimLeft(src[i:], " \t\r\n")
		if rest == "" || rest[0] != '{' {
			// "cgiDataNew = window.cgiDataNew", a read, not the literal.
			continue
		}
		p := &jsParser{src: rest}
		v, err := p.value(0)
		if err != nil {
			return nil, true, err
		}
		m, isObj := v.(map[string]any)
		if !isObj {
			return nil, true, fmt.Errorf("%w after %q", errJSSyntax, marker)
		}
		return m, true, nil
	}
}

type jsParser struct {
	src string
	pos int
}

func (p *jsParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s at byte %d", errJSSyntax, fmt.Sprintf(format, args...), p.pos)
}

// skipSpace skips white space and comments.
func (p *jsParser) skipSpace() {
	for p.pos < len(p.src) {
		switch c := p.src[p.pos]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			p.pos++
		case strings.HasPrefix(p.src[p.pos:], "//"):
			if j := strings.IndexByte(p.src[p.pos:], '\n'); j >= 0 {
				p.pos += j + 1
			} else {
				p.pos = len(p.src)
			}
		case strings.HasPrefix(p.src[p.pos:], "/*"):
			if j := strings.Index(p.src[p.pos+2:], "*/"); j >= 0 {
				p.pos += j + 4
			} else {
				p.pos = len(p.src)
			}
		default:
			return
		}
	}
}

func (p *jsParser) peek() byte {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return 0
	}
	return p.src[p.pos]
}

// value reads one value and the operators the dialect puts after it.
func (p *jsParser) value(depth int) (any, error) {
	if depth > maxJSDepth {
		return nil, p.errorf("nested too deeply")
	}
	v, err := p.primary(depth)
	if err != nil {
		return nil, err
	}
	for {
		switch p.peek() {
		case '*':
			// '8' * 1: the dialect's way of writing a number.
			p.pos++
			r, err := p.primary(depth + 1)
			if err != nil {
				return nil, err
			}
			v = jsNumber(v) * jsNumber(r)
		case '|':
			if !strings.HasPrefix(p.src[p.pos:], "||") {
				return v, p.skipExpression()
			}
			p.pos += 2
			r, err := p.primary(depth + 1)
			if err != nil {
				return nil, err
			}
			if !jsTruthy(v) {
				v = r
			}
		case '.':
			// 'text'.html(false): the entity decoding WeChat applies to titles.
			if s, isStr := v.(string); isStr && strings.HasPrefix(p.src[p.pos:], ".html(false)") {
				p.pos += len(".html(false)")
				v = decodeEntitiesLikeHTMLMethod(s)
				continue
			}
			return nil, p.skipExpression()
		case ',', '}', ']', ')', 0, ';':
			return v, nil
		default:
			if c := p.src[p.pos]; isIdentStart(c) || c == '\'' || c == '"' {
				return nil, p.errorf("missing ',' before %q", c)
			}
			// A ternary, a comparison, a concatenation: not data.
			return nil, p.skipExpression()
		}
	}
}

// primary reads a literal, an object, an array or a known call.
func (p *jsParser) primary(depth int) (any, error) {
	switch c := p.peek(); {
	case c == 0:
		return nil, p.errorf("unexpected end")
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '\'' || c == '"':
		s, n, ok := jsStringPrefix(p.src[p.pos:])
		if !ok {
			return nil, p.errorf("unterminated string")
		}
		p.pos += n
		return s, nil
	case c == '-' || c == '.' || c >= '0' && c <= '9':
		return p.number()
	case isIdentStart(c):
		name := p.ident()
		switch name {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null", "undefined":
			return nil, nil
		}
		if p.peek() != '(' {
			// A variable (window.item_show_type): its value is elsewhere.
			for p.pos < len(p.src) && (p.src[p.pos] == '.' || isIdentByte(p.src[p.pos])) {
				p.pos++
			}
			return nil, nil
		}
		p.pos++ // (
		var arg any
		if p.peek() != ')' {
			var err error
			if arg, err = p.value(depth + 1); err != nil {
				return nil, err
			}
		}
		if p.peek() != ')' {
			return nil, p.skipExpression()
		}
		p.pos++
		s, isStr := arg.(string)
		switch name {
		case "JsDecode":
			if isStr {
				return jsDecodeLikeWeChat(s), nil
			}
		case "htmlDecode":
			if isStr {
				return htmlDecodeLikeWeChat(s), nil
			}
		case "Number", "parseInt", "parseFloat":
			if arg != nil {
				return jsNumber(arg), nil
			}
		case "String":
			if isStr {
				return s, nil
			}
		}
		return nil, nil
	}
	return nil, p.skipExpression()
}

func (p *jsParser) object(depth int) (any, error) {
	p.pos++ // {
	obj := map[string]any{}
	for {
		c := p.peek()
		if c == '}' {
			p.pos++
			return obj, nil
		}
		var key string
		switch {
		case c == '\'' || c == '"':
			s, n, ok := jsStringPrefix(p.src[p.pos:])
			if !ok {
				return nil, p.errorf("unterminated key")
			}
			p.pos += n
			key = s
		case isIdentStart(c) || c >= '0' && c <= '9':
			key = p.ident()
		default:
			return nil, p.errorf("unexpected %q in an object", c)
		}
		if p.peek() != ':' {
			return nil, p.errorf("missing ':' after key %q", key)
		}
		p.pos++
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		if _, dup := obj[key]; !dup {
			obj[key] = v
		}
		switch p.peek() {
		case ',':
			p.pos++
		case '}':
		default:
			return nil, p.errorf("missing ',' after key %q", key)
		}
	}
}

func (p *jsParser) array(depth int) (any, error) {
	p.pos++ // [
	list := []any{}
	for {
		if p.peek() == ']' {
			p.pos++
			return list, nil
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
		switch p.peek() {
		case ',':
			p.pos++
		case ']':
		default:
			return nil, p.errorf("missing ',' in an array")
		}
	}
}

func (p *jsParser) number() (any, error) {
	start := p.pos
	for p.pos < len(p.src) && strings.IndexByte("+-.0123456789eExXabcdefABCDEF", p.src[p.pos]) >= 0 {
		p.pos++
	}
	lit := p.src[start:p.pos]
	if v, err := strconv.ParseFloat(lit, 64); err == nil {
		return v, nil
	}
	if v, err := strconv.ParseInt(lit, 0, 64); err == nil {
		return float64(v), nil
	}
	return nil, p.errorf("bad number %q", lit)
}

func (p *jsParser) ident() string {
	start := p.pos
	for p.pos < len(p.src) && (isIdentByte(p.src[p.pos]) && p.src[p.pos] != '.') {
		p.pos++
	}
	return p.src[start:p.pos]
}

// skipExpression moves to the end of the current value: the next ',' or
// closing bracket outside strings and brackets. Its value is lost (nil).
func (p *jsParser) skipExpression() error {
	depth := 0
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '\'' || c == '"' || c == '`':
			if c == '`' {
				j := strings.IndexByte(p.src[p.pos+1:], '`')
				if j < 0 {
					return p.errorf("unterminated template")
				}
				p.pos += j + 2
				continue
			}
			_, n, ok := jsStringPrefix(p.src[p.pos:])
			if !ok {
				return p.errorf("unterminated string")
			}
			p.pos += n
			continue
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			if depth == 0 {
				return nil
			}
			depth--
		case c == ',' && depth == 0:
			return nil
		}
		p.pos++
	}
	return p.errorf("unexpected end")
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
