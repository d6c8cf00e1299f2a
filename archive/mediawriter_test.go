package archive

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMediaWriter: a file written in pieces is stored exactly as PutMedia
// stores the same bytes, once per content, and leaves no temp file behind,
// committed or discarded.
func TestMediaWriter(t *testing.T) {
	a, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("\x89PNG\r\n\x1a\n streamed bytes "), 5000)
	want, err := a.PutMedia("https://example.org/a.png", data, ".png", "image/png")
	if err != nil {
		t.Fatal(err)
	}
	w, err := a.NewMediaWriter()
	if err != nil {
		t.Fatal(err)
	}
	for rest := data; len(rest) > 0; {
		n := min(len(rest), 777)
		if _, err := w.Write(rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	if !bytes.Equal(w.Head(), data[:MediaHeadBytes]) || w.Size() != int64(len(data)) || w.SHA256() != want.SHA256 {
		t.Errorf("head %q…, size %d, sum %s; want the first %d bytes, %d, %s", w.Head()[:8], w.Size(), w.SHA256(), MediaHeadBytes, len(data), want.SHA256)
	}
	got, err := w.Commit("https://example.org/b.png", ".png", "image/png")
	if err != nil || got != want {
		t.Fatalf("Commit = %+v, %v; want %+v", got, err, want)
	}
	if e, ok := a.Media("https://example.org/b.png"); !ok || e != want {
		t.Errorf("index has %+v", e)
	}
	if _, err := w.Commit("again", ".png", "image/png"); err == nil {
		t.Error("a second Commit succeeded")
	}

	d, err := a.NewMediaWriter()
	if err != nil {
		t.Fatal(err)
	}
	d.Write([]byte("dropped"))
	d.Discard()
	d.Discard()

	e, err := a.PutMediaFrom("https://example.org/c.bin", strings.NewReader("other content"), ".bin", "application/octet-stream")
	if err != nil || e.Size != int64(len("other content")) {
		t.Errorf("PutMediaFrom = %+v, %v", e, err)
	}
	if b, err := os.ReadFile(a.MediaPath(e)); err != nil || string(b) != "other content" {
		t.Errorf("stored %q, %v", b, err)
	}
	filepath.WalkDir(a.Dir(), func(p string, de os.DirEntry, err error) error {
		if err == nil && isTempName(de.Name()) {
			t.Errorf("temp file left: %s", p)
		}
		return err
	})
}
