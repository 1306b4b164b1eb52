/* 中文 / English / 双语 switch, offline: sets <html data-ui-lang> (medrules.css hides the other language's
   [lang] elements) and remembers the choice in localStorage. 中文 until the reader picks another: the readers are
   policy staff, many of whom read Chinese only. Labels come from the message catalogue
   (window.MEDRULES_LANG_LABELS, written by medrules/publish/book/sphinx.py). */
(function () {
  var KEY = "medrules-lang", MODES = ["zh", "en", "both"], DEFAULT = "zh";
  function saved() {
    try { var v = window.localStorage.getItem(KEY); return MODES.indexOf(v) >= 0 ? v : null; } catch (e) { return null; }
  }
  function apply(mode) {
    document.documentElement.setAttribute("data-ui-lang", mode);
    var buttons = document.querySelectorAll(".medrules-lang-switch button");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", String(buttons[i].getAttribute("data-mode") === mode));
    }
    // Scripts that write words into the page (the quick answer's lists, the tables' card labels) follow the switch.
    try { document.dispatchEvent(new CustomEvent("medrules-lang", {detail: mode})); } catch (e) { /* old browser */ }
  }
  apply(saved() || DEFAULT);  // before the body is drawn: no flash of the other language
  function build() {
    var labels = window.MEDRULES_LANG_LABELS || {zh: "中文", en: "English", both: "双语", title: "显示语言"};
    var box = document.createElement("div");
    box.className = "medrules-lang-switch";
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", labels.title);
    MODES.forEach(function (mode) {
      var b = document.createElement("button");
      b.type = "button";
      b.setAttribute("data-mode", mode);
      b.textContent = labels[mode];
      b.addEventListener("click", function () {
        try { window.localStorage.setItem(KEY, mode); } catch (e) { /* private mode: the choice lasts this page */ }
        apply(mode);
      });
      box.appendChild(b);
    });
    var where = document.querySelector(".article-header-buttons") || document.querySelector("main");
    where.insertBefore(box, where.firstChild);
    apply(document.documentElement.getAttribute("data-ui-lang"));
  }
  // Prose written as a Chinese paragraph then its English one (notebook text, casebook notes): an element whose
  // text is English sentences — no Chinese, or a Chinese word or two quoted in them (核对 (check)) — and holds no
  // marked language is the English of the one before it. Code inside it is a machine name, not counted either way.
  var CJK = /[\u3400-\u9fff\uf900-\ufaff]/g, WORDS = /[A-Za-z]{2,}[,;:]? [A-Za-z]{2,}[,;:]? [A-Za-z]{2,}/;
  function prose(el) {
    var copy = el.cloneNode(true);
    copy.querySelectorAll("code, kbd").forEach(function (c) { c.remove(); });
    return copy.textContent;
  }
  function markEnglish() {
    var els = document.querySelectorAll("main p:not(.admonition-title), main li, main td, main dd");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (el.closest("pre, code, .cell_input, .highlight, main [lang]") || el.querySelector("[lang]")) continue;
      var text = prose(el), han = (text.match(CJK) || []).length, latin = (text.match(/[A-Za-z]/g) || []).length;
      if (WORDS.test(text) && han * 12 < latin) el.setAttribute("lang", "en");
    }
  }
  // The navigation (the book's title, the contents on the left, this page's contents on the right, the previous /
  // next links) names pages "中文 · English" or "中文 English": the English part goes behind the switch too.
  var NAMED = /^(.*[\u3400-\u9fff\u3000-\u303f\uff00-\uffef)])(\s·\s|\s)([A-Za-z][^\u3400-\u9fff]*)$/;
  function splitNavigation() {
    var places = document.querySelectorAll(".bd-sidebar-primary a, .bd-sidebar-primary .caption-text, " +
      ".bd-toc a, .logo__title, .prev-next-area .prev-next-title, .bd-header-article a");
    for (var i = 0; i < places.length; i++) {
      var walker = document.createTreeWalker(places[i], NodeFilter.SHOW_TEXT), texts = [];
      for (var n = walker.nextNode(); n; n = walker.nextNode()) texts.push(n);
      texts.forEach(function (n) {
        var m = NAMED.exec(n.textContent.trim());
        if (!m || (n.parentElement && n.parentElement.closest("[lang]"))) return;
        var en = document.createElement("span");
        en.setAttribute("lang", "en");
        en.textContent = m[2] + m[3];
        n.parentNode.insertBefore(document.createTextNode(m[1]), n);
        n.parentNode.insertBefore(en, n);
        n.parentNode.removeChild(n);
      });
    }
  }
  function ready() { markEnglish(); splitNavigation(); build(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready); else ready();
})();
