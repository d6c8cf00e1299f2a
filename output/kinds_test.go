package output

import (
	"encoding/json"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"

	"github.com/mparchive/mparchive/render"
)

// kindsWant is what the front matter of each post of the kinds fixture
// says, by its media_id.
var kindsWant = map[string]PostMeta{
	"N_article":  {Account: kindsAccount, AccountID: kindsBiz},
	"P_newspic":  {Account: kindsAccount, AccountID: kindsBiz, Type: "picture"},
	"U_picture":  {Account: kindsAccount, AccountID: kindsBiz, Type: "picture", Original: true},
	"U_text":     {Account: kindsAccount, AccountID: kindsBiz, Type: "text", Original: true},
	"U_share":    {Account: kindsAccount, AccountID: kindsBiz, Type: "share", SharedFrom: kindsSharedLink},
	"U_video":    {Account: kindsAccount, AccountID: kindsBiz, Type: "video"},
	"U_paid":     {Account: kindsAccount, AccountID: kindsBiz, Original: true, Paid: true},
	"U_showtype": {Account: kindsAccount, AccountID: kindsBiz, Type: "show-type-7"},
	// Another account's page keeps its own name, hostile as it is.
	"U_other": {Account: kindsOtherName, AccountID: kindsOtherBiz},
}

// TestKindsFrontMatter writes the kinds fixture in every Markdown format,
// compares the trees with testdata/<format>/kinds.txtar, and reads each
// page's front matter back with a real YAML or TOML parser.
//
//	go test ./output -run TestKindsFrontMatter -update
func TestKindsFrontMatter(t *testing.T) {
	a := kindsArchive(t)
	for _, format := range append([]string{"hugo"}, newFormats...) {
		t.Run(format, func(t *testing.T) {
			out := t.TempDir()
			res, err := newWriter(t, format, out, Options{Converter: listingConverter{}}).Write(t.Context(), a)
			if err != nil || len(res.Failed) > 0 {
				t.Fatalf("%+v %v", res, err)
			}
			got := treeTxtar(t, out)
			got.Comment = []byte("Files written by --format " + format + " for the kinds fixture (kinds_fixture_test.go); regenerate with go test ./output -run TestKindsFrontMatter -update.\n")
			compareGolden(t, format, "kinds", got)

			seen := map[string]bool{}
			for _, f := range got.Files {
				if !strings.HasSuffix(f.Name, ".md") || strings.HasSuffix(f.Name, "_index.md") || f.Name == "index.md" {
					continue
				}
				page, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(f.Name)))
				if err != nil {
					t.Fatal(err)
				}
				id, meta := readPostMeta(t, format, page)
				want, ok := kindsWant[id]
				if !ok {
					t.Errorf("%s: media_id %q is no post of the fixture", f.Name, id)
					continue
				}
				seen[id] = true
				if format == "hugo" {
					// Hugo's own `type` would move the page out of the
					// lists of most themes.
					want.PostType, want.Type = want.Type, ""
				}
				if meta != want {
					t.Errorf("%s: %s front matter\n got %+v\nwant %+v", format, id, meta, want)
				}
			}
			if len(seen) != len(kindsWant) {
				t.Errorf("%d posts read back, want %d", len(seen), len(kindsWant))
			}
		})
	}
}

