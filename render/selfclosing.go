package render

import (
	"bytes"
	"io"
	"strings"

	"golang.org/x/net/html"
)

// expandSelfClosing rewrites "<strong/>" as "<strong></strong>". HTML ignores
// the slash on non-void elements, so a cleaner's "<strong/>" would otherwise
// open a bold run that swallows the rest of the article (corpus 14), and
// "<mp-style-type/>" would adopt the following content. The writers of such
// markup meant an empty element.
//
// Most bodies with "/>" in them only write void elements so ("<br/>",
// "<img …/>"), and need nothing. A scan that reads tags the way
// x/net/html's tokenizer does finds the few tags to rewrite without
// tokenizing the body; where it cannot be sure of reading a tag as the
// tokenizer does (a <script>, a repeated attribute), the tokenizer decides.
func expandSelfClosing(body string) string {
	pieces, _ := expandedPieces(body)
	return strings.Join(pieces, "")
}

// expandSelfClosingReader reads what expandSelfClosing returns without
// copying the body: the parser reads the pieces in turn.
func expandSelfClosingReader(body string) io.Reader {
	pieces, copied := expandedPieces(body)
	if len(pieces) == 1 && !copied {
		return strings.NewReader(body)
	}
	readers := make([]io.Reader, len(pieces))
	for i, p := range pieces {
		readers[i] = strings.NewReader(p)
	}
	return io.MultiReader(readers...)
}

// expandedPieces are the parts of the expanded body: the body's own text
// between rewritten tags, and the tags as rewritten. copied reports that
// the tokenizer wrote the whole body anew.
func expandedPieces(body string) (pieces []string, copied bool) {
	spans, sure := selfClosingSpans(body)
	if !sure {
		return []string{expandSelfClosingTokenized(body)}, true
	}
	pieces = make([]string, 0, 2*len(spans)+1)
	last := 0
	for _, sp := range spans {
		pieces = append(pieces, body[last:sp.nameEnd],
			strings.TrimRight(body[sp.nameEnd:sp.end-2], " \t\r\n/")+"></"+sp.name+">")
		last = sp.end
	}
	return append(pieces, body[last:]), false
}

// expandSelfClosingTokenized is expandSelfClosing with x/net/html's
// tokenizer reading every token.
func expandSelfClosingTokenized(body string) string {
	var out strings.Builder
	out.Grow(len(body) + 64)
	z := html.NewTokenizer(strings.NewReader(body))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			// The tokenizer stops at EOF; anything it could not read is
			// kept as is so no text is lost.
			out.Write(z.Raw())
			return out.String()
		}
		raw := z.Raw()
		if tt != html.SelfClosingTagToken {
			out.Write(raw)
			continue
		}
		name, _ := z.TagName()
		if isVoidElement(string(name)) || !bytes.HasSuffix(raw, []byte("/>")) {
			out.Write(raw)
			continue
		}
		out.Write(bytes.TrimRight(raw[:len(raw)-2], " \t\r\n/"))
		out.WriteString("></")
		out.Write(name)
		out.WriteByte('>')
	}
}

// selfClosingSpan is a start tag "<name …/>" of a non-void element.
type selfClosingSpan struct {
	nameEnd, end int    // the tag's name ends at nameEnd, the tag at end
	name         string // lower-cased, as the tokenizer reports it
}

// selfClosingSpans lists the start tags of body that the tokenizer reads
// as self-closing and that name a non-void element. It reports sure false
// where its reading could part from the tokenizer's.
//
// The scan keeps the tokenizer's states that decide where a tag starts
// and ends: text, tags with their quoted and unquoted attribute values,
// comments, bogus comments and doctypes, and the raw text of iframe,
// style, textarea and the like, which runs to the matching end tag.
// Script data has escape rules of its own: a body with a <script> is left
// to the tokenizer.
func selfClosingSpans(s string) (spans []selfClosingSpan, sure bool) {
	i := 0
	for {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 || i+j+1 >= len(s) {
			return spans, true
		}
		i += j
		switch c := s[i+1]; {
		case isASCIILetter(c):
			t, ok := scanTag(s, i+1)
			if !ok {
				// A tag cut off by the end of the body is kept as text.
				return spans, true
			}
			if t.unsure {
				return nil, false
			}
			name := s[i+1 : t.nameEnd]
			if t.selfClosing {
				if lower := lowerTagName(name); !isVoidElement(lower) {
					spans = append(spans, selfClosingSpan{nameEnd: t.nameEnd, end: t.end, name: lower})
				}
			}
			i = t.end
			// The tokenizer reads raw text after these start tags, even
			// self-closing ones.
			switch raw := rawTextElement(name); raw {
			case "":
			case "script":
				return nil, false
			case "plaintext":
				return spans, true
			default:
				k := indexRawEndTag(s[i:], raw)
				if k < 0 {
					return spans, true
				}
				i += k
			}
		case c == '/':
			if i+2 >= len(s) {
				return spans, true
			}
			switch c2 := s[i+2]; {
			case c2 == '>':
				i += 3
			case isASCIILetter(c2):
				t, ok := scanTag(s, i+2)
				if !ok {
					return spans, true
				}
				i = t.end // an end tag is never self-closing
			default:
				end := closeAngle(s, i+2)
				if end < 0 {
					return spans, true
				}
				i = end
			}
		case c == '!':
			end := markupDeclarationEnd(s, i+2)
			if end < 0 {
				return spans, true
			}
			i = end
		case c == '?':
			end := closeAngle(s, i+1)
			if end < 0 {
				return spans, true
			}
			i = end
		default:
			i++ // a "<" in text
		}
	}
}

