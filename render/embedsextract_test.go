package render

import "golang.org/x/net/html"

// extractEmbeds lists the embeds of an article body in document order, as
// Convert renders them: the tests' account of what a body embeds, read
// without going through Markdown.
func extractEmbeds(body string) ([]Embed, error) {
	doc, err := parseArticle(body)
	if err != nil {
		return nil, err
	}
	var embeds []Embed
	walk(doc, func(n *html.Node) bool {
		if isHidden(n) {
			return false
		}
		if !isEmbedCandidate(n) {
			return true
		}
		if e, ok := embedOf(n); ok {
			embeds = append(embeds, e)
			return isCustomElement(n) && !childrenBlank(n) // kept content may hold embeds
		}
		return true // an unknown element with content may hold embeds
	})
	return embeds, nil
}

// isHidden reports nodes the reader never sees (see hiddenBy).
func isHidden(n *html.Node) bool { return hiddenBy(n, attr(n, "style")) }
