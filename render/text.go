package render

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/marker"

	"github.com/mparchive/mparchive/internal/lazyregexp"
)

// entityLookalike is a character reference as CommonMark reads one in
// text or a link destination ("&copy;", "&#169;", "&#xA9;").
var entityLookalike = lazyregexp.New(`&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});`)

// escapeEntityLookalikes keeps text that reads like a character reference
// ("&amp;copy;" in the HTML, "&copy;" on screen) literal: written as is, a
// Markdown renderer would show "©".
func escapeEntityLookalikes(_ converter.Context, content string) string {
	if !strings.Contains(content, "&") {
		return content
	}
	return entityLookalike.ReplaceAllStringFunc(content, func(ref string) string {
		return "&amp;" + ref[1:]
	})
}

// normalizeText makes invisible characters harmless without losing text:
// no-break spaces become spaces (they would otherwise survive whitespace
// collapsing and break Markdown syntax that needs a real space), so do
// form feeds (whitespace in HTML, which keeps the words apart), and
// zero-width spaces, BOMs, word joiners and control characters are dropped.
// Zero-width joiners stay: emoji sequences need them.
func normalizeText(s string) string {
	if !needsNormalizing(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\u00a0', r == '\f':
			// A form feed is whitespace in HTML, as the space is.
			b.WriteByte(' ')
		case isDroppedRune(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isDroppedRune(r rune) bool {
	switch r {
	case '\u200b', '\ufeff', '\u2060', '\u00ad':
		return true
	case marker.MarkerCodeBlockNewline:
		// html-to-markdown turns this private-use rune into a newline after
		// rendering; left in text it would let content inject Markdown lines.
		return true
	case '\t', '\n', '\r':
		return false
	}
	// Other control characters are invisible in HTML, and one of them (\a)
	// is html-to-markdown's escape marker, which text must not forge.
	return r < 0x20 || r == 0x7f
}

// needsNormalizing reports whether s holds a rune normalizeText changes.
// It reads bytes, not runes: the runes to change are ASCII controls or
// start with one of three lead bytes, and a lead byte never hides inside
// another rune, so most of a long Chinese text is passed over unread.
func needsNormalizing(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !normalizingByte[c] {
			continue
		}
		switch {
		case c < 0x80:
			return true // a control character other than tab and newlines
		case c == 0xc2: // U+00A0 no-break space, U+00AD soft hyphen
			if i+1 < len(s) && (s[i+1] == 0xa0 || s[i+1] == 0xad) {
				return true
			}
		case c == 0xe2: // U+200B zero-width space, U+2060 word joiner
			if rest := s[i+1:]; strings.HasPrefix(rest, "\x80\x8b") || strings.HasPrefix(rest, "\x81\xa0") {
				return true
			}
		default: // 0xef: U+FEFF BOM, U+F002 html-to-markdown's code newline
			if rest := s[i+1:]; strings.HasPrefix(rest, "\xbb\xbf") || strings.HasPrefix(rest, "\x80\x82") {
				return true
			}
		}
	}
	return false
}

// normalizingByte marks the bytes needsNormalizing looks at more closely.
var normalizingByte = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = c != '\t' && c != '\n' && c != '\r'
	}
	t[0x7f], t[0xc2], t[0xe2], t[0xef] = true, true, true, true
	return t
}()

// countNonSpace counts the runes of s that are not white space, as ranging
// over s with unicode.IsSpace would. No rune from U+3001 on is white
// space, which spares the table look-up for nearly all Chinese text.
func countNonSpace(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c != ' ' && (c < '\t' || c > '\r') {
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r > '\u3000' || !unicode.IsSpace(r) {
			n++
		}
		i += size
	}
	return n
}
