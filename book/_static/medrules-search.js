/* Site search, two parts (issue 13):
   1. On the search page: each result's snippet is cut from the page's prose (paragraphs, lists, quoted clause
      text, headings), not from code cells, tables of machine names or identifiers; where the term is only in a
      table or code, the snippet is the prose of the section holding it. Sphinx's searchtools.js (loaded after this
      file) builds snippets with Search.makeSearchSummary; it is replaced before the search runs.
   2. On a page opened from a search result: go to the section (the clause) holding the first match and put its
      anchor in the address. The terms come from ?highlight= or from what Sphinx's search stored (localStorage
      sphinx_highlight_terms). */
(function () {
  // What is not prose: code and its folding bars, outputs of code, tables, widgets, formulas, the heading links,
  // the page's own table of contents and download buttons.
  var NOT_PROSE = ".headerlink, script, style, pre, .cell_input, .highlight, table, summary, .widget-subarea," +
    " .jupyter-widgets, mjx-container, .MathJax, .output.text_plain, .output.stream, .medrules-lang-switch," +
    " .toggle-details__summary, button, nav, .bd-header-article, .header-article-items, .prev-next-area, .bd-toc," +
    " .onlyprint, .dropdown-download-buttons";
  var BLOCKS = "p, h2, h3, h4, dt, dd, li";
  var SNIPPET = 240;

  function chineseOnly() {
    // The language switch (medrules-lang.js, loaded before this file) has set the page's mode: 中文 by default.
    return document.documentElement.getAttribute("data-ui-lang") !== "both" &&
      document.documentElement.getAttribute("data-ui-lang") !== "en";
  }

  function has(text, terms) {
    var lower = text.toLowerCase();
    return terms.some(function (k) { return lower.indexOf(k.toLowerCase()) > -1; });
  }

  // The prose blocks of `root` in order: [text without inline code, whether it had code (a machine name)].
  function blocks(root) {
    var copy = root.cloneNode(true);
    copy.querySelectorAll(NOT_PROSE).forEach(function (el) { el.remove(); });
    if (chineseOnly()) copy.querySelectorAll('[lang="en"]').forEach(function (el) { el.remove(); });
    var out = [];
    copy.querySelectorAll(BLOCKS).forEach(function (el) {
      if (el.matches("li") && el.querySelector("p")) return;   // its paragraphs are blocks of their own
      var hadCode = !!el.querySelector("code");
      el.querySelectorAll("code").forEach(function (c) { c.replaceWith("…"); });  // a machine name, left out
      var text = el.textContent.replace(/\s+/g, " ").trim();
      if (/[\u4e00-\u9fffA-Za-z]{2}/.test(text)) out.push([text, hadCode]);
    });
    return out;
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

  function useProseSnippets() {
    if (typeof Search !== "undefined" && Search.makeSearchSummary) Search.makeSearchSummary = summary;
  }
  if (/\/search\.html$/.test(window.location.pathname)) {
    // searchtools.js runs its search on DOMContentLoaded, after this listener (registered first).
    document.addEventListener("DOMContentLoaded", useProseSnippets);
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
  function go() {
    var article = document.querySelector("article.bd-article") || document.querySelector("main");
    var walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
    for (var n = walker.nextNode(); n; n = walker.nextNode()) {
      var text = n.textContent.toLowerCase();
      if (!terms.some(function (t) { return text.indexOf(t.toLowerCase()) >= 0; })) continue;
      var el = n.parentElement;
      if (!el || el.closest("h1") || !el.getClientRects().length) continue;
      var section = el.closest("section[id]");
      if (section && window.history.replaceState) {
        window.history.replaceState(null, "", window.location.pathname + window.location.search + "#" + section.id);
      }
      el.scrollIntoView({block: "center"});
      return;
    }
  }
  window.addEventListener("load", function () { window.setTimeout(go, 50); });
})();
