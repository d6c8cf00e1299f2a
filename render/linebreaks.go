package render

import (
	"bytes"

	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
)

// backslashLineBreaks rewrites html-to-markdown's hard line breaks, two
// trailing spaces, as a backslash before the newline (CommonMark's other
// form). Trailing spaces are invisible, and editors, linters and git
// hooks strip them, silently joining the lines. A break at the end of a
// paragraph (the next line blank, or a bare ">" in a quote) means nothing
// and loses its spaces instead: a backslash there would show.
//
// It runs before html-to-markdown restores code newlines, so each code
// block is one line between its fences here; the fence lines tell where
// code starts and ends, and code is never touched.
func backslashLineBreaks(_ converter.Context, md []byte) []byte {
	if !bytes.Contains(md, []byte("  \n")) && !bytes.Contains(md, []byte("\n \n")) && !bytes.Contains(md, []byte("\n\n  ")) {
		return md
	}
	lines := bytes.Split(md, []byte("\n"))
	var fence []byte
	for i, line := range lines {
		content := quoteContent(line)
		if fence != nil {
			if bytes.HasPrefix(content, fence) && len(bytes.Trim(content, string(fence[:1]))) == 0 {
				fence = nil
			}
			continue
		}
		if f := fenceOf(content); f != nil {
			fence = f
			continue
		}
		trimmed := bytes.TrimRight(line, " ")
		if len(bytes.TrimSpace(quoteContent(trimmed))) == 0 {
			lines[i] = trimmed
			if len(bytes.TrimSpace(trimmed)) == 0 {
				lines[i] = nil
			}
			continue
		}
		if len(line)-len(trimmed) < 2 {
			continue
		}
		if i+1 < len(lines) && len(bytes.TrimSpace(quoteContent(lines[i+1]))) > 0 {
			if bytes.HasSuffix(trimmed, []byte{'\\'}) {
				// Goldmark reads an escaped backslash right before the
				// break's backslash as two literal backslashes; a space
				// keeps them apart.
				trimmed = append(trimmed, ' ')
			}
			lines[i] = append(trimmed, '\\')
		} else {
			lines[i] = trimmed
		}
	}
	return bytes.Join(tightenNestedLists(lines), []byte("\n"))
}

// listItemStart returns the length of the list item marker that starts
// line, with the spaces before and after it, as the pattern
// `^ *(?:[-*+]|[0-9]{1,9}[.)]) +` matches it, or 0 when line starts no
// item. It is asked about every blank line's neighbour, a regexp's
// machinery for one short prefix.
func listItemStart(line []byte) int {
	i := 0
	for i < len(line) && line[i] == ' ' {
		i++
	}
	if i < len(line) && (line[i] == '-' || line[i] == '*' || line[i] == '+') {
		i++
	} else {
		digits := i
		for i < len(line) && line[i] >= '0' && line[i] <= '9' {
			i++
		}
		if n := i - digits; n == 0 || n > 9 || i == len(line) || line[i] != '.' && line[i] != ')' {
			return 0
		}
		i++
	}
	marker := i
	for i < len(line) && line[i] == ' ' {
		i++
	}
	if i == marker {
		return 0
	}
	return i
}

// tightenNestedLists removes the blank line html-to-markdown writes between
// a one-line list item and its sublist ("- a", "", "  - b"). It makes the
// whole list loose, a paragraph per item, where the article had a tight one.
func tightenNestedLists(lines [][]byte) [][]byte {
	out := lines[:0]
	for i, line := range lines {
		if len(line) == 0 && i > 0 && i+1 < len(lines) {
			if item := listItemStart(lines[i-1]); item > 0 {
				next := lines[i+1]
				indent := len(next) - len(bytes.TrimLeft(next, " "))
				if indent == item && listItemStart(next) > 0 {
					continue
				}
			}
		}
		out = append(out, line)
	}
	return out
}

// quoteContent strips the indentation and blockquote markers that start a
// line.
func quoteContent(line []byte) []byte {
	for {
		trimmed := bytes.TrimLeft(line, " ")
		if len(trimmed) == 0 || trimmed[0] != '>' {
			return trimmed
		}
		line = trimmed[1:]
	}
}

// fenceOf returns the fence a line opens (``` or ~~~, however long), or nil.
func fenceOf(content []byte) []byte {
	if len(content) < 3 || content[0] != '`' && content[0] != '~' {
		return nil
	}
	n := 0
	for n < len(content) && content[n] == content[0] {
		n++
	}
	if n < 3 {
		return nil
	}
	return content[:n]
}
