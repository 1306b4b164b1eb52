/* A search result opens its page at the top; take the reader to the section (the clause) holding the first match
   and put its anchor in the address. The terms come from ?highlight= or from what Sphinx's search stored
   (localStorage sphinx_highlight_terms); only when arriving from the search page. */
(function () {
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
