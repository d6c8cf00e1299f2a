package exporter

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mparchive/mparchive/internal/lazyregexp"
)

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

// brTag is htmlDecode's /<br\s*(\/)?\s*>/g, with JavaScript's \s.
var brTag = lazyregexp.New(`<br[\s\v\x{a0}\x{feff}\p{Zs}\x{2028}\x{2029}]*(/)?[\s\v\x{a0}\x{feff}\p{Zs}\x{2028}\x{2029}]*>`)
