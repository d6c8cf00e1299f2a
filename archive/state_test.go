package archive

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSaveStateWritesMarshalIndent pins state.json to the bytes earlier
// versions wrote with json.MarshalIndent, which SaveState now streams: an
// archive a new version re-saves unchanged stays byte-identical, and old
// versions read what new ones write.
func TestSaveStateWritesMarshalIndent(t *testing.T) {
	full := func() *State {
		st := (&State{}).init()
		st.Cursor(Published).Offset = 40
		st.Cursor(Published).Incomplete = true
		st.Cursor(News).TotalCount = 7
		st.Sources[Drafts] = nil
		st.Items["news/b"] = 2
		st.Items["news/a<&>\u2028é"] = 1
		st.Items["published/z"] = -3
		st.Removed["news/old"] = Removal{LastSeen: "2026-01-01", Noticed: "2026-02-01"}
		st.Removed["news/\"q\""] = Removal{}
		st.FailedMedia["https://x/1?a=1&b=<2>"] = "HTTP 503 <html>"
		st.Unavailable["https://x/2"] = Unavailable{What: "image", Reason: "HTTP 404", Since: "2026-03-01"}
		st.Quota = &QuotaStop{Endpoint: "/cgi-bin/freepublish/batchget", ResetAt: time.Date(2026, 11, 27, 0, 0, 0, 0, ChinaTime)}
		st.Refused[Published] = Refusal{Endpoint: "/cgi-bin/freepublish/batchget", Code: 48001, Since: "2026-07-01"}
		st.Account = &Account{Name: "号 <b>", ID: "MzA="}
		return st
	}
	for _, tc := range []struct {
		name string
		st   *State
	}{
		{"empty", (&State{}).init()},
		{"nil maps", &State{}},
		{"full", full()},
		{"items only", &State{Items: map[string]int64{"news/1": 1}}},
		{"account only", &State{Account: &Account{}}},
		{"quota and failed", &State{Quota: &QuotaStop{}, FailedMedia: map[string]string{"k": ""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.MarshalIndent(tc.st, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, '\n')
			if err := a.SaveState(tc.st); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(a.Dir(), stateFile))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("state.json:\n%s\nwant (json.MarshalIndent):\n%s", got, want)
			}
		})
	}
}
