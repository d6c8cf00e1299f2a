package archive

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// State is what a later run needs to carry on where this one stopped. It
// changes only when the archive does: times in it are days, and are set
// only by runs that change something, so a run that finds nothing new
// leaves state.json byte-identical, and a killed run that is run again ends
// with the state an uninterrupted run would have written the same day.
type State struct {
	// Sources holds the paging cursor of each source.
	Sources map[Source]*Cursor `json:"sources,omitempty"`
	// Items maps each stored item ("source/id") to its update_time, so a
	// run knows what is new or changed without reading the item files.
	Items map[string]int64 `json:"items,omitempty"`
	// Removed maps items ("source/id") that upstream no longer lists to
	// when that was noticed. They stay in the archive.
	Removed map[string]Removal `json:"removed,omitempty"`
	// FailedMedia maps the key of each download that failed to its last
	// error; the next run retries them.
	FailedMedia map[string]string `json:"failed_media,omitempty"`
	// Unavailable maps the media keys and article links that failed in a
	// way no re-run fixes (an image that is 404, a deleted page) to what
	// happened. Later runs do not retry them, except a full listing, and
	// do not count them as failures.
	Unavailable map[string]Unavailable `json:"unavailable,omitempty"`
	// Quota is set while a daily quota is spent.
	Quota *QuotaStop `json:"quota,omitempty"`
	// Refused maps the sources WeChat refuses this account (48001 on the
	// source's list endpoint) to when that was found. It is a fact of the
	// account, not a failure: a run skips these sources unless they are
	// asked for by name, and a listing that succeeds again clears them.
	Refused map[Source]Refusal `json:"refused,omitempty"`
	// Account is the account the archive backs up, as far as it is
	// known (see account.go).
	Account *Account `json:"account,omitempty"`
}

// Refusal records that WeChat refused the account a source. Since July 2025
// that is what personal and unverified accounts get on freepublish/*.
type Refusal struct {
	Endpoint string `json:"endpoint"`
	Code     int    `json:"errcode"`
	// Since is the day (Beijing time) the refusal was first met; later
	// refusals leave it alone, so the state does not change every day.
	Since string `json:"since"`
}

// Unavailable records a file or page that cannot be had.
type Unavailable struct {
	What   string `json:"what"`   // image, voice, video, material or page
	Reason string `json:"reason"` // the failure, as reported
	// Since is the day (Beijing time) it was first found; later failures
	// leave it alone, so the state does not change every day.
	Since string `json:"since"`
}

// Cursor is where paging of one source stands.
type Cursor struct {
	// Offset is the next offset to ask for. It is 0 once a listing ran to
	// the end, so the next run lists from the start again.
	Offset int `json:"offset"`
	// Incomplete is true while a listing was cut short (quota, Ctrl-C, a
	// crash after a page): the next run continues from Offset.
	Incomplete bool `json:"incomplete,omitempty"`
	// TotalCount is total_count as last seen.
	TotalCount int `json:"total_count"`
	// ListedOn is the day (Beijing time, 2006-01-02) of the last complete
	// listing that changed something in this source: the best record of
	// when its items were last seen upstream that does not make every
	// no-change run rewrite the state.
	ListedOn string `json:"listed_on,omitempty"`
}

// Removal records an item that upstream stopped listing.
type Removal struct {
	// LastSeen is the day of the last recorded listing that still had it.
	LastSeen string `json:"last_seen"`
	// Noticed is the day the first complete listing without it ran.
	Noticed string `json:"noticed"`
}

// Day formats t as the Beijing-time day used in the state.
func Day(t time.Time) string { return t.In(ChinaTime).Format("2006-01-02") }

// QuotaStop records that an endpoint's daily quota ran out.
type QuotaStop struct {
	Endpoint string    `json:"endpoint"`
	ResetAt  time.Time `json:"reset_at"`
}

// LoadState reads the archive's state; a missing file is an empty state.
func (a *Archive) LoadState() (*State, error) {
	st := &State{}
	b, err := os.ReadFile(filepath.Join(a.dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return st.init(), nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("archive: %s is damaged (%v); delete it to start paging from the beginning (nothing stored is lost)", filepath.Join(a.dir, stateFile), err)
	}
	return st.init(), nil
}

func (st *State) init() *State {
	if st.Sources == nil {
		st.Sources = map[Source]*Cursor{}
	}
	if st.FailedMedia == nil {
		st.FailedMedia = map[string]string{}
	}
	if st.Items == nil {
		st.Items = map[string]int64{}
	}
	if st.Removed == nil {
		st.Removed = map[string]Removal{}
	}
	if st.Refused == nil {
		st.Refused = map[Source]Refusal{}
	}
	if st.Unavailable == nil {
		st.Unavailable = map[string]Unavailable{}
	}
	return st
}

// Cursor returns the cursor of src, creating it if needed.
func (st *State) Cursor(src Source) *Cursor {
	c := st.Sources[src]
	if c == nil {
		c = &Cursor{}
		st.Sources[src] = c
	}
	return c
}

// ItemKey is the key of an item in State.Items and State.Removed.
func ItemKey(src Source, id string) string { return string(src) + "/" + id }

// SaveState writes the state atomically, in the form json.MarshalIndent
// gives it (which is what earlier versions wrote and what every version
// reads), but streamed: its maps grow with the account, and a checkpoint
// that built the whole file in memory, twice over for the indent, made a
// large account's fetch take several times its state's size at each one.
// A state equal to the file's leaves the file alone.
func (a *Archive) SaveState(st *State) error {
	_, err := writeFileStream(filepath.Join(a.dir, stateFile), st.writeJSON)
	return err
}

// writeJSON writes st as json.MarshalIndent(st, "", "  ") does, followed
// by a newline: the fields in State's order, those empty left out, map
// keys sorted.
func (st *State) writeJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	obj := newJSONObject(bw, 0)
	field, value := obj.key, obj.entry
	var err error
	if len(st.Sources) > 0 {
		err = value("sources", st.Sources)
	}
	if err == nil && len(st.Items) > 0 {
		if err = field("items"); err == nil {
			err = writeMapJSON(bw, st.Items)
		}
	}
	if err == nil && len(st.Removed) > 0 {
		if err = field("removed"); err == nil {
			err = writeMapJSON(bw, st.Removed)
		}
	}
	if err == nil && len(st.FailedMedia) > 0 {
		if err = field("failed_media"); err == nil {
			err = writeMapJSON(bw, st.FailedMedia)
		}
	}
	if err == nil && len(st.Unavailable) > 0 {
		if err = field("unavailable"); err == nil {
			err = writeMapJSON(bw, st.Unavailable)
		}
	}
	if err == nil && st.Quota != nil {
		err = value("quota", st.Quota)
	}
	if err == nil && len(st.Refused) > 0 {
		err = value("refused", st.Refused)
	}
	if err == nil && st.Account != nil {
		err = value("account", st.Account)
	}
	return obj.endFile(err)
}

// writeMapJSON writes m, not empty, as a field of State in the indented
// form, an entry at a time: only its sorted keys are held at once, not its
// encoding.
func writeMapJSON[V any](bw *bufio.Writer, m map[string]V) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	obj := newJSONObject(bw, 1)
	for _, k := range keys {
		if err := obj.entry(k, m[k]); err != nil {
			return err
		}
	}
	return obj.end()
}
