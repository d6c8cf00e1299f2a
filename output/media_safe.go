package output

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"

	"github.com/mparchive/mparchive/archive"
)

// What an output publishes of the archive's media is published on the
// site's own address: a file a browser would run there (HTML, script, or an
// SVG with scripts, which runs when opened directly, though never inside an
// <img>) must not be among it. Images are published only as the image
// types browsers draw, SVG only after sanitizeSVG, and a material of any
// other type under ".bin", which browsers download.

// rasterImageExts are the image types published as they are.
var rasterImageExts = map[string]bool{
	".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".webp": true, ".bmp": true, ".ico": true, ".avif": true,
}

// playableExts are the audio and video types published as they are.
var playableExts = map[string]bool{
	".mp3": true, ".m4a": true, ".aac": true, ".amr": true, ".ogg": true, ".oga": true, ".opus": true, ".wav": true,
	".flac": true, ".silk": true, ".weba": true, ".mp4": true, ".m4v": true, ".mov": true, ".webm": true, ".avi": true,
	".wmv": true, ".mpg": true, ".mpeg": true, ".flv": true, ".3gp": true, ".ogv": true, ".mkv": true,
}

const svgExt = ".svg"

// articleMediaExt is the extension an article's image or voice is
// published under, and false for a stored file that is neither an image a
// browser draws nor audio: the page then links it remotely, as if the
// archive lacked it.
func articleMediaExt(e archive.MediaEntry) (string, bool) {
	ext := safeExt(e.Ext())
	switch {
	case rasterImageExts[ext], ext == svgExt:
		return ext, true
	case strings.HasPrefix(strings.ToLower(e.Type), "audio/"):
		if playableExts[ext] {
			return ext, true
		}
		return ".bin", true
	}
	return "", false
}

// materialExt is the extension a material's file is published under: its
// own when it is an image, audio or video type, else ".bin".
func materialExt(e archive.MediaEntry) string {
	ext := safeExt(e.Ext())
	if rasterImageExts[ext] || playableExts[ext] || ext == svgExt {
		return ext
	}
	return ".bin"
}

// publishedBytes is the content a stored file is published with: an SVG
// sanitized, anything else as it is (nil: copy the file itself).
func publishedBytes(name string, stored []byte) []byte {
	if strings.HasSuffix(name, svgExt) {
		return sanitizeSVG(stored)
	}
	return nil
}

const (
	svgNS   = "http://www.w3.org/2000/svg"
	xlinkNS = "http://www.w3.org/1999/xlink"
	xmlNS   = "http://www.w3.org/XML/1998/namespace"
)

// emptySVG stands in for an SVG that cannot be read.
var emptySVG = []byte(`<svg xmlns="` + svgNS + `"></svg>` + "\n")

// svgElements are the elements an image keeps: shapes, text, paint
// servers, clipping, masks and filters. Everything else (script,
// foreignObject, animation, which can set attributes to script links,
// feImage and anything unknown) goes with its whole subtree; "a" is
// dropped but its content kept.
var svgElements = map[string]bool{
	"svg": true, "g": true, "defs": true, "desc": true, "title": true, "symbol": true, "use": true,
	"path": true, "rect": true, "circle": true, "ellipse": true, "line": true, "polyline": true, "polygon": true,
	"text": true, "tspan": true, "textPath": true, "linearGradient": true, "radialGradient": true, "stop": true,
	"pattern": true, "clipPath": true, "mask": true, "marker": true, "image": true, "style": true,
	"filter": true, "feBlend": true, "feColorMatrix": true, "feComponentTransfer": true, "feComposite": true,
	"feConvolveMatrix": true, "feDiffuseLighting": true, "feDisplacementMap": true, "feDistantLight": true,
	"feDropShadow": true, "feFlood": true, "feFuncA": true, "feFuncB": true, "feFuncG": true, "feFuncR": true,
	"feGaussianBlur": true, "feMerge": true, "feMergeNode": true, "feMorphology": true, "feOffset": true,
	"fePointLight": true, "feSpecularLighting": true, "feSpotLight": true, "feTile": true, "feTurbulence": true,
}

