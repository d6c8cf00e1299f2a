package render

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// inlineStyle is what the converter reads of an element's style
// attribute: the last declaration of each property it looks at, its value
// lower-cased and without !important, and whether it was there at all.
// parseInlineStyle reads it in one pass over the declarations without
// copying them: WeChat's editors style almost every element, in long
// attributes.
type inlineStyle struct {
	display, flexDirection, fontSize, fontWeight, textAlign cssValue
}

type cssValue struct {
	value string
	set   bool
}

func parseInlineStyle(style string) inlineStyle {
	var st inlineStyle
	for rest := style; rest != ""; {
		var decl string
		decl, rest, _ = strings.Cut(rest, ";")
		name, value, ok := strings.Cut(decl, ":")
		if !ok {
			continue
		}
		v := st.property(style, strings.TrimSpace(name))
		if v == nil {
			continue
		}
		value = strings.ToLower(strings.TrimSpace(value))
		*v = cssValue{value: strings.TrimSpace(strings.TrimSuffix(value, "!important")), set: true}
	}
	return st
}

// property returns the field for the declaration's name, or nil. CSS
// names are ASCII and any case. A name that only Unicode case folding
// matches ("diſplay") counts where the style spells the property in ASCII
// elsewhere, as the lower-casing search this replaces had it.
func (st *inlineStyle) property(style, name string) *cssValue {
	fields := [...]struct {
		name string
		v    *cssValue
	}{
		{"display", &st.display}, {"flex-direction", &st.flexDirection}, {"font-size", &st.fontSize},
		{"font-weight", &st.fontWeight}, {"text-align", &st.textAlign},
	}
	if name == "" {
		return nil
	}
	for _, f := range fields {
		if len(name) == len(f.name) && name[0]|0x20 == f.name[0] && asciiEqualFold(name, f.name) {
			return f.v
		}
	}
	// Only the ASCII letter folds to d, f or t, the first letters of the
	// names.
	if c := name[0] | 0x20; (c == 'd' || c == 'f' || c == 't') && !isASCII(name) {
		for _, f := range fields {
			if strings.EqualFold(name, f.name) && containsFolded(style, f.name, false) {
				return f.v
			}
		}
	}
	return nil
}

// containsCompact reports whether s, in lower case and with its white
// space left out, contains pattern: lower-case ASCII starting with a
// letter, without white space ("display:none"). A match starts at that
// letter in either case, which IndexByte finds quickly in the long styles
// editors write; hiding used to lower-case and re-join every style.
func containsCompact(s, pattern string) bool {
	first := pattern[0]
	for _, c := range [2]byte{first, first - ('a' - 'A')} {
		for i := 0; i < len(s); {
			k := strings.IndexByte(s[i:], c)
			if k < 0 {
				break
			}
			i += k + 1
			// Most of the letters are not the pattern's start: the next
			// byte tells, unless it is white space or outside ASCII.
			if i < len(s) {
				if next := s[i]; next < utf8.RuneSelf && next|0x20 != pattern[1] && !isHTMLSpace(next) && next != '\v' {
					continue
				}
			}
			if matchesFolded(s[i-1:], pattern, true) {
				return true
			}
		}
	}
	// No rune outside ASCII lower-cases to an ASCII letter but the Kelvin
	// sign (k) and the dotted capital I (i).
	if (first == 'k' || first == 'i') && !isASCII(s) {
		return containsFolded(s, pattern, true)
	}
	return false
}

// containsFolded reports whether s in lower case, and without its white
// space if compact, contains pattern (lower-case ASCII).
func containsFolded(s, pattern string, compact bool) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !(compact && unicode.IsSpace(r)) && matchesFolded(s[i:], pattern, compact) {
			return true
		}
		i += size
	}
	return false
}

