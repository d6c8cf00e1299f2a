// Package render turns WeChat article HTML into Markdown and Markdown into
// HTML. It knows no files and no API.
package render

import (
	htmltomarkdown "github.com/JohannesKaufmann/html-to-markdown/v2"
)

// Options tune one conversion.
type Options struct {
	// ImageURL maps an image URL exactly as found in the HTML (the value of
	// data-src, src or a CSS url(), entity-decoded and trimmed) to the link
	// the Markdown should carry. It returns "" to keep the remote URL.
	ImageURL func(remote string) string
}

// Converter converts article bodies. One Converter is safe for concurrent use.
type Converter struct{}

// New builds a Converter.
func New() *Converter { return &Converter{} }

// Convert returns the Markdown of one article body.
// TODO(render): placeholder until the WeChat rules land.
func (c *Converter) Convert(html string, opts Options) (string, error) {
	return htmltomarkdown.ConvertString(html)
}
