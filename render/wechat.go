package render

import (
	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/marker"
	"golang.org/x/net/html"
)

// wechatPlugin teaches html-to-markdown the markup of WeChat's editor and of
// the third-party editors (135editor, xiumi, 96编辑器, mdnice) whose output
// ends up in article bodies. Everything specific to WeChat lives here; the
// generic conversion stays with the upstream plugins.
type wechatPlugin struct{}

func (*wechatPlugin) Name() string { return "wechat" }

func (*wechatPlugin) Init(conv *converter.Converter) error {
	conv.Register.TagType("mp-style-type", converter.TagTypeRemove, converter.PriorityEarly)

	// The clean-up pass replaces every embed (the base plugin would remove
	// iframes) with one element of our own, rendered as a block.
	conv.Register.TagType(embedTag, converter.TagTypeBlock, converter.PriorityEarly)

	// The clean-up must see the DOM before the base plugin removes nodes and
	// collapses whitespace, so it runs before PriorityEarly.
	conv.Register.PreRenderer(cleanUpDocument, converter.PriorityEarly-10)
	// Emphasis is fixed after whitespace has been collapsed, because only
	// then are the characters around each delimiter final.
	conv.Register.PreRenderer(fixEmphasisFlanking, converter.PriorityLate+10)
	// Between the base plugin's trimming (which still knows the two-space
	// form) and the restoring of code newlines.
	conv.Register.PostRenderer(backslashLineBreaks, converter.PriorityStandard+10)
	conv.Register.TextTransformer(escapeEntityLookalikes, converter.PriorityEarly)
	// Text that reads as a table cell boundary stays text. The table
	// plugin would register this too, and a renderer that only ever sees
	// the tables renderTable writes: each renderer costs on every node.
	conv.Register.EscapedChar('|')
	// A brace in text stays text: kramdown (Jekyll's Markdown) reads "{:"
	// as attributes for the block beside it (onclick included) and "{::"
	// as extensions that hide text or pass HTML through; Hugo's goldmark
	// and Zola's pulldown-cmark take a heading's trailing "{…}" for its id,
	// class and more, dropping the words. "\{" and "\}" are braces to
	// every CommonMark reader; both are escaped, since pulldown-cmark finds
	// the attribute block before it reads escapes, and only a backslash
	// inside the braces stops it.
	// "$$" in text stays text too: kramdown, and the math options of Hugo
	// and Hexo themes, take the words between two of them for a formula
	// and drop the dollars. One handler for both: the library copies and
	// sorts its handler list at every character it marked.
	conv.Register.EscapedChar('{', '}', '$')
	conv.Register.UnEscaper(escapeBracesAndDollars, converter.PriorityStandard)

	// One renderer dispatching on the tag, not one per tag: html-to-markdown
	// copies and sorts its handler list for every node it renders, so each
	// extra handler costs on every node of every article. The tags it
	// renders keep the types html-to-markdown gives them by default (a and
	// img inline, the others block); registering a type again would only
	// make every lookup of it sort the registrations, on every node.
	conv.Register.Renderer(renderWeChatElement, converter.PriorityEarly)
	return nil
}

func renderWeChatElement(ctx converter.Context, w converter.Writer, n *html.Node) converter.RenderStatus {
	if n.Type != html.ElementNode {
		return converter.RenderTryNext
	}
	switch n.Data {
	case embedTag:
		return renderEmbed(ctx, w, n)
	case "table":
		return renderTable(ctx, w, n)
	case "a":
		return renderLink(ctx, w, n)
	case "img":
		return renderImage(ctx, w, n)
	case "pre":
		return renderCodeBlock(ctx, w, n)
	case "blockquote":
		return renderBlockquote(ctx, w, n)
	}
	return converter.RenderTryNext
}

// escapeBracesAndDollars has every brace the library marked in text
// written "\{" or "\}", and a dollar "\$" when a dollar stands beside it:
// one alone ("$100") is plain text to every reader and keeps its plain
// form (see the EscapedChar registration above).
func escapeBracesAndDollars(chars []byte, index int) int {
	switch chars[index] {
	case '{', '}':
		return 1
	case '$':
	default:
		return -1
	}
	placeholder := marker.BytesMarkerEscaping[0]
	for i := index - 1; i >= 0; i-- {
		if chars[i] != placeholder {
			if chars[i] == '$' {
				return 1
			}
			break
		}
	}
	for i := index + 1; i < len(chars); i++ {
		if chars[i] != placeholder {
			if chars[i] == '$' {
				return 1
			}
			break
		}
	}
	return -1
}