func matchesFolded(s, pattern string, compact bool) bool {
	j := 0
	for i := 0; j < len(pattern); {
		if i >= len(s) {
			return false
		}
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		if compact && unicode.IsSpace(r) {
			continue
		}
		if unicode.ToLower(r) != rune(pattern[j]) {
			return false
		}
		j++
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// fontSizePx reads font-size in px, pt, em, rem or %; parent is the
// inherited size em and % refer to.
func (st *inlineStyle) fontSizePx(parent float64) (float64, bool) {
	if !st.fontSize.set {
		return 0, false
	}
	v := st.fontSize.value
	unit := strings.TrimLeft(v, "0123456789.")
	number, err := strconv.ParseFloat(v[:len(v)-len(unit)], 64)
	if err != nil || number <= 0 {
		return 0, false
	}
	var px float64
	switch strings.TrimSpace(unit) {
	case "px", "":
		px = number
	case "pt":
		px = number * 4 / 3
	case "em":
		px = number * parent
	case "rem":
		px = number * 16
	case "%":
		px = number * parent / 100
	default:
		return 0, false
	}
	if px > 200 {
		return 0, false
	}
	return float64(int(px*2+0.5)) / 2, true // half pixels are as fine as editors go
}

// displaysAsBlock reports a style that lays the element out as a block
// (editors put each entry of a table of contents or each line of a card in
// a span with display:block).
func (st *inlineStyle) displaysAsBlock() bool {
	switch st.display.value {
	case "block", "flex", "grid", "list-item", "table":
		return true
	}
	return false
}

// displaysAsBlock is inlineStyle.displaysAsBlock for a style attribute.
func displaysAsBlock(style string) bool {
	st := parseInlineStyle(style)
	return st.displaysAsBlock()
}

// hiddenBy reports an element the reader never sees, whose style
// attribute is style. Editors park alternative layouts and tracking markup
// in display:none blocks.
func hiddenBy(n *html.Node, style string) bool {
	return hasAttr(n, "hidden") || containsCompact(style, "display:none")
}

// cssDeclarations splits an inline style at the semicolons that end its
// declarations, not at those inside quotes or parentheses (a url() may
// hold one: data:image/png;base64, or an address with a ";").
func cssDeclarations(style string) []string {
	var decls []string
	depth, quote, start := 0, byte(0), 0
	for i := 0; i < len(style); i++ {
		switch c := style[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case c == ';' && depth == 0:
			decls = append(decls, style[start:i])
			start = i + 1
		}
	}
	return append(decls, style[start:])
}

// cssURLArgument reads the argument of a url( whose "url(" is already
// consumed and returns it and what follows its ")". A quoted argument ends
// at its closing quote, so a ")" inside the quotes stays part of it.
func cssURLArgument(s string) (arg, rest string, ok bool) {
	s = strings.TrimLeft(s, " \t\n\r\f")
	for _, quote := range []string{`"`, "'"} {
		if after, found := strings.CutPrefix(s, quote); found {
			end := strings.Index(after, quote)
			if end < 0 {
				return "", s, false
			}
			close := strings.IndexByte(after[end:], ')')
			if close < 0 {
				return "", s, false
			}
			return strings.TrimSpace(after[:end]), after[end+close+1:], true
		}
	}
	end := strings.IndexByte(s, ')')
	if end < 0 {
		return "", s, false
	}
	return strings.TrimSpace(s[:end]), s[end+1:], true
}

// cssBackgroundURLs returns the url() values of the background and
// background-image declarations of an inline style. The parser has already
// decoded &quot; into quotes; a doubly encoded &quot; counts as a quote too.
func cssBackgroundURLs(style string) []string {
	var urls []string
	// The doubly encoded quote is a quote: its ";" must not end a
	// declaration.
	style = strings.ReplaceAll(style, "&quot;", `"`)
	for _, decl := range cssDeclarations(style) {
		name, value, ok := strings.Cut(decl, ":")
		if !ok {
			continue
		}
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "background" && name != "background-image" {
			continue
		}
		for {
			i := strings.Index(strings.ToLower(value), "url(")
			if i < 0 {
				break
			}
			u, rest, found := cssURLArgument(value[i+len("url("):])
			if !found {
				break
			}
			value = rest
			if u != "" && !isDataURI(u) {
				urls = append(urls, u)
			}
		}
	}
	return urls
}
