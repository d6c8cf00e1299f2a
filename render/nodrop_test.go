package render

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// The no-dropped-content property: whatever rules reshape an article, every
// image, every link target and every visible word of the input is in the
// Markdown. TestNoDroppedContent checks it on every HTML fixture of the
// project, FuzzConvert on generated input.
//
// The input (inputContent) is read as a browser reads it, bytes that are
// not UTF-8 being U+FFFD, and parsed as the converter parses it
// (parseArticle: "<strong/>" is an empty element, and nesting beyond what
// the parser accepts is flattened, keeping every tag's content). Content a
// reader never sees is left out, and only that:
//
//   - elements that are not rendered: head, title, script, style, template,
//     noscript and iframe (whose content the parser keeps as raw text), the
//     fallback content inside video and audio (shown only by browsers that
//     cannot play the media), and the code-snippet line-number list
//     (isCodeLineIndex: only empty items, which CSS numbers);
//   - hidden elements (isHidden: the hidden attribute or display:none),
//     where editors park alternative layouts;
//   - form controls (input, textarea): WeChat's editor cannot insert them,
//     its sanitizer removes them, and so does the converter;
//   - in code blocks, lines that are only a leaked CSS counter
//     ("counter(line)"): a browser drew a line number there.
//
// Image URLs are what the converter (images.go, embedhtml.go) and the archive
// (archive.ContentImages, whose downloads the converter's ImageURL looks
// up) treat as a picture the reader sees:
//
//   - an <img>: data-src, else src; a data: URI is a placeholder pixel, not
//     a picture;
//   - every url() of the background and background-image declarations of
//     an inline style (editors draw title bars and frames that way), data:
//     URIs excluded as above;
//   - the cover of an embed (video poster, voice cover, album art, account
//     avatar…), as the converter reads each kind (EMBEDS.md); for an
//     iframe, also its data-cover URL-decoded as archive.ContentImages
//     decodes it, so that the cover the converter looks up is the one the
//     archive downloaded.
//
// Each must be passed to Options.ImageURL and be the destination of an
// image in the Markdown (or of an <img> in an HTML table block).
//
// Link targets are the href of every <a> with an http, https or mailto
// scheme that shows something (a visible character or a picture). Other
// schemes are out on purpose: javascript: and vbscript: links are dropped
// and their text kept (isScriptURL), mini program links have no href, and
// relative or fragment links point nowhere outside WeChat. Each must be
// passed to Options.LinkURL and be the destination of a link in the
// Markdown (or of an <a> in an HTML table block).
//
// URLs compare after the characters a Markdown destination cannot hold
// (<, >, \, tab, CR, LF) are percent-encoded, as the converter writes them,
// and as UTF-8, since the Markdown is.
//
// Visible text tokens are counted in the text a reader sees: text nodes
// outside the elements above, in order, with words kept apart where the
// page lays them out apart: at block boundaries (the converter's blocks,
// table cells, list items, wrappers styled display:block), line breaks,
// pictures (not placeholder pixels, which leave the words around them
// touching) and embeds (not unknown elements with text, which are inline).
// The number a browser shows before each item of an <ol> counts as text,
// unless the item shows nothing (an editor's empty <li>: its number stands
// next to nothing).
// Control and format characters (zero-width space, BOM, soft hyphen) draw
// nothing and are taken out first, so they do not separate words.
//
// A token is one Han, kana or Hangul character (Chinese has no spaces, and
// a rule that splits or joins a run of characters loses nothing) or a run
// of other letters and digits (a Latin word, a number), as textTokens in
// fidelity_test.go. Punctuation and symbols are not tokens: typed list
// markers ("◈", "①") become list syntax, and the emphasis rule moves
// punctuation out of bold. The check is a multiset containment: each token
// must occur in the output at least as often as in the input, so a
// repeated word that is dropped once is caught, and so are two words run
// together or one word cut in two. Extra tokens in the output (embed
// labels, identifiers, a caption repeated as alt text) are fine.
//
// On the output side (outputContent) the Markdown is parsed with goldmark,
// as ToHTML reads it, and the text is what a Markdown renderer shows:
// escapes undone (backslash escapes and entity references decoded), link
// destinations and titles and image alt text left out, code verbatim, the
// number of each ordered list item added, and the HTML tables written by
// Convert read as HTML. Other raw HTML is not shown by ToHTML and does not
// count.