// readPostMeta reads media_id and the PostMeta keys of a page's front
// matter.
func readPostMeta(t *testing.T, format string, page []byte) (string, PostMeta) {
	t.Helper()
	if format == "zola" {
		var fm struct {
			Extra struct {
				MediaID    string `toml:"media_id"`
				Account    string `toml:"account"`
				AccountID  string `toml:"account_id"`
				Original   bool   `toml:"original"`
				Paid       bool   `toml:"paid"`
				Type       string `toml:"type"`
				SharedFrom string `toml:"shared_from"`
			} `toml:"extra"`
		}
		rest, _ := strings.CutPrefix(string(page), "+++\n")
		head, _, ok := strings.Cut(rest, "\n+++\n")
		if !ok {
			t.Fatalf("no TOML front matter:\n%s", page)
		}
		if _, err := toml.Decode(head, &fm); err != nil {
			t.Fatalf("TOML: %v\n%s", err, page)
		}
		e := fm.Extra
		return e.MediaID, PostMeta{Account: e.Account, AccountID: e.AccountID, Original: e.Original, Paid: e.Paid, Type: e.Type, SharedFrom: e.SharedFrom}
	}
	head, ok := splitFrontMatter(page)
	if !ok {
		t.Fatalf("no front matter:\n%s", page)
	}
	var fm struct {
		MediaID  string `yaml:"media_id"`
		PostMeta `yaml:",inline"`
	}
	if err := yaml.Unmarshal(head, &fm); err != nil {
		t.Fatalf("YAML: %v\n%s", err, page)
	}
	return fm.MediaID, fm.PostMeta
}

