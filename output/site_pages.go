package output

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mparchive/mparchive/archive"
)

// The values the templates see. URLs in them are relative to the page
// being rendered (pageView.Root leads to the site's root), except
// Canonical and OGImage, which are absolute or empty.
type (
	siteView struct {
		Title string
		// Account is the account's name when it is not the title.
		Account string
		BaseURL string
		Count   int // articles on the site
		// Materials tells whether the site has a materials page.
		Materials bool
	}
	pageView struct {
		Site         *siteView
		Kind         string // the template: home, article, archive, authors, author, search, materials
		Section      string // the navigation entry to highlight
		Root         string // "", "../", "../../"…
		Title        string // "" on the home page
		Description  string
		Canonical    string
		OGType       string
		OGImage      string
		RemoteImages bool // a remote image is shown: send no Referer
		Heading      string
		Posts        []postView
		Pager        *pagerView
		Post         *postView
		Body         template.HTML
		Prev, Next   *postView
		Groups       []groupView
		Authors      []linkView
		Materials    []materialGroupView
		// The frame's fragments, rendered once per root and section
		// (siteTheme.frame).
		HeadLinks, Header, Footer template.HTML
	}
	postView struct {
		URL       string
		Title     string
		Author    string
		AuthorURL string
		Digest    string
		Cover     string
		WeChatURL string
		SourceURL string
		Date      *time.Time
		Removed   bool
		// Draft marks an article of the draft box (--include-drafts).
		Draft bool
		// The post's account, shown on its page, and in lists only
		// when it is another account's (ShowAccount).
		Account     string
		ShowAccount bool
		// Badges: TypeLabel names a kind of post other than an article
		// (图片, 文字, 转载, 视频, 其他), Type is its class name.
		TypeLabel string
		Type      string
		Original  bool
		Paid      bool
		// SharedFrom links a share's original, of SharedName's account.
		SharedFrom string
		SharedName string
		// Gallery is a picture post's pictures, on its own page, laid out
		// GalleryColumns to a row.
		Gallery        []galleryItem
		GalleryColumns int
	}
	pagerView struct {
		Page, Pages      int
		PrevURL, NextURL string
	}
	groupView struct {
		Name     string
		URL      string
		Count    int
		Children []groupView
		Posts    []postView
	}
	linkView struct {
		Name  string
		URL   string
		Count int
	}
)

func (s *siteBuild) newPage(kind, section, root, path string) *pageView {
	return &pageView{
		Site:      &siteView{Title: s.w.opts.SiteTitle, Account: s.accountBesideTitle(), BaseURL: s.w.opts.BaseURL, Count: len(s.posts), Materials: len(s.materials) > 0},
		Kind:      kind,
		Section:   section,
		Root:      root,
		Canonical: s.absURL(path),
		OGType:    "website",
	}
}

// postView shows p on a page whose way back to the root is root. It reads
// the cover, which the articles pass sets: call it after that pass, or on
// the post being rendered.
func (s *siteBuild) postView(p *sitePost, root string) postView {
	v := s.postLink(p, root)
	switch {
	case p.Cover == "":
	case isRemoteURL(p.Cover):
		v.Cover = p.Cover
	default:
		v.Cover = root + linkPath(p.path()+p.Cover)
	}
	return v
}

// postLink is postView without the cover: safe while other workers are
// still setting theirs (the neighbours of an article page).
func (s *siteBuild) postLink(p *sitePost, root string) postView {
	v := postView{
		URL:       root + linkPath(p.path()) + "index.html",
		Title:     p.Title,
		Author:    p.Author,
		Digest:    p.Digest,
		WeChatURL: s.wechatURL(p),
		SourceURL: p.SourceURL,
		Removed:   p.Removed,
		Draft:     p.Draft,

		Account:     p.Account,
		ShowAccount: p.OtherAccount,
		TypeLabel:   typeLabel(p.Type),
		Type:        string(p.Type),
		Original:    p.Original,
		Paid:        p.Paid,
		SharedFrom:  p.SharedFrom,
		SharedName:  p.SharedName,
	}
	if !p.Date.IsZero() {
		d := p.Date
		v.Date = &d
	}
	if p.AuthorSlug != "" {
		v.AuthorURL = root + "authors/" + linkPath(p.AuthorSlug) + "/index.html"
	}
	return v
}

func (s *siteBuild) postViews(posts []*sitePost, root string) ([]postView, bool) {
	out := make([]postView, len(posts))
	remote := false
	for i, p := range posts {
		out[i] = s.postView(p, root)
		remote = remote || isRemoteURL(p.Cover)
	}
	return out, remote
}

// rootOf is the way back to the site's root from the folder of a page.
func rootOf(dir string) string {
	if dir == "" {
		return ""
	}
	return strings.Repeat("../", strings.Count(strings.Trim(dir, "/"), "/")+1)
}

