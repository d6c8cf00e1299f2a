package output

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/render"
)

// TestSiteKinds builds the kinds fixture's site with the real converter and
// checks what site_kinds.go promises: the account as title, in meta lines
// and as the feed's author; a picture post's pictures once, as a gallery
// of links to files that are there, sized; the share's card and original;
// the other account's hostile name as text.
func TestSiteKinds(t *testing.T) {
	a := kindsArchive(t)
	site := t.TempDir()
	res, err := NewSite(site, Options{Converter: render.New()}).Write(t.Context(), a)
	if err != nil || len(res.Failed) > 0 {
		t.Fatalf("%+v %v", res, err)
	}
	wantMissing := []MissingImages{{Article: "published/P_newspic/1", Images: []string{archive.MaterialKey("IMG_B")}}}
	if fmtMissing(res.Missing) != fmtMissing(wantMissing) {
		t.Errorf("missing %v, want %v", res.Missing, wantMissing)
	}
	slugs := readSlugs(t, site)
	read := func(rel string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(site, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	post := func(key string) string { return read("posts/" + slugs[key] + "/index.html") }

	home := read("index.html")
	if !strings.Contains(home, `<a class="site-title" href="index.html">`+kindsAccount+`</a>`) || !strings.Contains(home, "<title>"+kindsAccount+"</title>") {
		t.Error("without --site-title the account's name is not the site's title")
	}
	// Lists name the account only for another account's post.
	if n := strings.Count(home, `<span class="account">`); n != 1 {
		t.Errorf("home page names an account %d times, want once (the other account's post)", n)
	}

	picture := post("urls/U_picture/1")
	doc, err := xhtml.Parse(strings.NewReader(picture))
	if err != nil {
		t.Fatal(err)
	}
	if imgs := findAll(doc, "div", "content", "img"); len(imgs) != 0 {
		t.Errorf("the picture post's body still shows %d pictures", len(imgs))
	}
	items := findAll(doc, "div", "gallery", "a")
	if len(items) != len(kindsPictures) || !strings.Contains(picture, `class="gallery gallery-cols-3"`) {
		t.Fatalf("%d gallery links, want %d in three columns", len(items), len(kindsPictures))
	}
	for i, item := range items {
		img := item.FirstChild
		if img == nil || img.Data != "img" {
			t.Fatalf("gallery link %d holds no picture", i)
		}
		href, src := attrOf(item, "href"), attrOf(img, "src")
		if href != src {
			t.Errorf("thumbnail %s opens %s, not itself", src, href)
		}
		p := kindsPictures[i]
		if attrOf(img, "width") != itoa(p.width) || attrOf(img, "height") != itoa(p.height) {
			t.Errorf("picture %d is %sx%s, want %dx%d", i+1, attrOf(img, "width"), attrOf(img, "height"), p.width, p.height)
		}
		data, err := os.ReadFile(filepath.Join(site, "posts", slugs["urls/U_picture/1"], filepath.FromSlash(href)))
		if err != nil {
			t.Errorf("gallery picture %s: %v", href, err)
			continue
		}
		if e, _ := a.Media(p.key); e.Size != int64(len(data)) {
			t.Errorf("gallery picture %d is not the archive's picture %d", i+1, i+1)
		}
	}
	for _, want := range []string{"周末去了公园。", `<span class="badge type type-picture">图片</span>`, `<span class="badge original">原创</span>`, `<span class="account">` + kindsAccount + `</span>`} {
		if !strings.Contains(picture, want) {
			t.Errorf("picture post lacks %s", want)
		}
	}
	// The gallery, and a video's card, show what the cover would again.
	for _, key := range []string{"urls/U_picture/1", "urls/U_video/1"} {
		if strings.Contains(post(key), `<figure class="cover">`) {
			t.Errorf("%s shows its cover above the pictures that show it", key)
		}
	}
	if newspic := post("published/P_newspic/1"); !strings.Contains(newspic, `<span class="gallery-item missing">图片未能备份</span>`) {
		t.Error("the picture the archive lacks has no placeholder")
	}

	share := post("urls/U_share/1")
	if !strings.Contains(share, `<article class="article type-share">`) {
		t.Error("the share's page is not marked as one, so its card is not styled")
	}
	card := regexp.MustCompile(`(?s)<div class="content">\s*<p>推荐这篇。<br>\s*值得一读</p>\s*<blockquote>\s*<p>原文：<a href="[^"]+">别人的好文章</a></p>\s*<p>来自公众号「([^」]*)」`).FindStringSubmatch(share)
	if card == nil {
		t.Errorf("the share's body does not start with the note and then the card:\n%s", share)
	} else if card[1] != `别的号 &lt;script&gt;alert(1)&lt;/script&gt; {{ .Site.Title }} {% raw %}` {
		t.Errorf("the card names %q", card[1])
	}
	if want := `<a href="` + strings.ReplaceAll(kindsSharedLink, "&", "&amp;") + `" rel="noopener noreferrer">阅读原文</a>`; !strings.Contains(share, want) {
		t.Errorf("the share does not link its original: want %s", want)
	}

	feed := read("feed.xml")
	if !strings.Contains(feed, "<generator>mparchive</generator>\n  <author>\n    <name>"+kindsAccount+"</name>") {
		t.Error("the feed does not name the account as its author")
	}
	for _, p := range kindsPictures {
		e, _ := a.Media(p.key)
		if !strings.Contains(feed, `&lt;img src=&#34;`+e.SHA256[:12]+`.png&#34;`) {
			t.Errorf("the feed's picture post lacks picture %s", e.SHA256[:12])
		}
	}

	// Hostile text stays text in every file.
	err = filepath.WalkDir(site, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if bytes.Contains(b, []byte("<script>alert(1)")) {
			t.Errorf("%s carries the account name's <script> unescaped", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	// With a title of its own the site shows the account beside it, and
	// --account-name names the account whose items have no name.
	titled := t.TempDir()
	if _, err := NewSite(titled, Options{Converter: render.New(), SiteTitle: "我的存档", AccountName: "改过的名字"}).Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(titled, "index.html"))
	if !strings.Contains(string(b), `<a class="site-title" href="index.html">我的存档</a> <span class="site-account" title="公众号">改过的名字</span>`) {
		t.Error("a site with --site-title does not show the account beside it")
	}
	b, _ = os.ReadFile(filepath.Join(titled, "posts", slugs["news/N_article/1"], "index.html"))
	if !strings.Contains(string(b), `<span class="account">改过的名字</span>`) {
		t.Error("--account-name does not name the API's article")
	}
	b, _ = os.ReadFile(filepath.Join(titled, "posts", slugs["urls/U_text/1"], "index.html"))
	if !strings.Contains(string(b), `<span class="account">`+kindsAccount+`</span>`) {
		t.Error("a page's own account name was replaced")
	}
}

func fmtMissing(m []MissingImages) string {
	var b strings.Builder
	for _, x := range m {
		b.WriteString(x.Article + " " + strings.Join(x.Images, ",") + "\n")
	}
	return b.String()
}

// findAll finds the <want> elements inside the first <tag class=class>.
func findAll(doc *xhtml.Node, tag, class, want string) []*xhtml.Node {
	var in *xhtml.Node
	for n := range doc.Descendants() {
		if n.Type == xhtml.ElementNode && n.Data == tag && strings.Contains(" "+attrOf(n, "class")+" ", " "+class+" ") {
			in = n
			break
		}
	}
	if in == nil {
		return nil
	}
	var out []*xhtml.Node
	for n := range in.Descendants() {
		if n.Type == xhtml.ElementNode && n.Data == want {
			out = append(out, n)
		}
	}
	return out
}

func attrOf(n *xhtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
