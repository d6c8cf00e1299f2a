package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/mparchive/mparchive/exporter/wechattest"
)

func runFakeAPI(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("fake-api", "fake-api [--listen 127.0.0.1:PORT] [--articles N] [--seed S] [flags]\n\n"+
		"Serves a fake WeChat API with a generated account until interrupted, so that mparchive\n"+
		"can be tried and benchmarked without an account:\n"+
		"  mparchive fake-api --listen 127.0.0.1:8099 --articles 500 &\n"+
		"  MPARCHIVE_APPID=any MPARCHIVE_SECRET=any mparchive export --api-base http://127.0.0.1:8099 -o out", stderr)
	listen := fs.String("listen", "127.0.0.1:8099", "address to listen on")
	var ff fakeFlags
	ff.register(fs)
	var verbose bool
	fs.BoolVar(&verbose, "v", false, "log every request (tokens and secrets are never logged)")
	if err := parseFlagsOnly(fs, args); err != nil {
		return err
	}
	opts, err := ff.options()
	if err != nil {
		return err
	}
	if verbose {
		logger := log.New(stderr, "fake-api ", log.LstdFlags)
		opts.Logf = logger.Printf
	}
	srv, err := wechattest.New(opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	srv.SetBaseURL(base)
	if ff.links != "" {
		links, err := writeLinks(srv, ff.links)
		if err != nil {
			ln.Close()
			return err
		}
		fmt.Fprintf(stdout, "wrote %d page-only links to %s (export with --source urls --urls %s --page-base %s)\n", len(links), ff.links, ff.links, base)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "fake WeChat API listening on %s\n", base)
	fmt.Fprintf(stdout, "try: MPARCHIVE_APPID=any MPARCHIVE_SECRET=any mparchive export --api-base %s -o out\n", base)
	if opts.Personal {
		fmt.Fprintf(stdout, "a personal account: freepublish answers 48001; see MPARCHIVE_APPID=any MPARCHIVE_SECRET=any mparchive check --api-base %s\n", base)
	}
	return serveUntilDone(ctx, hs, ln)
}

// fakeFlags are the flags of fake-api that shape the account it serves;
// the CLI test suite's fakeapi command takes them too
// (scripts_test.go).
type fakeFlags struct {
	opts      wechattest.Options
	faultRate float64
	links     string
}

func (f *fakeFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.opts.Articles, "articles", 100, "articles reachable through the default sources (news + published)")
	fs.IntVar(&f.opts.Drafts, "drafts", 0, "draft articles on top (0: a tenth of --articles; -1: none)")
	fs.Int64Var(&f.opts.Seed, "seed", 1, "seed of the generated account: the same seed gives the same account")
	fs.BoolVar(&f.opts.Demo, "demo", false, "serve the hand-written demo account instead of a generated one")
	fs.DurationVar(&f.opts.Latency, "latency", 0, "delay before every answer, e.g. 20ms")
	fs.Float64Var(&f.faultRate, "fault-rate", 0, "probability (0..1) that a call fails: errcode -1, 45011, HTTP 5xx, truncated or slow body, reset")
	fs.IntVar(&f.opts.MissingImages, "missing-images", 0, "content images that answer 404")
	fs.IntVar(&f.opts.MassSent, "mass-sent", 0, "articles that only have a web page (mass-sent after the draft-box switch), for --source urls")
	fs.BoolVar(&f.opts.Personal, "personal", false, "be a personal or unverified account as WeChat treats them since July 2025: every freepublish call answers 48001, so published articles only have pages")
	fs.IntVar(&f.opts.PicturePosts, "picture-posts", 0, "page-only picture posts (图片分享), for --source urls")
	fs.IntVar(&f.opts.TextPosts, "text-posts", 0, "page-only text posts (文本分享), for --source urls")
	fs.IntVar(&f.opts.SharePosts, "share-posts", 0, "page-only shares of another account's article (文章分享); the originals are served too")
	fs.IntVar(&f.opts.VideoPosts, "video-posts", 0, "page-only video posts, for --source urls")
	fs.IntVar(&f.opts.Newspic, "newspic", 0, "picture posts the API lists (article_type newspic), published items and drafts in turn")
	fs.StringVar(&f.links, "links", "", "write the links of the page-only articles (mass-sent and the post kinds above) to this file, for --urls")
	fs.StringVar(&f.opts.AppID, "appid", "", "accept only this AppID (default: any)")
	fs.StringVar(&f.opts.Secret, "secret", "", "accept only this AppSecret (default: any)")
}

// options checks the flags and gives the fake's options.
func (f *fakeFlags) options() (wechattest.Options, error) {
	if f.faultRate < 0 || f.faultRate > 1 {
		return wechattest.Options{}, usagef("--fault-rate must be between 0 and 1")
	}
	opts := f.opts
	opts.FaultRate = f.faultRate
	return opts, nil
}

// writeLinks writes the links of the fake's page-only articles to path,
// one a line, and returns them.
func writeLinks(srv *wechattest.Server, path string) ([]string, error) {
	links := srv.PageLinks()
	var list strings.Builder
	for _, l := range links {
		list.WriteString(l + "\n")
	}
	return links, os.WriteFile(path, []byte(list.String()), 0o644)
}