// scannedTag is where a tag's name and the tag end, past the last byte.
type scannedTag struct {
	nameEnd, end int
	selfClosing  bool
	// unsure: the tag ends in "/>" right after an unquoted attribute
	// value, where the tokenizer's answer hangs on whether that attribute
	// repeats an earlier one.
	unsure bool
}

// scanTag reads the tag whose name starts at p, just after "<" or "</",
// as the tokenizer does. ok is false when the body ends inside it.
func scanTag(s string, p int) (t scannedTag, ok bool) {
	q := p
	for q < len(s) && tagBytes[s[q]]&(tagSpace|tagSlash|tagEnd) == 0 {
		q++
	}
	t.nameEnd = q
	lastUnquotedEnd := -1 // end of the last attribute's unquoted value
	for {
		q = skipHTMLSpace(s, q)
		if q >= len(s) {
			return t, false
		}
		if s[q] == '>' {
			t.end = q + 1
			break
		}
		lastUnquotedEnd = -1
		// The attribute's name; an "=" may start it.
		if s[q] == '=' {
			q++
		}
		for q < len(s) && tagBytes[s[q]] == 0 {
			q++
		}
		// Its value, if any.
		q = skipHTMLSpace(s, q)
		if q >= len(s) {
			return t, false
		}
		if s[q] == '/' {
			q++
			continue
		}
		if s[q] != '=' {
			continue
		}
		q = skipHTMLSpace(s, q+1)
		if q >= len(s) {
			return t, false
		}
		switch quote := s[q]; quote {
		case '>':
		case '"', '\'':
			k := strings.IndexByte(s[q+1:], quote)
			if k < 0 {
				return t, false
			}
			q += 1 + k + 1
		default:
			for q < len(s) && tagBytes[s[q]]&(tagSpace|tagEnd) == 0 {
				q++
			}
			if q >= len(s) {
				return t, false
			}
			if s[q] == '>' {
				lastUnquotedEnd = q
			} else {
				q++
			}
		}
	}
	if t.end-p >= 2 && s[t.end-2] == '/' {
		if lastUnquotedEnd == t.end-1 {
			t.unsure = true
		} else {
			t.selfClosing = true
		}
	}
	return t, true
}

// tagBytes classes the bytes that end a tag's name, an attribute's name
// or an unquoted value.
var tagBytes = func() (t [256]uint8) {
	for _, c := range []byte(" \t\n\r\f") {
		t[c] = tagSpace
	}
	t['/'], t['>'], t['='] = tagSlash, tagEnd, tagEquals
	return t
}()

const (
	tagSpace = 1 << iota
	tagSlash
	tagEnd
	tagEquals
)

// markupDeclarationEnd returns where the comment, doctype or bogus comment
// whose "<!" ends just before p ends, or -1 when it runs to the end.
func markupDeclarationEnd(s string, p int) int {
	if !strings.HasPrefix(s[p:], "--") {
		return closeAngle(s, p)
	}
	// A comment ends at the first "-->" or "--!>" after its "<!--", or at
	// once in "<!-->" and "<!--->".
	p += 2
	d := p
	for d < len(s) && s[d] == '-' {
		d++
	}
	if d < len(s) && s[d] == '>' && d-p <= 1 {
		return d + 1
	}
	end := -1
	if k := strings.Index(s[p:], "-->"); k >= 0 {
		end = p + k + 3
	}
	if k := strings.Index(s[p:], "--!>"); k >= 0 && (end < 0 || p+k+4 < end) {
		end = p + k + 4
	}
	return end
}

// closeAngle returns the index after the first ">" at or after p, or -1.
func closeAngle(s string, p int) int {
	k := strings.IndexByte(s[p:], '>')
	if k < 0 {
		return -1
	}
	return p + k + 1
}

// rawTextElement returns the lower-cased name of the elements whose
// content the tokenizer reads as text up to their end tag, or "".
func rawTextElement(name string) string {
	var raw string
	switch len(name) {
	case 3:
		raw = "xmp"
	case 5:
		raw = "style"
		if name[0]|0x20 == 't' {
			raw = "title"
		}
	case 6:
		raw = "iframe"
		if name[0]|0x20 == 's' {
			raw = "script"
		}
	case 7:
		raw = "noembed"
	case 8:
		raw = "noframes"
		switch name[0] | 0x20 {
		case 'n':
			if name[2]|0x20 == 's' {
				raw = "noscript"
			}
		case 't':
			raw = "textarea"
		}
	case 9:
		raw = "plaintext"
	}
	if raw != "" && asciiEqualFold(name, raw) {
		return raw
	}
	return ""
}

// indexRawEndTag returns the index of the end tag "</name" (any case)
// that closes raw text in s, or -1.
func indexRawEndTag(s, name string) int {
	for i := 0; ; {
		k := strings.Index(s[i:], "</")
		if k < 0 {
			return -1
		}
		i += k
		rest := s[i+2:]
		if len(rest) > len(name) && asciiEqualFold(rest[:len(name)], name) {
			switch rest[len(name)] {
			case ' ', '\n', '\r', '\t', '\f', '/', '>':
				return i
			}
		}
		i += 2
	}
}

// lowerTagName is the name as the tokenizer reports it: ASCII lower case,
// NUL as U+FFFD.
func lowerTagName(name string) string {
	name = strings.ReplaceAll(name, "\x00", "\uFFFD")
	for i := 0; i < len(name); i++ {
		if c := name[i]; 'A' <= c && c <= 'Z' {
			b := []byte(name)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return name
}

func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func isASCIILetter(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// isHTMLSpace reports the tokenizer's whitespace.
func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f'
}

func skipHTMLSpace(s string, q int) int {
	for q < len(s) && isHTMLSpace(s[q]) {
		q++
	}
	return q
}
