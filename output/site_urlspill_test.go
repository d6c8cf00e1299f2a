package output

import "testing"

// TestSiteWeChatLinksReadBack checks that the posts' WeChat links come
// back as put, kept in a spill file or, without one, held by the post.
func TestSiteWeChatLinksReadBack(t *testing.T) {
	links := []string{"https://mp.weixin.qq.com/s?__biz=MzA=&mid=1&idx=1&sn=ab#rd", "", "https://mp.weixin.qq.com/s/x"}
	for name, sp := range map[string]*metaSpill{"spilled": newMetaSpill(), "held": nil} {
		s := &siteBuild{urls: sp}
		var posts []*sitePost
		for _, u := range links {
			posts = append(posts, &sitePost{wechat: spillString(sp, u)})
		}
		for i, p := range posts {
			if got := s.wechatURL(p); got != links[i] {
				t.Errorf("%s: link %d reads %q, want %q", name, i, got, links[i])
			}
		}
		if name == "spilled" && sp != nil && posts[0].wechat.s != "" {
			t.Errorf("spilled: the post holds its link")
		}
		if err := s.urlError(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