// writeIndexes writes everything but the article pages: lists, archive,
// authors, search, materials, assets, feed, sitemap and robots.txt, all at
// once (each list's pages in parallel too, up to Workers at a time), then
// removes the list pages of earlier runs that this one did not write.
// Every file depends only on what the articles pass left, never on the
// order of the writes.
func (s *siteBuild) writeIndexes(ctx context.Context) error {
	plain := func(f func() error) func(context.Context) error {
		return func(context.Context) error { return f() }
	}
	// The heaviest first, so that the light ones fill in beside them.
	steps := []func(context.Context) error{s.writeSearchIndex, s.writeHome, s.writeArchive, s.writeAuthors,
		plain(s.writeFeed), plain(s.writeSitemap), plain(s.writeMaterials), plain(s.writeSearchPage),
		plain(s.writeNotFound), plain(s.writeAssets), plain(s.writeRobots)}
	err := parallel(ctx, s.w.opts.Workers, len(steps), func(i int) error { return steps[i](ctx) })
	if err != nil {
		return err
	}
	return s.pruneListPages()
}

func (s *siteBuild) writeHome(ctx context.Context) error {
	pages := max(1, (len(s.live)+sitePerPage-1)/sitePerPage)
	pageDir := func(n int) string {
		if n == 1 {
			return ""
		}
		return "page/" + strconv.Itoa(n) + "/"
	}
	return parallel(ctx, s.w.opts.Workers, pages, func(i int) error {
		n := i + 1
		dir := pageDir(n)
		root := rootOf(dir)
		v := s.newPage("home", "home", root, dir)
		v.Description = s.w.opts.SiteTitle
		if n > 1 {
			v.Title = fmt.Sprintf("第 %d 页", n)
		}
		chunk := s.live[(n-1)*sitePerPage : min(n*sitePerPage, len(s.live))]
		v.Posts, v.RemoteImages = s.postViews(chunk, root)
		v.Pager = &pagerView{Page: n, Pages: pages}
		if n > 1 {
			v.Pager.PrevURL = root + pageDir(n-1) + "index.html"
		}
		if n < pages {
			v.Pager.NextURL = root + pageDir(n+1) + "index.html"
		}
		return s.writePage("home", dir+"index.html", v)
	})
}

type monthKey struct{ year, month int }

func (s *siteBuild) writeArchive(ctx context.Context) error {
	byMonth := map[monthKey][]*sitePost{}
	var months []monthKey
	var undated []*sitePost
	for _, p := range s.live {
		if p.Date.IsZero() {
			undated = append(undated, p)
			continue
		}
		d := p.Date.In(archive.ChinaTime)
		k := monthKey{d.Year(), int(d.Month())}
		if _, ok := byMonth[k]; !ok {
			months = append(months, k)
		}
		byMonth[k] = append(byMonth[k], p)
	}
	// s.live is newest first, so months are too.
	monthDir := func(k monthKey) string { return fmt.Sprintf("archive/%04d/%02d/", k.year, k.month) }
	yearDir := func(y int) string { return fmt.Sprintf("archive/%04d/", y) }

	// The overview: years with their months.
	v := s.newPage("archive", "archive", "../", "archive/")
	v.Title, v.Heading = "归档", "归档"
	for _, k := range months {
		if n := len(v.Groups); n == 0 || v.Groups[n-1].Name != strconv.Itoa(k.year)+" 年" {
			v.Groups = append(v.Groups, groupView{Name: strconv.Itoa(k.year) + " 年", URL: "../" + yearDir(k.year) + "index.html"})
		}
		g := &v.Groups[len(v.Groups)-1]
		g.Count += len(byMonth[k])
		g.Children = append(g.Children, groupView{Name: strconv.Itoa(k.month) + " 月", URL: "../" + monthDir(k) + "index.html", Count: len(byMonth[k])})
	}
	if len(undated) > 0 {
		posts, remote := s.postViews(undated, "../")
		v.Groups = append(v.Groups, groupView{Name: "未注明日期", Count: len(undated), Posts: posts})
		v.RemoteImages = remote
	}
	if err := s.writePage("archive", "archive/index.html", v); err != nil {
		return err
	}

	// One page per year listing its months' titles, one per month.
	var years [][]monthKey
	for _, k := range months {
		if n := len(years); n == 0 || years[n-1][0].year != k.year {
			years = append(years, nil)
		}
		years[len(years)-1] = append(years[len(years)-1], k)
	}
	return parallel(ctx, s.w.opts.Workers, len(years), func(i int) error {
		year := years[i][0].year
		dir := yearDir(year)
		root := rootOf(dir)
		yv := s.newPage("archive", "archive", root, dir)
		yv.Title = strconv.Itoa(year) + " 年"
		yv.Heading = yv.Title
		for _, k := range years[i] {
			posts, _ := s.postViews(byMonth[k], root)
			yv.Groups = append(yv.Groups, groupView{Name: strconv.Itoa(k.month) + " 月", URL: root + monthDir(k) + "index.html", Count: len(posts), Posts: posts})

			mdir := monthDir(k)
			mroot := rootOf(mdir)
			mv := s.newPage("archive", "archive", mroot, mdir)
			mv.Title = fmt.Sprintf("%d 年 %d 月", k.year, k.month)
			mv.Heading = mv.Title
			mv.Posts, _ = s.postViews(byMonth[k], mroot)
			if err := s.writePage("archive", mdir+"index.html", mv); err != nil {
				return err
			}
		}
		return s.writePage("archive", dir+"index.html", yv)
	})
}