// contentInventory is what a reader gets from an article.
type contentInventory struct {
	tokens map[string]int
	images []string // in document order, each once
	links  []string
}

func newInventory() *contentInventory {
	return &contentInventory{tokens: map[string]int{}}
}

func addOnce(list *[]string, s string) {
	if s != "" && !slices.Contains(*list, s) {
		*list = append(*list, s)
	}
}

func (inv *contentInventory) addText(s string) {
	// Control and format characters (zero-width space, BOM, soft hyphen,
	// a stray \x16) draw nothing: the letters on either side read as one
	// word, and the converter may drop them.
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t', r == '\n', r == '\f', r == '\r':
			return ' ' // HTML's whitespace
		case unicode.Is(unicode.Cf, r), unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	for _, tok := range textTokens(s) {
		inv.tokens[tok]++
	}
}

func (inv *contentInventory) tokenCount() int {
	n := 0
	for _, c := range inv.tokens {
		n += c
	}
	return n
}

// markdownSafeURL writes the characters a Markdown destination cannot hold
// as the converter does (markdownDestination), so that a URL and its
// Markdown form compare equal.
var markdownSafeURL = strings.NewReplacer("<", "%3C", ">", "%3E", "\\", "%5C", "\n", "%0A", "\r", "%0D", "\t", "%09")

// noDropRecorder maps images and links for Convert the way an archive
// would, recording what was asked. prefix is put before every image URL
// ("" keeps the remote URL); links are kept as they are.
type noDropRecorder struct {
	prefix       string
	imagesAsked  map[string]bool
	linksAsked   map[string]bool
	imagesMapped map[string]string
}

func newNoDropRecorder(prefix string) *noDropRecorder {
	return &noDropRecorder{prefix: prefix, imagesAsked: map[string]bool{}, linksAsked: map[string]bool{}}
}

func (r *noDropRecorder) options() Options {
	return Options{
		ImageURL: func(remote string) string {
			r.imagesAsked[remote] = true
			if r.prefix == "" {
				return ""
			}
			return r.prefix + remote
		},
		LinkURL: func(href string) string {
			r.linksAsked[href] = true
			return ""
		},
	}
}

// noDropReport is the outcome of one check.
type noDropReport struct {
	tokens, images, links int
	problems              []string
}

// checkNoDroppedContent compares the input body with the Markdown Convert
// made of it with rec's options.
func checkNoDroppedContent(body, md string, rec *noDropRecorder) noDropReport {
	var r noDropReport
	in, err := inputContent(body)
	if err != nil {
		r.problems = append(r.problems, "parse input: "+err.Error())
		return r
	}
	out := outputContent(md)
	r.tokens, r.images, r.links = in.tokenCount(), len(in.images), len(in.links)

	// Convert's output is UTF-8: bytes that are not compare as U+FFFD, as
	// a browser reads them.
	norm := func(u string) string { return markdownSafeURL.Replace(strings.ToValidUTF8(u, "\uFFFD")) }
	has := func(list []string, want string) bool {
		want = norm(want)
		for _, s := range list {
			if norm(s) == want {
				return true
			}
		}
		return false
	}
	asked := func(set map[string]bool, u string) bool {
		u = strings.ToValidUTF8(u, "\uFFFD") // a percent-decoded cover may not be UTF-8
		for k := range set {
			if strings.ToValidUTF8(k, "\uFFFD") == u {
				return true
			}
		}
		return false
	}
	for _, u := range in.images {
		if !asked(rec.imagesAsked, u) {
			r.problems = append(r.problems, fmt.Sprintf("image %q never passed to ImageURL", u))
		}
		if !has(out.images, rec.prefix+u) {
			r.problems = append(r.problems, fmt.Sprintf("image %q is not an image of the output", u))
		}
	}
	for _, u := range in.links {
		if !asked(rec.linksAsked, u) {
			r.problems = append(r.problems, fmt.Sprintf("link %q never passed to LinkURL", u))
		}
		if !has(out.links, u) {
			r.problems = append(r.problems, fmt.Sprintf("link %q is not a link of the output", u))
		}
	}
	var missing []string
	for tok, n := range in.tokens {
		if got := out.tokens[tok]; got < n {
			missing = append(missing, fmt.Sprintf("%q ×%d (output ×%d)", tok, n, got))
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		const shown = 20
		more := ""
		if len(missing) > shown {
			more = fmt.Sprintf(" and %d more", len(missing)-shown)
			missing = missing[:shown]
		}
		r.problems = append(r.problems, "text tokens lost: "+strings.Join(missing, ", ")+more)
	}
	return r
}

func TestNoDroppedContent(t *testing.T) {
	fixtures, skipped := noDropFixtures(t)
	conv := New()
	var tokens, images, links int
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			rec := newNoDropRecorder("")
			md, err := conv.Convert(f.body, rec.options())
			if err != nil {
				t.Fatalf("Convert: %v", err)
			}
			r := checkNoDroppedContent(f.body, md, rec)
			for _, p := range r.problems {
				t.Error(p)
			}
			tokens += r.tokens
			images += r.images
			links += r.links
		})
	}
	t.Logf("%d fixtures checked (%d skipped without an article body: %s): %d text tokens, %d images, %d links",
		len(fixtures), len(skipped), strings.Join(skipped, ", "), tokens, images, links)
}

