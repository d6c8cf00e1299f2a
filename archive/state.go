package archive

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// State is what a later run needs to carry on where this one stopped. It
// holds no wall-clock time of its own, so that a run that changes nothing
// leaves state.json byte-identical.
type State struct {
	// Sources holds the paging cursor of each source.
	Sources map[Source]*Cursor `json:"sources,omitempty"`
	// FailedMedia maps the key of each download that failed to its last
	// error; the next run retries them.
	FailedMedia map[string]string `json:"failed_media,omitempty"`
	// Quota is set while a daily quota is spent.
	Quota *QuotaStop `json:"quota,omitempty"`
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
}

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

// SaveState writes the state atomically.
func (a *Archive) SaveState(st *State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	_, err = WriteFileDurable(filepath.Join(a.dir, stateFile), append(b, '\n'))
	return err
}
