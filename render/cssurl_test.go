package render

import (
	"slices"
	"testing"
)

func TestCSSBackgroundURLs(t *testing.T) {
	tests := []struct {
		style string
		want  []string
	}{
		{`background-image: url(https://mmbiz.qpic.cn/a.png)`, []string{"https://mmbiz.qpic.cn/a.png"}},
		{`background: url("https://mmbiz.qpic.cn/a.png") no-repeat`, []string{"https://mmbiz.qpic.cn/a.png"}},
		{`background-image: url('https://x/b(1).png')`, []string{"https://x/b(1).png"}},
		{`background-image: url(&quot;https://x/c.png&quot;)`, []string{"https://x/c.png"}},
		// A ")" inside the quotes is part of the address, not its end.
		{`background-image: url("javascript:alert(1)")`, []string{"javascript:alert(1)"}},
		{`background-image: url( https://x/a.png ), url("https://x/b.png")`, []string{"https://x/a.png", "https://x/b.png"}},
		{`BACKGROUND-IMAGE: URL(https://x/a.png)`, []string{"https://x/a.png"}},
		{`color: red; background-image: url(data:image/png;base64,AAAA)`, nil},
		{`background-image: url("https://x/unclosed.png`, nil},
		{`background-image: url(https://x/unclosed.png`, nil},
		{`border-image: url(https://x/a.png)`, nil},
		{`background-image: url("https://x/a;b.png"); color: red`, []string{"https://x/a;b.png"}},
		{`background-image: url(data:image/png;base64,AA), url(https://x/d.png)`, []string{"https://x/d.png"}},
	}
	for _, tt := range tests {
		if got := cssBackgroundURLs(tt.style); !slices.Equal(got, tt.want) {
			t.Errorf("cssBackgroundURLs(%q) = %q, want %q", tt.style, got, tt.want)
		}
	}
}
