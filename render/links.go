package render

import (
	"strings"

	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"golang.org/x/net/html"
)

// renderLink writes <a href> as an inline link whose destination is the
// href byte for byte (entities decoded, nothing re-encoded). The upstream
// renderer re-encodes query strings, which turns the base64 "__biz=…=="
// of WeChat article links into "%3D%3D": the links would no longer match
// the archive's ids, and rewriting them to local pages would fail.
func renderLink(ctx converter.Context, w converter.Writer, n *html.Node) converter.RenderStatus {
	href := attr(n, "href")
	linkTitle := strings.Join(strings.Fields(attr(n, "title")), " ")
	if href == "" {
		// Mini program links ("weapp_text_link", "weapp_image_link") have
		// no href; their AppID and path are the content worth keeping.
		appID := attr(n, "data-miniprogram-appid")
		if appID == "" {
			return converter.RenderTryNext
		}
		href = "#"
		linkTitle = Embed{Kind: EmbedMiniProgram, ID: appID}.LinkTitle()
		if path := attr(n, "data-miniprogram-path"); path != "" {
			linkTitle += " data-miniprogram-path=" + escapeTitleID(path)
		}
	} else if opts := optionsFrom(ctx); opts.LinkURL != nil {
		if local := opts.LinkURL(href); local != "" {
			href = local
		}
	}

	var buf strings.Builder
	ctx.RenderChildNodes(ctx.WithValue("is_inside_link", true), &buf, n)
	content := buf.String()
	trimmed := strings.TrimSpace(content)
	if trimmed == "" {
		return converter.RenderTryNext
	}
	// A link is inline: block content inside it (135editor wraps whole
	// cards in <a>) is joined into one line rather than ending the link.
	if strings.ContainsAny(trimmed, "\n") {
		trimmed = strings.ReplaceAll(trimmed, "  \n", " ")
		trimmed = strings.ReplaceAll(trimmed, "\\\n", " ")
		trimmed = strings.Join(strings.Fields(strings.ReplaceAll(trimmed, "\n", " ")), " ")
	}

	if strings.HasPrefix(content, " ") || strings.HasPrefix(content, "\n") {
		w.WriteString(" ")
	}
	w.WriteString("[")
	w.WriteString(trimmed)
	w.WriteString("](")
	w.WriteString(markdownDestination(href))
	if linkTitle != "" {
		w.WriteString(` "`)
		w.WriteString(titleEscaper.Replace(linkTitle))
		w.WriteString(`"`)
	}
	w.WriteString(")")
	if strings.HasSuffix(content, " ") || strings.HasSuffix(content, "\n") {
		w.WriteString(" ")
	}
	return converter.RenderSuccess
}

var titleEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// isScriptURL reports javascript: (and vbscript:) links, which would be dead
// or dangerous in Markdown. Browsers ignore whitespace and control characters
// inside the scheme, so we do too.
func isScriptURL(href string) bool {
	var scheme strings.Builder
	for _, r := range href {
		if r <= ' ' {
			continue
		}
		if r == ':' {
			break
		}
		scheme.WriteRune(r)
		if scheme.Len() > 10 {
			return false
		}
	}
	s := strings.ToLower(scheme.String())
	return s == "javascript" || s == "vbscript"
}
