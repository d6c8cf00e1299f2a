package render

import (
	"strings"
	"testing"
	"unicode"

	"golang.org/x/net/html"
)

// needsNormalizing and countNonSpace read bytes where the plain reading
// ranges over runes; they must agree with it.

func referenceNeedsNormalizing(s string) bool {
	for _, r := range s {
		if isDroppedRune(r) || r == '\u00a0' || r == '\f' {
			return true
		}
	}
	return false
}

func referenceCountNonSpace(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

func checkTextReaders(t *testing.T, s string) {
	t.Helper()
	if got, want := needsNormalizing(s), referenceNeedsNormalizing(s); got != want {
		t.Errorf("needsNormalizing(%q) = %v, want %v", s, got, want)
	}
	if got, want := countNonSpace(s), referenceCountNonSpace(s); got != want {
		t.Errorf("countNonSpace(%q) = %d, want %d", s, got, want)
	}
}

var textCases = []string{
	"", "plain text", "中文，标点。", "a\u00a0b", "a\u00adb", "zero\u200bwidth", "word\u2060joiner",
	"\ufeffbom", "code\uf002newline", "tab\tnew\nline\rreturn", "form\ffeed", "bell\a", "del\x7f",
	"\u0085next line", "\u3000全角空格", "\u2028\u2029\u202f\u205f\u1680\u2000\u200a", "\u200c\u200d",
	"emoji 👍🏽", "\u00a1\u00ff\u0100", "\xe2\x80", "\xef\xbb", "\xc2", "bad \xff utf-8 \xc2\xa0",
}

func TestTextReaders(t *testing.T) {
	for _, s := range textCases {
		checkTextReaders(t, s)
	}
	for _, body := range benchDocumentParts(t) {
		doc, err := html.Parse(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		walk(doc, func(n *html.Node) bool {
			if n.Type == html.TextNode {
				checkTextReaders(t, n.Data)
			}
			return true
		})
	}
}

func FuzzTextReaders(f *testing.F) {
	for _, s := range textCases {
		f.Add(s)
	}
	f.Fuzz(checkTextReaders)
}

func TestCollapsedText(t *testing.T) {
	for _, body := range append(benchDocumentParts(t), textCases...) {
		doc, err := html.Parse(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		walk(doc, func(n *html.Node) bool {
			want := strings.Join(strings.Fields(textContent(n)), " ")
			if got, ok := collapsedText(n, -1); !ok || got != want {
				t.Fatalf("collapsedText = %q, %v, want %q", got, ok, want)
			}
			for _, limit := range []int{0, len(want) - 1, len(want), len(want) + 1} {
				if limit < 0 {
					continue
				}
				got, ok := collapsedText(n, limit)
				if fits := len(want) <= limit; ok != fits || ok && got != want {
					t.Fatalf("collapsedText(limit %d) = %q, %v; the text %q", limit, got, ok, want)
				}
			}
			return true
		})
	}
}

// TestNumberingStarts checks that the first-character test in numberingOf
// turns away no line a numbering pattern matches.
func TestNumberingStarts(t *testing.T) {
	lines := []string{"第三章 总结", "Part 2 起步", "ſection 3 x", "SECTION IV", "chapter1", "step 2",
		"二、问题", "（三）做法", "(3) 步骤", "1.2 背景", "3. 方法", "07 晨雾", "（12）", "⑤ 结语", "K 线", "前言"}
	for _, body := range benchDocumentParts(t) {
		doc, err := html.Parse(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		walk(doc, func(n *html.Node) bool {
			if n.Type == html.TextNode {
				if text := strings.TrimSpace(n.Data); text != "" {
					lines = append(lines, text)
				}
			}
			return true
		})
	}
	for _, line := range lines {
		want := ""
		for _, h := range headingNumbering {
			if h.pattern.MatchString(line) {
				want = h.class
				break
			}
		}
		if got := numberingOf(line); got != want {
			t.Errorf("numberingOf(%q) = %q, the patterns say %q", line, got, want)
		}
	}
}