// TestHugoBuildsKinds runs the real Hugo over the kinds fixture written with
// the real converter: the account, the badges, the share's original and
// the picture post's gallery show, and the hostile account name is text.
func TestHugoBuildsKinds(t *testing.T) {
	hugo := hugoBinary(t)
	site := t.TempDir()
	res, err := NewHugo(site, Options{Converter: render.New()}).Write(t.Context(), kindsArchive(t))
	if err != nil || len(res.Failed) > 0 {
		t.Fatalf("%+v %v", res, err)
	}
	public := t.TempDir()
	out, err := exec.CommandContext(t.Context(), hugo, "--source", site, "--destination", public, "--cacheDir", t.TempDir()).CombinedOutput()
	if err != nil {
		t.Fatalf("hugo: %v\n%s", err, out)
	}
	checkToolOutput(t, "hugo", out, "ERROR", "WARN")
	slugs := readSlugs(t, site)
	page := func(key string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(public, "posts", slugs[key], "index.html"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for key := range slugs {
		p := page(key)
		if strings.Contains(p, "<script>alert(1)") {
			t.Errorf("%s: an unescaped <script> from the account's name", key)
		}
		gallery := strings.Count(p, `class="gallery-item"`)
		if want := map[bool]int{true: len(kindsPictures)}[key == "urls/U_picture/1"]; gallery != want && key != "published/P_newspic/1" {
			t.Errorf("%s: %d gallery pictures, want %d", key, gallery, want)
		}
	}

	picture := page("urls/U_picture/1")
	for _, want := range []string{`<span class="account">测试公众号</span>`, `<span class="badge">图片</span>`, `<span class="badge original">原创</span>`, `class="content gallery"`} {
		if !strings.Contains(picture, want) {
			t.Errorf("picture post lacks %s", want)
		}
	}
	for _, m := range regexp.MustCompile(`<a class="gallery-item" href="([^"]+)"><img src="([^"]+)"`).FindAllStringSubmatch(picture, -1) {
		if m[1] != m[2] {
			t.Errorf("thumbnail %s opens %s", m[2], m[1])
		}
		if _, err := os.Stat(filepath.Join(public, "posts", slugs["urls/U_picture/1"], filepath.FromSlash(m[1]))); err != nil {
			t.Errorf("gallery picture %s not published: %v", m[1], err)
		}
	}
	share := page("urls/U_share/1")
	if want := `转载自<a href="` + strings.ReplaceAll(kindsSharedLink, "&", "&amp;") + `">原文</a>`; !strings.Contains(share, want) {
		t.Errorf("share lacks %s", want)
	}
	if !strings.Contains(share, `<span class="badge">转载</span>`) {
		t.Error("share lacks its badge")
	}
	if !strings.Contains(page("news/N_article/1"), `<span class="account">测试公众号</span>`) {
		t.Error("the API's article does not name the account")
	}
	if p := page("urls/U_paid/1"); !strings.Contains(p, `<span class="badge paid">付费</span>`) {
		t.Error("paid article lacks its badge")
	}
	if p := page("urls/U_showtype/1"); !strings.Contains(p, `<span class="badge">其他</span>`) {
		t.Error("unknown show type lacks its badge")
	}
	other := html.UnescapeString(page("urls/U_other/1"))
	if !strings.Contains(other, kindsOtherName) {
		t.Errorf("the other account's name is not shown as text:\n%s", other)
	}
	home, err := os.ReadFile(filepath.Join(public, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(home), "<li>"); n != len(kindsWant) {
		t.Errorf("home page lists %d posts, want %d (a `type` key would hide some)", n, len(kindsWant))
	}
}

func readSlugs(t *testing.T, dir string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(slugMapPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Slugs map[string]string `json:"slugs"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m.Slugs
}

// TestJekyllBuildsKinds runs Debian's Jekyll over the kinds fixture: the new
// front matter keys (type among them) and the hostile account name, whose
// Liquid is only text, build every page without a warning.
func TestJekyllBuildsKinds(t *testing.T) {
	jekyll := needTool(t, "jekyll", "apt-get install jekyll")
	site := t.TempDir()
	res, err := newWriter(t, "jekyll", site, Options{Converter: render.New()}).Write(t.Context(), kindsArchive(t))
	if err != nil || len(res.Failed) > 0 {
		t.Fatalf("%+v %v", res, err)
	}
	dest := t.TempDir()
	cmd := exec.CommandContext(t.Context(), jekyll, "build", "--safe", "--source", site, "--destination", dest)
	cmd.Env = append(os.Environ(), "TZ=UTC", "JEKYLL_ENV=production")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("jekyll build: %v\n%s", err, out)
	}
	checkToolOutput(t, "jekyll", out, "Warning", "Error", "does not exist")
	pages, _ := filepath.Glob(filepath.Join(dest, "20*", "*", "*", "*", "index.html"))
	if len(pages) != len(kindsWant) {
		t.Errorf("%d pages, want %d", len(pages), len(kindsWant))
	}
	shares := 0
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "<script>alert(1)") {
			t.Errorf("%s: an unescaped <script> from the account's name", p)
		}
		if strings.Contains(html.UnescapeString(string(b)), "来自公众号「"+kindsOtherName+"」") {
			shares++
		}
	}
	if shares != 1 {
		t.Errorf("%d pages show the share's card with the account's name as text, want 1", shares)
	}
}

// TestHexoBuildsKinds runs the real Hexo over the kinds fixture: the new
// front matter keys and the hostile account name build every page without
// a warning, and the name stays text.
func TestHexoBuildsKinds(t *testing.T) {
	node := needTool(t, "node", "apt-get install nodejs")
	modules := hexoModules(t)
	site := t.TempDir()
	res, err := newWriter(t, "hexo", site, Options{Converter: render.New()}).Write(t.Context(), kindsArchive(t))
	if err != nil || len(res.Failed) > 0 {
		t.Fatalf("%+v %v", res, err)
	}
	if err := os.Symlink(modules, filepath.Join(site, "node_modules")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), node, filepath.Join("node_modules", "hexo", "bin", "hexo"), "generate")
	cmd.Dir = site
	cmd.Env = append(os.Environ(), "TZ=UTC")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("hexo generate: %v\n%s", err, out)
	}
	checkToolOutput(t, "hexo", out, "WARN", "ERROR", "No layout")
	pages, _ := filepath.Glob(filepath.Join(site, "public", "posts", "*", "index.html"))
	if len(pages) != len(kindsWant) {
		t.Errorf("%d pages, want %d", len(pages), len(kindsWant))
	}
	shares := 0
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "<script>alert(1)") {
			t.Errorf("%s: an unescaped <script> from the account's name", p)
		}
		if strings.Contains(html.UnescapeString(string(b)), "来自公众号「"+kindsOtherName+"」") {
			shares++
		}
	}
	if shares != 1 {
		t.Errorf("%d pages show the share's card with the account's name as text, want 1", shares)
	}
}
