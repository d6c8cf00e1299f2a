package output

import (
	"cmp"
	"slices"

	"github.com/mparchive/mparchive/archive"
)

// sourceRank orders the copies of one article: the published item is the
// article as readers see it now; a news material is the older API record;
// a fetched page comes next; a draft last, since publishing it made the
// other copies.
var sourceRank = map[archive.Source]int{archive.Published: 0, archive.News: 1, archive.URLs: 2, archive.Drafts: 3}

// duplicates says which articles of an archive are copies of one another:
// the same __biz, mid and idx in their mp.weixin.qq.com link, or the same
// body. Outputs show each article once, under its best copy, and name
// every copy's id in its front matter.
type duplicates struct {
	// canonical maps each copy that is not shown to the one that is.
	canonical map[string]string
	// aliases maps each shown article that has copies to their keys, sorted.
	aliases map[string][]string
}

func (c *catalog) duplicates() *duplicates {
	type copyInfo struct {
		key  string
		rank int
	}
	// Union-find over article keys, joined by permalink and by body hash.
	parent := make(map[string]string, len(c.arts))
	var find func(string) string
	find = func(k string) string {
		for parent[k] != k {
			parent[k] = parent[parent[k]]
			k = parent[k]
		}
		return k
	}
	union := func(x, y string) {
		if rx, ry := find(x), find(y); rx != ry {
			parent[ry] = rx
		}
	}
	byLink := map[archive.Permalink]string{}
	byBody := map[[32]byte]string{}
	all := make([]copyInfo, 0, len(c.arts))
	for i := range c.arts {
		ca := &c.arts[i]
		meta := ca.meta()
		art := &meta
		k := art.Key()
		parent[k] = k
		all = append(all, copyInfo{key: k, rank: sourceRank[art.Source]})
		if p, ok := archive.ParsePermalink(art.URL); ok {
			if other, seen := byLink[p]; seen {
				union(other, k)
			} else {
				byLink[p] = k
			}
		}
		// Empty and tiny bodies say nothing about identity.
		if ca.bodyLen >= 200 {
			if other, seen := byBody[ca.body]; seen {
				union(other, k)
			} else {
				byBody[ca.body] = k
			}
		}
	}
	groups := map[string][]copyInfo{}
	for _, c := range all {
		root := find(c.key)
		groups[root] = append(groups[root], c)
	}
	d := &duplicates{canonical: map[string]string{}, aliases: map[string][]string{}}
	for _, g := range groups {
		if len(g) < 2 {
			continue
		}
		slices.SortFunc(g, func(x, y copyInfo) int {
			return cmp.Or(cmp.Compare(x.rank, y.rank), cmp.Compare(x.key, y.key))
		})
		best := g[0].key
		for _, c := range g[1:] {
			d.canonical[c.key] = best
			d.aliases[best] = append(d.aliases[best], c.key)
		}
		slices.Sort(d.aliases[best])
	}
	return d
}
