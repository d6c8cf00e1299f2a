package render

import (
	"regexp"
	"strings"

	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/marker"
)

// entityLookalike is a character reference as CommonMark reads one in
// text or a link destination ("&copy;", "&#169;", "&#xA9;").
var entityLookalike = regexp.MustCompile(`&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});`)

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
	clean := true
	for _, r := range s {
		if isDroppedRune(r) || r == '\u00a0' || r == '\f' {
			clean = false
			break
		}
	}
	if clean {
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
