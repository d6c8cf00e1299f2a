package output

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumBinary finds Chromium; developers without it skip, CI must have it.
func chromiumBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: runs Chromium")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "" {
		t.Skip("chromium not on PATH (apt-get install chromium); CI runs this test")
	}
	t.Fatal("chromium not on PATH, and CI is set: the CI setup must install it")
	return ""
}

// artifactsDir is where screenshots go: $MPARCHIVE_ARTIFACTS, or the
// repository's git-ignored testdata/artifacts.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("MPARCHIVE_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "testdata", "artifacts")
	}
	dir = filepath.Join(dir, "site")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	t.Logf("screenshots in %s", abs)
	return abs
}

// browserWatch records what a page did that a self-contained site must
// never do: ask anything of another machine, fail a request, log an error.
type browserWatch struct {
	mu       sync.Mutex
	problems []string
}

func (w *browserWatch) add(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.problems = append(w.problems, s)
}

func (w *browserWatch) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.problems
	w.problems = nil
	return p
}

func isLocalURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "file", "data", "about", "blob":
		return true
	case "http", "https", "ws", "wss":
		h := u.Hostname()
		return h == "127.0.0.1" || h == "localhost" || h == "::1"
	}
	return false
}

func (w *browserWatch) listen(ctx context.Context) error {
	return chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			if !isLocalURL(ev.Request.URL) {
				w.add("request leaves the machine: " + ev.Request.URL)
			}
		case *network.EventLoadingFailed:
			w.add("request failed: " + ev.ErrorText + " (" + string(ev.Type) + ")")
		case *network.EventResponseReceived:
			if ev.Response.Status >= 400 {
				w.add("HTTP " + ev.Response.StatusText + ": " + ev.Response.URL)
			}
		case *runtime.EventExceptionThrown:
			w.add("uncaught exception: " + ev.ExceptionDetails.Text + " " + exceptionText(ev.ExceptionDetails))
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value))
				}
				w.add("console." + string(ev.Type) + ": " + strings.Join(parts, " "))
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				w.add("browser log: " + ev.Entry.Text + " " + ev.Entry.URL)
			}
		}
	})
}

// startBrowser starts headless Chromium for ctx, with the watch listening
// before the first page so that no request goes unseen.
func startBrowser(t *testing.T, ctx context.Context, chromium string) (context.Context, *browserWatch) {
	t.Helper()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
	)
	t.Cleanup(cancelAlloc)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	watch := &browserWatch{}
	// The first action starts the browser.
	if _, err := chromedp.Call(browserCtx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(browserCtx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(browserCtx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if err := watch.listen(browserCtx); err != nil {
		t.Fatal(err)
	}
	return browserCtx, watch
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil {
		return d.Exception.Description
	}
	return ""
}
