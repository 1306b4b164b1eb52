/* Site search in Chinese (issues 13 and 23), three parts:
   1. The order of results: a page whose clauses' own text holds the term (window.MEDRULES_CLAUSE_TEXT, written into
      the search page by medrules/publish/book/sphinx.py: each policy page's clause texts, Chinese) comes before a
      page that only names it in a table or a note. Sphinx's searchtools.js (loaded after this file) calls
      Scorer.score for every result; it is set before the search runs.
   2. Each result's snippet is cut from the page's prose in Chinese — paragraphs, lists, quoted clause text,
      headings; not code, tables of machine names or identifiers, nor English (the switch's [lang=en] and .lang-en,
      and a block without Chinese) unless the page has nothing else. Sphinx builds snippets with
      Search.makeSearchSummary; it is replaced before the search runs.
   3. On a page opened from a search result: go to the clause text that holds the term (else its prose, else a table
      that names it), put its section's anchor in the address and mark the term there. The terms come from
      ?highlight= or from what Sphinx's search stored (localStorage sphinx_highlight_terms), read before Sphinx's
      own highlighter clears them. */
(function () {
  // What is not prose: code and its folding bars, outputs of code, tables, widgets, formulas, the heading links,
  // the page's own table of contents and download buttons.
  var NOT_PROSE = ".headerlink, script, style, pre, .cell_input, .highlight, table, summary, .widget-subarea," +
    " .jupyter-widgets, mjx-container, .MathJax, .output.text_plain, .output.stream, .medrules-lang-switch," +
    " .toggle-details__summary, button, nav, .bd-header-article, .header-article-items, .prev-next-area, .bd-toc," +
    " .onlyprint, .dropdown-download-buttons, .medrules-pdf-links, .medrules-quick";
  var BLOCKS = "p, h2, h3, h4, dt, dd, li";
  var SNIPPET = 240;
  var HAN = /[\u3400-\u9fff]/;

  function mode() { return document.documentElement.getAttribute("data-ui-lang") || "zh"; }

  function has(text, terms) {
    var lower = text.toLowerCase();
    return terms.some(function (k) { return lower.indexOf(k.toLowerCase()) > -1; });
  }

  // The prose blocks of `root` in order: [text without inline code, whether it had code, whether it is Chinese].
  function blocks(root) {
    var copy = root.cloneNode(true);
    copy.querySelectorAll(NOT_PROSE).forEach(function (el) { el.remove(); });
    if (mode() === "zh") copy.querySelectorAll('[lang="en"], .lang-en').forEach(function (el) { el.remove(); });
    var out = [];
    copy.querySelectorAll(BLOCKS).forEach(function (el) {
      if (el.matches("li") && el.querySelector("p")) return;   // its paragraphs are blocks of their own
      var hadCode = !!el.querySelector("code");
      el.querySelectorAll("code").forEach(function (c) { c.replaceWith("…"); });  // a machine name, left out
      var text = el.textContent.replace(/\s+/g, " ").trim();
      if (/[\u4e00-\u9fffA-Za-z]{2}/.test(text)) out.push([text, hadCode, HAN.test(text)]);
    });
    // Chinese first: a reader of Chinese reads the snippet in Chinese wherever the page has it.
    var chinese = out.filter(function (b) { return b[2]; });
    return chinese.length ? chinese : out;
  }

  // From the block holding the term (one without machine names where there is one), as much prose as fits.
  function snippet(list, terms) {
    var at = -1;
    for (var pass = 0; pass < 2 && at < 0; pass++) {
      for (var i = 0; i < list.length; i++) {
        if (has(list[i][0], terms) && (pass === 1 || !list[i][1])) { at = i; break; }
      }
    }
    var i0 = at < 0 ? 0 : at;
    var text = list[i0][0];
    var lower = text.toLowerCase();
    var pos = terms.map(function (k) { return lower.indexOf(k.toLowerCase()); })
      .filter(function (i) { return i > -1; })[0];
    var start = pos === undefined || pos < SNIPPET / 2 ? 0 : pos - SNIPPET / 3;
    text = text.substr(start);
    for (var j = i0 + 1; j < list.length && text.length < SNIPPET; j++) text += " " + list[j][0];
    return (start ? "…" : "") + text.substr(0, SNIPPET).trim() + (text.length > SNIPPET ? "…" : "");
  }

  function summary(htmlString, keywords, anchor) {
    var doc = new DOMParser().parseFromString(htmlString, "text/html");
    var main = doc.querySelector('[role="main"]');
    if (!main) return null;
    var root = (anchor && main.querySelector(anchor)) || main;
    var terms = Array.from(keywords || []);
    var list = blocks(root);
    if (!list.some(function (b) { return has(b[0], terms); })) {
      // The term is only in a table, code or an output: the prose of the section that holds it.
      var walker = doc.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (var n = walker.nextNode(); n; n = walker.nextNode()) {
        if (!has(n.textContent, terms)) continue;
        var section = n.parentElement && n.parentElement.closest("section");
        if (section && blocks(section).length) list = blocks(section);
        break;
      }
    }
    if (!list.length) return null;
    var p = document.createElement("p");
    p.classList.add("context");
    p.textContent = snippet(list, terms);
    return p;
  }

  // A page whose clauses say the term comes first (its order among such pages is Sphinx's own).
  function score(result) {
    var query = (new URLSearchParams(window.location.search).get("q") || "").trim().split(/\s+/).filter(Boolean);
    var texts = window.MEDRULES_CLAUSE_TEXT || {};
    var clauses = texts[result[0]];
    return result[4] + (clauses && query.length && has(clauses, query) ? 40 : 0);
  }

  function useChineseSearch() {
    if (typeof Search !== "undefined" && Search.makeSearchSummary) Search.makeSearchSummary = summary;
    if (typeof Scorer !== "undefined") Scorer.score = score;
  }
  if (/\/search\.html$/.test(window.location.pathname)) {
    // searchtools.js runs its search on DOMContentLoaded, after this listener (registered first).
    document.addEventListener("DOMContentLoaded", useChineseSearch);
    return;
  }

  if (window.location.hash) return;
  var params = new URLSearchParams(window.location.search);
  var fromSearch = params.has("highlight") || /\/search\.html/.test(document.referrer);
  if (!fromSearch) return;
  var terms = (params.get("highlight") || "").split(/\s+/).filter(Boolean);
  if (!terms.length) {
    try { terms = (window.localStorage.getItem("sphinx_highlight_terms") || "").split(/\s+/).filter(Boolean); }
    catch (e) { terms = []; }
  }
  if (!terms.length) return;

  // Where a match sits: 0 the clause's own text (a quoted clause, its 参考译文), 1 prose, 2 a table, 3 anything else.
  function rank(el) {
    if (el.closest("blockquote, .medrules-clause-zh")) return 0;
    if (el.closest("table")) return 2;
    if (el.closest("p, li, dd, h2, h3, h4")) return 1;
    return 3;
  }

  function mark(block) {
    var walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT), found = [];
    for (var n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.parentElement && n.parentElement.getClientRects().length && has(n.textContent, terms)) found.push(n);
    }
    found.forEach(function (n) {
      var text = n.textContent, lower = text.toLowerCase(), out = document.createDocumentFragment(), i = 0;
      while (i < text.length) {
        var next = -1, term = "";
        terms.forEach(function (t) {
          var k = lower.indexOf(t.toLowerCase(), i);
          if (k > -1 && (next < 0 || k < next)) { next = k; term = t; }
        });
        if (next < 0) { out.appendChild(document.createTextNode(text.slice(i))); break; }
        out.appendChild(document.createTextNode(text.slice(i, next)));
        var m = document.createElement("mark");
        m.className = "medrules-hit";
        m.textContent = text.substr(next, term.length);
        out.appendChild(m);
        i = next + term.length;
      }
      n.parentNode.replaceChild(out, n);
    });
  }

  function go() {
    var article = document.querySelector("article.bd-article") || document.querySelector("main");
    var walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT), best = null, bestRank = 9;
    for (var n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!has(n.textContent, terms)) continue;
      var el = n.parentElement;
      if (!el || el.closest("h1, script, style, .medrules-quick") || !el.getClientRects().length) continue;
      var r = rank(el);
      if (r < bestRank) { best = el; bestRank = r; }
      if (r === 0) break;
    }
    if (!best) return;
    var block = best.closest("blockquote, p, li, dd, td, th, h2, h3, h4") || best;
    mark(block);
    var section = block.closest("section[id]");
    if (section && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search + "#" + section.id);
    }
    (block.querySelector("mark.medrules-hit") || block).scrollIntoView({block: "center"});
  }
  window.addEventListener("load", function () { window.setTimeout(go, 50); });
})();
