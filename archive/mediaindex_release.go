package archive

// A build reads the media index while it converts the articles, and not
// after: ReleaseMedia lets it drop the index (some 400 bytes an article)
// before it writes the lists, and the index is read again from its files
// if anything asks for it later.

// ReleaseMedia frees the media index in memory, unless it holds what its
// files do not (media stored since the last Flush) or a walk's meetings
// (MeetMedia). The next use of the index loads it again.
func (a *Archive) ReleaseMedia() {
	a.mu.Lock()
	defer a.mu.Unlock()
	ix := &a.media
	if ix.released || len(ix.pending) > 0 || ix.met != nil || ix.metOdd != nil {
		return
	}
	a.media = mediaIndex{released: true}
}

// mediaIn loads the index again after ReleaseMedia; a.mu held. If its
// files no longer read, the index stays empty and the error is returned
// (lookups then find nothing, as in an archive without media).
func (a *Archive) mediaIn() error {
	if !a.media.released {
		return nil
	}
	var ix mediaIndex
	err := ix.load(a.dir)
	if err != nil {
		ix = mediaIndex{}
	}
	a.media = ix
	return err
}