// sanitizeSVG rebuilds an SVG from what svgElements allow, with no event
// handler, no link or reference outside the file (an <image> may embed a
// raster data: URL), and no style that could load anything. The result is
// what a browser draws of the original, minus animation and interaction;
// an SVG that does not parse as XML becomes an empty one.
func sanitizeSVG(src []byte) []byte {
	d := xml.NewDecoder(bytes.NewReader(src))
	d.Strict = true
	var out bytes.Buffer
	type frame struct {
		name    string // "" when the element is not written
		isStyle bool
	}
	var stack []frame
	skip := 0 // depth inside a dropped subtree
	var style strings.Builder
	root := true
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return emptySVG
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 {
				skip++
				continue
			}
			name := t.Name.Local
			if (t.Name.Space != svgNS && t.Name.Space != "") || (root && name != "svg") {
				if root {
					return emptySVG
				}
				skip = 1
				continue
			}
			if name == "a" {
				stack = append(stack, frame{})
				continue
			}
			if !svgElements[name] {
				skip = 1
				continue
			}
			out.WriteString("<" + name)
			if root {
				out.WriteString(` xmlns="` + svgNS + `" xmlns:xlink="` + xlinkNS + `"`)
				root = false
			}
			for _, a := range t.Attr {
				key, ok := svgAttrName(a.Name)
				if !ok || !svgAttrValueSafe(name, key, a.Value) {
					continue
				}
				out.WriteString(" " + key + `="`)
				xml.EscapeText(&out, []byte(a.Value))
				out.WriteByte('"')
			}
			out.WriteByte('>')
			stack = append(stack, frame{name: name, isStyle: name == "style"})
			if name == "style" {
				style.Reset()
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			if len(stack) == 0 {
				return emptySVG
			}
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if f.isStyle && safeCSS(style.String()) {
				xml.EscapeText(&out, []byte(style.String()))
			}
			if f.name != "" {
				out.WriteString("</" + f.name + ">")
			}
		case xml.CharData:
			if skip > 0 || len(stack) == 0 {
				continue
			}
			if stack[len(stack)-1].isStyle {
				style.Write(t)
				continue
			}
			xml.EscapeText(&out, t)
		}
		// Comments, processing instructions and directives (a DOCTYPE
		// with its entities) are dropped.
	}
	if root || len(stack) != 0 {
		return emptySVG
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// svgAttrName is how an attribute is written, and false for one that is
// dropped: namespace declarations (the root gets its own), event handlers,
// and attributes of other namespaces than xlink:href and xml:space/lang.
func svgAttrName(n xml.Name) (string, bool) {
	local := n.Local
	switch n.Space {
	case "":
		if local == "xmlns" || strings.HasPrefix(strings.ToLower(local), "on") {
			return "", false
		}
		return local, true
	case xlinkNS:
		return "xlink:href", local == "href"
	case xmlNS:
		return "xml:" + local, local == "space" || local == "lang"
	}
	return "", false
}

// svgAttrValueSafe checks a value: references only inside the file
// ("#id", "url(#id)"), except an <image>'s raster data: URL; styles that
// load nothing; nothing that names a script scheme.
func svgAttrValueSafe(element, key, v string) bool {
	compact := strings.ToLower(strings.Join(strings.Fields(v), ""))
	for _, bad := range []string{"javascript:", "vbscript:"} {
		if strings.Contains(compact, bad) {
			return false
		}
	}
	switch key {
	case "href", "xlink:href":
		if element == "image" {
			for _, t := range []string{"data:image/png", "data:image/jpeg", "data:image/gif", "data:image/webp"} {
				if strings.HasPrefix(compact, t) {
					return true
				}
			}
			return false
		}
		return strings.HasPrefix(strings.TrimSpace(v), "#")
	case "style":
		return safeCSS(v)
	}
	return !strings.Contains(compact, "url(") || onlyLocalURLs(compact)
}

// safeCSS accepts style text that can load nothing: no @import, no url()
// but to "#id", none of the old script hooks, and no CSS escapes, which
// could spell any of them.
func safeCSS(css string) bool {
	compact := strings.ToLower(strings.Join(strings.Fields(css), ""))
	for _, bad := range []string{"\\", "@import", "@font-face", "expression", "javascript:", "vbscript:", "behavior", "binding", "image-set", "image(", "</"} {
		if strings.Contains(compact, bad) {
			return false
		}
	}
	return onlyLocalURLs(compact)
}

// onlyLocalURLs tells whether every url( of a compacted value is url(#…).
func onlyLocalURLs(compact string) bool {
	for rest := compact; ; {
		i := strings.Index(rest, "url(")
		if i < 0 {
			return true
		}
		rest = strings.TrimLeft(rest[i+len("url("):], `"'`)
		if !strings.HasPrefix(rest, "#") {
			return false
		}
	}
}
