// Full-text search of the archive, entirely in the browser.
//
// The index is split into script files that call back into window.mpSearch,
// because script elements load from file:// where fetch() is refused:
//   search/meta.js      the documents (path, title, date, author) and the shard counts
//   search/i/<n>.js     inverted index shard: term → delta-encoded document numbers
//   search/t/<n>.js     plain text of documents n*per … n*per+per-1, for snippets
// Files are loaded only when a search runs, and only the shards it needs.
//
// Terms must be cut exactly as output/site_search.go cuts them: text is
// lowercased and split into runs of CJK characters and runs of other letters
// and digits; a CJK run gives its characters and its overlapping pairs
// (bigrams), so Chinese needs no dictionary; another run gives its first
// 2…MAX_PREFIX characters, so "bench" finds "benchmark". A shard is the
// FNV-1a hash of the term's UTF-8 bytes modulo the shard count. Candidates
// from the index are then checked against the text itself, so a hit
// contains the query's words as typed.
(function () {
  'use strict';

  var MAX_PREFIX = 15;
  var MAX_RESULTS = 50;
  var SNIPPET = 60; // characters shown on each side of the first hit

  var root = document.documentElement.getAttribute('data-root') || '';
  var base = root + 'search/';
  var store = { meta: null, index: {}, text: {} };
  window.mpSearch = {
    meta: function (m) { store.meta = m; },
    index: function (n, terms) { store.index[n] = terms; },
    text: function (n, texts) { store.text[n] = texts; }
  };

  var loading = {};
  function load(path) {
    if (!loading[path]) {
      loading[path] = new Promise(function (resolve, reject) {
        var s = document.createElement('script');
        s.src = base + path;
        s.async = true;
        s.onload = function () { resolve(); };
        s.onerror = function () {
          delete loading[path];
          reject(new Error('无法载入搜索索引 ' + path));
        };
        document.head.appendChild(s);
      });
    }
    return loading[path];
  }

  var cjkChar = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
  var wordChar = /[\p{L}\p{N}]/u;

  // pieces splits a query into the runs the index was built from.
  function pieces(q) {
    var out = [], cur = [], curCJK = false;
    function flush() {
      if (cur.length) out.push({ chars: cur, cjk: curCJK, text: cur.join('') });
      cur = [];
    }
    for (var ch of q.toLowerCase()) {
      var isCJK = cjkChar.test(ch);
      var isWord = !isCJK && wordChar.test(ch);
      if (!isCJK && !isWord) { flush(); continue; }
      if (cur.length && isCJK !== curCJK) flush();
      curCJK = isCJK;
      cur.push(ch);
    }
    flush();
    return out;
  }

  function termsOf(p) {
    var c = p.chars;
    if (p.cjk) {
      if (c.length === 1) return [c[0]];
      var out = [];
      for (var i = 0; i + 1 < c.length; i++) out.push(c[i] + c[i + 1]);
      return out;
    }
    if (c.length < 2) return [];
    return [c.slice(0, MAX_PREFIX).join('')];
  }

  var encoder = new TextEncoder();
  function shardOf(term, shards) {
    var h = 0x811c9dc5;
    var b = encoder.encode(term);
    for (var i = 0; i < b.length; i++) {
      h ^= b[i];
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h % shards;
  }

  function postings(term, shards) {
    var deltas = (store.index[shardOf(term, shards)] || {})[term] || [];
    var out = new Array(deltas.length), d = 0;
    for (var i = 0; i < deltas.length; i++) { d += deltas[i]; out[i] = d; }
    return out;
  }

  function intersect(a, b) {
    var out = [], i = 0, j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) { out.push(a[i]); i++; j++; }
      else if (a[i] < b[j]) i++;
      else j++;
    }
    return out;
  }

  async function search(q) {
    await load('meta.js');
    var meta = store.meta;
    var ps = pieces(q);
    var terms = [];
    ps.forEach(function (p) {
      termsOf(p).forEach(function (t) { if (terms.indexOf(t) < 0) terms.push(t); });
    });
    if (!terms.length) return { hits: [], pieces: ps, total: 0, tooShort: true };
    var shards = terms.map(function (t) { return shardOf(t, meta.shards); });
    await Promise.all(shards.filter(function (s, i) { return shards.indexOf(s) === i; })
      .map(function (s) { return load('i/' + s + '.js'); }));
    var lists = terms.map(function (t) { return postings(t, meta.shards); });
    lists.sort(function (a, b) { return a.length - b.length; });
    var candidates = lists.reduce(intersect);

    // Check candidates against their text, newest first, loading the text
    // shards batch by batch until enough hits are found.
    var hits = [];
    var needles = ps.map(function (p) { return p.text; });
    for (var k = 0; k < candidates.length && hits.length < MAX_RESULTS; k += 20) {
      var batch = candidates.slice(k, k + 20);
      var textShards = [];
      batch.forEach(function (d) {
        var n = Math.floor(d / meta.per);
        if (textShards.indexOf(n) < 0) textShards.push(n);
      });
      await Promise.all(textShards.map(function (n) { return load('t/' + n + '.js'); }));
      batch.forEach(function (d) {
        var doc = meta.docs[d];
        var text = store.text[Math.floor(d / meta.per)][d % meta.per] || '';
        var title = doc[1].toLowerCase(), lower = text.toLowerCase();
        var inTitle = 0, all = true;
        needles.forEach(function (n) {
          if (title.indexOf(n) >= 0) inTitle++;
          else if (lower.indexOf(n) < 0) all = false;
        });
        if (all && hits.length < MAX_RESULTS) hits.push({ doc: doc, text: text, titleHits: inTitle });
      });
    }
    // Title hits first; otherwise the index order, newest first.
    hits.sort(function (a, b) { return b.titleHits - a.titleHits; });
    return { hits: hits, pieces: ps, total: candidates.length };
  }

  function escapeRegExp(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }

  // highlight appends text to el with every needle wrapped in <mark>,
  // building nodes rather than HTML so that nothing in the text is markup.
  function highlight(el, text, re) {
    var parts = re ? text.split(re) : [text];
    parts.forEach(function (part, i) {
      if (!part) return;
      if (i % 2 === 1) {
        var m = document.createElement('mark');
        m.textContent = part;
        el.appendChild(m);
      } else {
        el.appendChild(document.createTextNode(part));
      }
    });
  }

  function snippet(text, needles) {
    var lower = text.toLowerCase(), at = -1;
    needles.forEach(function (n) {
      var i = lower.indexOf(n);
      if (i >= 0 && (at < 0 || i < at)) at = i;
    });
    if (at < 0) return text.slice(0, 2 * SNIPPET) + (text.length > 2 * SNIPPET ? '…' : '');
    var start = Math.max(0, at - SNIPPET), end = Math.min(text.length, at + SNIPPET);
    return (start > 0 ? '…' : '') + text.slice(start, end) + (end < text.length ? '…' : '');
  }

  function show(res, q, status, list) {
    list.textContent = '';
    var needles = res.pieces.map(function (p) { return p.text; });
    var re = needles.length ? new RegExp('(' + needles.map(escapeRegExp).join('|') + ')', 'giu') : null;
    res.hits.forEach(function (h) {
      var li = document.createElement('li');
      li.className = 'result';
      var a = document.createElement('a');
      a.href = root + h.doc[0];
      a.className = 'result-title';
      highlight(a, h.doc[1], re);
      var meta = document.createElement('p');
      meta.className = 'meta';
      meta.textContent = [h.doc[2], h.doc[3]].filter(Boolean).join(' · ');
      var p = document.createElement('p');
      p.className = 'snippet';
      highlight(p, snippet(h.text, needles), re);
      li.appendChild(a);
      li.appendChild(meta);
      li.appendChild(p);
      list.appendChild(li);
    });
    if (!res.hits.length) {
      status.textContent = res.tooShort ? '“' + q + '”太短了：英文词请至少输入两个字母。' : '没有找到包含“' + q + '”的文章。';
    } else {
      status.textContent = '找到 ' + res.hits.length + (res.hits.length >= MAX_RESULTS ? '+' : '') + ' 篇包含“' + q + '”的文章。';
    }
  }

  function init() {
    var input = document.getElementById('search-input');
    var status = document.getElementById('search-status');
    var list = document.getElementById('search-results');
    if (!input || !status || !list) return;
    var seq = 0, timer = null;
    function run() {
      var q = input.value.trim();
      var mine = ++seq;
      if (!q) {
        list.textContent = '';
        status.textContent = '搜索在浏览器里进行，不需要网络。';
        return;
      }
      status.textContent = '正在搜索…';
      search(q).then(function (res) {
        if (mine === seq) show(res, q, status, list);
      }, function (err) {
        if (mine === seq) status.textContent = err.message;
      });
    }
    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(run, 120);
    });
    input.form.addEventListener('submit', function (e) {
      e.preventDefault();
      clearTimeout(timer);
      run();
    });
    var q = new URLSearchParams(location.search).get('q');
    if (q) {
      input.value = q;
      run();
    }
    input.focus();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
