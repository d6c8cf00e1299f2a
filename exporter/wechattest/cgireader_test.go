package wechattest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// --- a test-only reader of cgiDataNew ---

// readCgiData parses the object literal assigned to window.cgiDataNew in a
// page, in either dialect, into maps, slices, strings, float64 numbers and
// bools. It knows only what WeChat's template writes: members one per
// line, '…' literals (bare or in JsDecode), '123' * 1 numbers, true and
// false. It exists so these tests do not depend on the real parser in
// exporter/.
func readCgiData(t *testing.T, page string) map[string]any {
	t.Helper()
	const marker = "window.cgiDataNew = {"
	i := strings.Index(page, marker)
	if i < 0 {
		t.Fatalf("page has no cgiDataNew")
	}
	r := &jsReader{s: page[i+len(marker)-1:]}
	v, err := r.value()
	if err != nil {
		t.Fatalf("cgiDataNew: %v at %.80q", err, r.s[r.i:])
	}
	return v.(map[string]any)
}

type jsReader struct {
	s string
	i int
}

func (r *jsReader) skip() {
	for r.i < len(r.s) && strings.ContainsRune(" \t\r\n", rune(r.s[r.i])) {
		r.i++
	}
}

func (r *jsReader) value() (any, error) {
	r.skip()
	rest := r.s[r.i:]
	switch {
	case strings.HasPrefix(rest, "{"):
		r.i++
		out := map[string]any{}
		for {
			r.skip()
			if r.s[r.i] == '}' {
				r.i++
				return out, nil
			}
			j := strings.IndexByte(r.s[r.i:], ':')
			if j < 0 {
				return nil, fmt.Errorf("no colon")
			}
			key := strings.TrimSpace(r.s[r.i : r.i+j])
			if !regexp.MustCompile(`^[a-z_0-9A-Z]+$`).MatchString(key) {
				return nil, fmt.Errorf("bad key %q", key)
			}
			if _, dup := out[key]; dup {
				return nil, fmt.Errorf("duplicate key %q", key)
			}
			r.i += j + 1
			v, err := r.value()
			if err != nil {
				return nil, err
			}
			out[key] = v
			if err := r.comma(); err != nil {
				return nil, err
			}
		}
	case strings.HasPrefix(rest, "["):
		r.i++
		out := []any{}
		for {
			r.skip()
			if r.s[r.i] == ']' {
				r.i++
				return out, nil
			}
			v, err := r.value()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			if err := r.comma(); err != nil {
				return nil, err
			}
		}
	case strings.HasPrefix(rest, "true"):
		r.i += 4
		return true, nil
	case strings.HasPrefix(rest, "false"):
		r.i += 5
		return false, nil
	case strings.HasPrefix(rest, "JsDecode("):
		r.i += len("JsDecode(")
		s, err := r.str()
		if err != nil {
			return nil, err
		}
		if r.s[r.i] != ')' {
			return nil, fmt.Errorf("JsDecode not closed")
		}
		r.i++
		return s, nil
	case strings.HasPrefix(rest, "'"):
		s, err := r.str()
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(r.s[r.i:], " * 1") {
			r.i += 4
			return strconv.ParseFloat(s, 64)
		}
		return s, nil
	}
	return nil, fmt.Errorf("unexpected value")
}

// comma takes the trailing comma WeChat writes after every member.
func (r *jsReader) comma() error {
	r.skip()
	if r.i >= len(r.s) || r.s[r.i] != ',' {
		return fmt.Errorf("want a trailing comma")
	}
	r.i++
	return nil
}

// str reads a '…' literal, decoding its escapes as JavaScript does.
func (r *jsReader) str() (string, error) {
	r.i++ // opening quote
	var b strings.Builder
	for r.i < len(r.s) {
		c := r.s[r.i]
		switch c {
		case '\'':
			r.i++
			return b.String(), nil
		case '\n':
			return "", fmt.Errorf("raw newline in a string")
		case '\\':
			e := r.s[r.i+1]
			switch e {
			case 'x':
				n, err := strconv.ParseUint(r.s[r.i+2:r.i+4], 16, 8)
				if err != nil {
					return "", err
				}
				b.WriteByte(byte(n))
				r.i += 4
				continue
			case 'n':
				b.WriteByte('\n')
			default:
				b.WriteByte(e)
			}
			r.i += 2
			continue
		}
		b.WriteByte(c)
		r.i++
	}
	return "", fmt.Errorf("string not closed")
}

// get walks a path of keys and indexes in a parsed cgiDataNew.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func str(v any) string { s, _ := v.(string); return s }

func number(v any) int64 { f, _ := v.(float64); return int64(f) }