// TestNoDropDefinitions pins the definitions at the top of this file on
// small cases, so that the property cannot hold because they see nothing.
func TestNoDropDefinitions(t *testing.T) {
	in, err := inputContent(`<p>Hello <b>wor</b>ld 你好你</p>` +
		`<section style="display:none">藏</section><script>s()</script><textarea>t</textarea>` +
		`<ol start="3"><li>x</li></ol>` +
		`<p><img data-src="https://a/1.png" src="data:image/gif;base64,AA"><img src="data:x"></p>` +
		`<section style="background-image:url(&quot;https://a/bg.png&quot;);border-image:url(https://a/b.png)">y</section>` +
		`<a href="https://a/l">l</a> <a href="javascript:x">j</a> <a href="mailto:m@a">m</a><a href="https://a/empty"> </a>` +
		`<iframe class="video_iframe" data-mpvid="wxv_1" data-cover="https%3A%2F%2Fa%2Fc.jpg"></iframe>` +
		`<pre><code>counter(line)</code><code>code1</code></pre>`)
	if err != nil {
		t.Fatal(err)
	}
	wantTokens := map[string]int{"Hello": 1, "world": 1, "你": 2, "好": 1, "3": 1, "x": 1, "y": 1, "l": 1, "j": 1, "m": 1, "code1": 1}
	if !mapsEqual(in.tokens, wantTokens) {
		t.Errorf("input tokens = %v, want %v", in.tokens, wantTokens)
	}
	if want := []string{"https://a/1.png", "https://a/bg.png", "https://a/c.jpg"}; !slices.Equal(in.images, want) {
		t.Errorf("input images = %q, want %q", in.images, want)
	}
	if want := []string{"https://a/l", "mailto:m@a"}; !slices.Equal(in.links, want) {
		t.Errorf("input links = %q, want %q", in.links, want)
	}

	out := outputContent("# Hello **wor**ld 你\\*好&amp;你\n\n3. x\n\n![alt](<https://a/1 (2).png>) [l](https://a/l \"title\")\n\n```\ncode1\n```\n\n" +
		htmlTableMarker + "\n<table>\n<tbody>\n<tr><td>a&amp;b</td><td><img src=\"https://a/t.png\" alt=\"\"></td></tr>\n</tbody>\n</table>\n")
	wantTokens = map[string]int{"Hello": 1, "world": 1, "你": 2, "好": 1, "3": 1, "x": 1, "l": 1, "code1": 1, "a": 1, "b": 1}
	if !mapsEqual(out.tokens, wantTokens) {
		t.Errorf("output tokens = %v, want %v", out.tokens, wantTokens)
	}
	if want := []string{"https://a/1 (2).png", "https://a/t.png"}; !slices.Equal(out.images, want) {
		t.Errorf("output images = %q, want %q", out.images, want)
	}

	rec := newNoDropRecorder("")
	r := checkNoDroppedContent(`<p>甲乙甲 word</p><p><img src="https://a/1.png"></p><a href="https://a/l">l</a>`, "甲乙 word\n", rec)
	if len(r.problems) != 5 {
		t.Errorf("a lost 甲, image and link give %d problems, want 5 (2 per URL, 1 for text): %q", len(r.problems), r.problems)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