func (s *siteBuild) writeAuthors(ctx context.Context) error {
	byAuthor := map[string][]*sitePost{}
	var names []string
	for _, p := range s.live {
		if p.AuthorSlug == "" {
			continue
		}
		if _, ok := byAuthor[p.Author]; !ok {
			names = append(names, p.Author)
		}
		byAuthor[p.Author] = append(byAuthor[p.Author], p)
	}
	slices.SortFunc(names, func(x, y string) int {
		if c := len(byAuthor[y]) - len(byAuthor[x]); c != 0 {
			return c
		}
		return strings.Compare(x, y)
	})
	v := s.newPage("authors", "authors", "../", "authors/")
	v.Title, v.Heading = "作者", "作者"
	for _, n := range names {
		slug := byAuthor[n][0].AuthorSlug
		v.Authors = append(v.Authors, linkView{Name: n, URL: linkPath(slug) + "/index.html", Count: len(byAuthor[n])})
	}
	err := parallel(ctx, s.w.opts.Workers, len(names), func(i int) error {
		n := names[i]
		dir := "authors/" + byAuthor[n][0].AuthorSlug + "/"
		root := rootOf(dir)
		av := s.newPage("author", "authors", root, dir)
		av.Title = n
		av.Heading = n + " 的文章"
		av.Posts, av.RemoteImages = s.postViews(byAuthor[n], root)
		return s.writePage("author", dir+"index.html", av)
	})
	if err != nil {
		return err
	}
	return s.writePage("authors", "authors/index.html", v)
}

func (s *siteBuild) writeSearchPage() error {
	v := s.newPage("search", "search", "../", "search/")
	v.Title = "搜索"
	return s.writePage("search", "search/index.html", v)
}

// writeNotFound writes 404.html, which static hosts (GitHub Pages,
// Netlify, Cloudflare Pages…) and mparchive serve show for an address
// that has no page. It is shown at that address, at any depth, so its
// links start from the site's root: the --base-url when there is one,
// else the host's root.
func (s *siteBuild) writeNotFound() error {
	root := "/"
	if b := s.w.opts.BaseURL; b != "" {
		root = strings.TrimSuffix(b, "/") + "/"
	}
	v := s.newPage("notfound", "", root, "")
	v.Canonical = ""
	v.Title = "找不到页面"
	return s.writePage("notfound", "404.html", v)
}

func (s *siteBuild) writeAssets() error {
	for _, p := range s.theme.assetPaths() {
		if _, err := writeOut(s.w.dir, "assets/"+p, s.theme.assets[p]); err != nil {
			return err
		}
	}
	return nil
}

// sitePagesPath is where the site writer records the list pages it wrote
// (home, archive, authors, search, materials…), so that a later run
// removes those it no longer writes, and never a page it did not write.
func sitePagesPath(dir string) string {
	return filepath.Join(dir, ".mparchive", "site-pages.json")
}

type sitePagesFile struct {
	Version int      `json:"version"`
	Pages   []string `json:"pages"` // slash-separated, below the site's root
}

// pruneListPages removes the list pages an earlier run wrote that this run
// did not (a narrower filter, an author gone), then the folders that left
// empty, and records this run's. Only files the record names are touched:
// an index.html the user put into archive/ or page/ stays.
func (s *siteBuild) pruneListPages() error {
	var old sitePagesFile
	if b, err := os.ReadFile(sitePagesPath(s.w.dir)); err == nil {
		// A damaged record only means nothing is pruned this time.
		_ = json.Unmarshal(b, &old)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	var gone []string
	for _, p := range old.Pages {
		if !s.listPages[p] && path.Base(p) == "index.html" {
			gone = append(gone, p)
		}
	}
	for _, p := range gone {
		if err := removeOut(s.w.dir, p); err != nil {
			return err
		}
	}
	// Deepest first; Remove fails harmlessly on a folder not empty, and
	// a link in place of a folder is never removed.
	slices.SortFunc(gone, func(x, y string) int { return strings.Count(y, "/") - strings.Count(x, "/") })
	for _, p := range gone {
		for d := path.Dir(p); d != "." && d != "/"; d = path.Dir(d) {
			full, err := checkOutPath(s.w.dir, d)
			if err != nil {
				break
			}
			if os.Remove(full) != nil {
				break
			}
		}
	}
	rec := sitePagesFile{Version: 1, Pages: make([]string, 0, len(s.listPages))}
	for p := range s.listPages {
		rec.Pages = append(rec.Pages, p)
	}
	slices.Sort(rec.Pages)
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	_, err = archive.WriteFileDurable(sitePagesPath(s.w.dir), append(b, '\n'))
	return err
}
