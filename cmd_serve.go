package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// runServe previews a built site folder over HTTP on localhost. The site
// works from file:// as well; serving shows it the way a static host will,
// feed and sitemap with their proper types.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "serve DIR [--listen 127.0.0.1:8080]", stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on; keep it on loopback unless you mean to share the site")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("serve takes one folder, the site built with --format site")
	}
	dir := rest[0]
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a folder", dir)
	}
	if err := checkServable(dir); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           siteHandler(dir),
		ReadHeaderTimeout: 10 * time.Second,
	}
	fmt.Fprintf(stdout, "Serving %s at http://%s/ (Ctrl-C to stop)\n", dir, ln.Addr())

	return serveUntilDone(ctx, srv, ln)
}

// serveUntilDone serves srv on ln until ctx ends (the user's Ctrl-C), then
// shuts it down, giving requests under way 5 s to finish.
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// siteTypes are the content types the site's files need whatever the
// system's MIME tables say (minimal containers often have none).
var siteTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".json": "application/json",
	".xml":  "application/xml; charset=utf-8",
	".txt":  "text/plain; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".gif":  "image/gif",
	".webp": "image/webp",
}

// siteHandler serves dir the way a static host serves a site: regular
// files, and a folder's index.html for the folder. It serves no listing
// of a folder, nothing reached through a symbolic link (a link in the
// folder could lead anywhere on the machine), and nothing of the archive
// folder (.mparchive) or other dot files, which are not part of the site.
func siteHandler(dir string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := path.Clean("/" + r.URL.Path)
		file, isDir, ok := siteFile(dir, p)
		if !ok {
			notFound(w, r, dir)
			return
		}
		if isDir && !strings.HasSuffix(r.URL.Path, "/") {
			// Relative links in the folder's index.html need the slash.
			http.Redirect(w, r, path.Base(p)+"/", http.StatusMovedPermanently)
			return
		}
		f, err := os.Open(file)
		if err != nil {
			notFound(w, r, dir)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil || !st.Mode().IsRegular() {
			notFound(w, r, dir)
			return
		}
		ext := strings.ToLower(filepath.Ext(file))
		if t, ok := siteTypes[ext]; ok {
			w.Header().Set("Content-Type", t)
		} else if t := mime.TypeByExtension(ext); t != "" {
			w.Header().Set("Content-Type", t)
		} else {
			w.Header().Set("Content-Type", "application/octet-stream")
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		if ext == ".svg" {
			// The site's SVGs are sanitized; opened on their own they
			// still get no script and load nothing.
			w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox")
		}
		http.ServeContent(w, r, "", st.ModTime(), f)
	})
}

// notFound answers 404 with the site's own 404.html, as static hosts do,
// or a plain message for a folder without one.
func notFound(w http.ResponseWriter, r *http.Request, dir string) {
	if file, _, ok := siteFile(dir, "/404.html"); ok {
		if page, err := os.ReadFile(file); err == nil {
			w.Header().Set("Content-Type", siteTypes[".html"])
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.Header().Set("Referrer-Policy", "no-referrer")
			w.WriteHeader(http.StatusNotFound)
			if r.Method != http.MethodHead {
				_, _ = w.Write(page)
			}
			return
		}
	}
	http.NotFound(w, r)
}

// siteFile maps a cleaned URL path to the file to serve: the file itself,
// or a folder's index.html (isDir). ok is false for dot files, anything
// reached through a symbolic link, anything not a regular file, and a
// folder without an index.html.
func siteFile(dir, urlPath string) (file string, isDir, ok bool) {
	cur := dir
	for _, part := range strings.Split(strings.Trim(urlPath, "/"), "/") {
		if part == "" {
			continue
		}
		if strings.HasPrefix(part, ".") || strings.ContainsAny(part, `\`) {
			return "", false, false
		}
		cur = filepath.Join(cur, part)
		st, err := os.Lstat(cur)
		if err != nil || st.Mode()&os.ModeSymlink != 0 {
			return "", false, false
		}
	}
	st, err := os.Lstat(cur)
	if err != nil {
		return "", false, false
	}
	if st.IsDir() {
		index := filepath.Join(cur, "index.html")
		ist, err := os.Lstat(index)
		if err != nil || !ist.Mode().IsRegular() {
			return "", false, false
		}
		return index, urlPath != "/", true
	}
	if !st.Mode().IsRegular() {
		return "", false, false
	}
	return cur, false, true
}
