package exporter

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mparchive/mparchive/internal/lazyregexp"
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

// jsNumber converts like JavaScript's unary plus for the values the
// dialect multiplies: numeric strings, numbers, booleans; else NaN.
func jsNumber(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case bool:
		if x {
			return 1
		}
		return 0
	case nil:
		return 0
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return 0
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	}
	return math.NaN()
}

func jsTruthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case float64:
		return x != 0 && !math.IsNaN(x)
	case bool:
		return x
	}
	return true
}

// jsStringPrefix decodes the JavaScript string literal at the start of s
// ('…' or "…") and says how many bytes it took.
func jsStringPrefix(s string) (string, int, bool) {
	quote := s[0]
	var b strings.Builder
	for i := 1; i < len(s); {
		c := s[i]
		switch {
		case c == quote:
			return b.String(), i + 1, true
		case c == '\n' || c == '\r':
			return "", 0, false
		case c != '\\':
			b.WriteByte(c)
			i++
			continue
		}
		i++
		if i >= len(s) {
			return "", 0, false
		}
		e := s[i]
		i++
		switch e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case '0':
			if i < len(s) && s[i] >= '0' && s[i] <= '9' {
				b.WriteByte(e) // a legacy octal escape: not in WeChat's output
			} else {
				b.WriteByte(0)
			}
		case 'x':
			if i+2 > len(s) {
				return "", 0, false
			}
			v, err := strconv.ParseUint(s[i:i+2], 16, 8)
			if err != nil {
				// JavaScript rejects a bad \x; keep the text rather than lose it.
				b.WriteString(`\x`)
				continue
			}
			b.WriteRune(rune(v))
			i += 2
		case 'u':
			r, n, ok := jsUnicodeEscape(s[i:])
			if !ok {
				b.WriteString(`\u`)
				continue
			}
			i += n
			// A surrogate pair written as two escapes is one character.
			if r >= 0xD800 && r < 0xDC00 && strings.HasPrefix(s[i:], `\u`) {
				if lo, m, ok := jsUnicodeEscape(s[i+2:]); ok && lo >= 0xDC00 && lo < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
					i += 2 + m
				}
			}
			if r >= 0xD800 && r < 0xE000 {
				r = utf8.RuneError
			}
			b.WriteRune(r)
		case '\r':
			if i < len(s) && s[i] == '\n' {
				i++
			}
		case '\n':
			// a line continuation
		default:
			// \' \" \\ \/ and any other character stand for themselves.
			b.WriteByte(e)
		}
	}
	return "", 0, false
}

// jsUnicodeEscape reads the part after \u: four hex digits or {hex}.
func jsUnicodeEscape(s string) (rune, int, bool) {
	if strings.HasPrefix(s, "{") {
		end := strings.IndexByte(s, '}')
		if end < 2 || end > 7 {
			return 0, 0, false
		}
		v, err := strconv.ParseUint(s[1:end], 16, 32)
		if err != nil || v > utf8.MaxRune {
			return 0, 0, false
		}
		return rune(v), end + 1, true
	}
	if len(s) < 4 {
		return 0, 0, false
	}
	v, err := strconv.ParseUint(s[:4], 16, 32)
	if err != nil {
		return 0, 0, false
	}
	return rune(v), 4, true
}

// jsDecodeLikeWeChat is the page's own JsDecode: after the string literal
// is decoded, escapes that were written doubly (\\x26) are undone, in the
// page's order.
var jsDecodeLikeWeChat = strings.NewReplacer(
	`\x5c`, `\`, `\x0d`, "\r", `\x22`, `"`, `\x26`, "&", `\x27`, "'",
	`\x3c`, "<", `\x3e`, ">", `\x0a`, "\n",
).Replace

// htmlDecodeLikeWeChat is the page's htmlDecode(str), used for the
// digest (msg_desc): a handful of entities and <br> as a newline, in the
// page's order, so "&amp;lt;" stays "&lt;" as it does in the browser.
func htmlDecodeLikeWeChat(s string) string {
	s = strings.ReplaceAll(s, "&#39;", "'")
	s = brTag.ReplaceAllString(s, "\n")
	for _, r := range [][2]string{{"&nbsp;", " "}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", `"`}, {"&amp;", "&"}} {
		s = strings.ReplaceAll(s, r[0], r[1])
	}
	return s
}

// decodeEntitiesLikeHTMLMethod is the page's String.prototype.html(false),
// used for msg_title.
func decodeEntitiesLikeHTMLMethod(s string) string {
	for _, r := range [][2]string{{"&#39;", "'"}, {"&quot;", `"`}, {"&nbsp;", " "}, {"&gt;", ">"}, {"&lt;", "<"}, {"&yen;", "¥"}, {"&amp;", "&"}} {
		s = strings.ReplaceAll(s, r[0], r[1])
	}
	return s
}

// Typed reads of a parsed object by a dotted path ("copyright_info.platform").

func jsLookup(obj map[string]any, path string) any {
	var v any = obj
	for _, key := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[key]
	}
	return v
}

// jsStr reads a string; a number is given in its decimal form, since the
// dialect writes ids both ways (mid: '2247503660' * 1).
func jsStr(obj map[string]any, path string) string {
	switch v := jsLookup(obj, path).(type) {
	case string:
		return v
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return ""
}

func jsInt(obj map[string]any, path string) int64 {
	f := jsNumber(jsLookup(obj, path))
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return int64(f)
}

func jsList(obj map[string]any, path string) []map[string]any {
	list, _ := jsLookup(obj, path).([]any)
	var out []map[string]any
	for _, v := range list {
		if m, ok := v.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// brTag is htmlDecode's /<br\s*(\/)?\s*>/g, with JavaScript's \s.
var brTag = lazyregexp.New(`<br[\s\v\x{a0}\x{feff}\p{Zs}\x{2028}\x{2029}]*(/)?[\s\v\x{a0}\x{feff}\p{Zs}\x{2028}\x{2029}]*>`)
