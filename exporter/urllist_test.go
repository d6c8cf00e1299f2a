package exporter

import (
	"strings"
	"testing"
)

func TestNormalizeArticleURL(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"http://mp.weixin.qq.com/s?__biz=MzA5MDE3MTE1NA==&mid=2247490230&idx=2&sn=ab12&chksm=ff&scene=21#wechat_redirect",
			"https://mp.weixin.qq.com/s?__biz=MzA5MDE3MTE1NA%3D%3D&mid=2247490230&idx=2&sn=ab12", ""},
		{"https://mp.weixin.qq.com/s?__biz=MzA5&amp;mid=1&amp;idx=1&amp;sn=s", "https://mp.weixin.qq.com/s?__biz=MzA5&mid=1&idx=1&sn=s", ""},
		{"  https://mp.weixin.qq.com/s/Xk3b9QeW0a?from=timeline ", "https://mp.weixin.qq.com/s/Xk3b9QeW0a", ""},
		{"http://mp.weixin.qq.com/mp/appmsg/show?__biz=MjM5&appmsgid=10000012&itemidx=1&sign=x", "https://mp.weixin.qq.com/s?__biz=MjM5&mid=10000012&idx=1", ""},
		{"https://mp.weixin.qq.com/s?__biz=MzA5&mid=1", "https://mp.weixin.qq.com/s?__biz=MzA5&mid=1&idx=1", ""},
		{"https://example.com/s/abc", "", "not on mp.weixin.qq.com"},
		{"mp.weixin.qq.com/s/abc", "", "not a web link"},
		{"https://mp.weixin.qq.com/cgi-bin/home", "", "not an article link"},
		{"https://mp.weixin.qq.com/s?mid=1", "", "lacks __biz"},
		{"https://mp.weixin.qq.com/s/", "", "not an article link"},
	}
	for _, tt := range tests {
		got, err := NormalizeArticleURL(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestReadURLList(t *testing.T) {
	in := "\ufeff# articles mass-sent in 2023\n\n" +
		"https://mp.weixin.qq.com/s?__biz=MzA5&mid=1&idx=1&sn=s\n" +
		"http://mp.weixin.qq.com/s?__biz=MzA5&mid=1&idx=1&sn=s&chksm=x#rd\n" + // the same article again
		"https://mp.weixin.qq.com/s/short1\n"
	got, err := ReadURLList(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://mp.weixin.qq.com/s?__biz=MzA5&mid=1&idx=1&sn=s", "https://mp.weixin.qq.com/s/short1"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %q, want %q", got, want)
	}
	_, err = ReadURLList(strings.NewReader("https://mp.weixin.qq.com/s/ok\nhttps://example.com/x\nnot a url\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2:") || !strings.Contains(err.Error(), "line 3:") {
		t.Errorf("bad lines not all named: %v", err)
	}
}
