package wechattest

import (
	"fmt"
	"strconv"
	"strings"
)

// jsObj, jsArr and jsNum are values of WeChat's object literal: an
// object's members in order, an array, and a number, which WeChat writes as
// a string times one ('8' * 1). Strings are Go strings, booleans Go bools.
type (
	jsObj []jsKV
	jsKV  struct {
		k string
		v any
	}
	jsArr []any
	jsNum string
)

func num(n int64) jsNum { return jsNum(strconv.FormatInt(n, 10)) }

// cgiEscape writes a string for a '…' literal the way WeChat's templates do:
// exactly the characters its JsDecode undoes, as \xNN (w05's JsDecode:
// \x5c \x0d \x22 \x26 \x27 \x3c \x3e \x0a).
func cgiEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '\r', '"', '&', '\'', '<', '>', '\n':
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cgiWriter writes an object literal in the layout of the real pages: one
// member a line, four spaces a level, a trailing comma after every member
// and element, empty arrays and objects opened and closed on two lines.
type cgiWriter struct {
	b     strings.Builder
	plain bool
}

func (w *cgiWriter) pad(n int) { w.b.WriteString(strings.Repeat(" ", n)) }

func (w *cgiWriter) members(o jsObj, indent int) {
	for _, kv := range o {
		w.pad(indent)
		w.b.WriteString(kv.k)
		w.b.WriteString(": ")
		w.value(kv.v, indent)
		w.b.WriteString(",\n")
	}
}

func (w *cgiWriter) value(v any, indent int) {
	switch x := v.(type) {
	case jsObj:
		w.b.WriteString("{\n")
		w.members(x, indent+4)
		w.pad(indent)
		w.b.WriteString("}")
	case jsArr:
		w.b.WriteString("[\n")
		for _, e := range x {
			w.pad(indent + 4)
			w.value(e, indent+4)
			w.b.WriteString(",\n")
		}
		w.pad(indent)
		w.b.WriteString("]")
	case jsNum:
		fmt.Fprintf(&w.b, "'%s' * 1", x)
	case bool:
		w.b.WriteString(strconv.FormatBool(x))
	case string:
		if w.plain {
			w.b.WriteString("'" + cgiEscape(x) + "'")
		} else {
			w.b.WriteString("JsDecode('" + cgiEscape(x) + "')")
		}
	default:
		panic(fmt.Sprintf("wechattest: no JS form for %T", v))
	}
}

// cgiScript is the whole <script> that sets window.cgiDataNew, with the
// JsDecode helper in the 2025 dialect and without it in the 2026 one.
func cgiScript(data jsObj, plain bool, nonce string) string {
	w := &cgiWriter{plain: plain}
	w.b.WriteString(`<script type="text/javascript" h5only nonce="` + nonce + `" reportloaderror>` + "\n    (function() {\n")
	if !plain {
		w.b.WriteString(`        function JsDecode(str) {
            return str && str
                .replace(/\\x5c/g, '\\')
                .replace(/\\x0d/g, '\r')
                .replace(/\\x22/g, '"')
                .replace(/\\x26/g, '&')
                .replace(/\\x27/g, '\'')
                .replace(/\\x3c/g, '<')
                .replace(/\\x3e/g, '>')
                .replace(/\\x0a/g, '\n');
        }
`)
	}
	w.b.WriteString("        try {\n            window.cgiDataNew = {\n")
	w.members(data, 16)
	w.b.WriteString("\n            };\n        } catch (e) {\n            window.cgiError = e;\n        }\n    })();\n</script>")
	return w.b.String()
}

// ssrData writes window.__QMTPL_SSR_DATA__'s compact literal (w10–w14).
func ssrData(o jsObj) string {
	var b strings.Builder
	var write func(v any)
	write = func(v any) {
		switch x := v.(type) {
		case jsObj:
			b.WriteString("{")
			for i, kv := range x {
				if i > 0 {
					b.WriteString(",")
				}
				b.WriteString(kv.k + ":")
				write(kv.v)
			}
			b.WriteString("}")
		case jsArr:
			b.WriteString("[]")
		default:
			b.WriteString("'" + cgiEscape(fmt.Sprint(x)) + "'")
		}
	}
	write(o)
	return b.String()
}
