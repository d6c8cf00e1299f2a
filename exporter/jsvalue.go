package exporter

import (
	"math"
	"strconv"
	"strings"
)

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
