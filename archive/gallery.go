package archive

import "strings"

// TextContent is Content without the pictures of a picture post, which the
// decoding puts after the text one to a paragraph (picturesHTML), for
// outputs that lay Pictures out themselves, as a gallery. ok is false, and
// Content comes back whole, for any other article, and should Content not
// end with its pictures.
func (a *Article) TextContent() (body string, ok bool) {
	if a.Type != PostPicture || len(a.Pictures) == 0 {
		return a.Content, false
	}
	body, ok = strings.CutSuffix(a.Content, picturesHTML(a.Pictures))
	if !ok {
		return a.Content, false
	}
	return body, true
}
