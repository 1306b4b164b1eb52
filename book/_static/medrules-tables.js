/* Tables that fit (issue 23): no table scrolls inside itself, at 1366 px or on a 390-px phone.

   For each table of the page, widest first measure: if it is wider than its box, it is set tight (smaller type,
   no minimum column widths, long words broken); if it is still wider, it becomes cards — one card per row, each
   cell under its column's heading (copied from the table head, so it follows the 中文 / English / 双语 switch), the
   amounts right-aligned in view. A row still taller than the screen folds its longest cells behind 展开全文. Done
   again when the window is resized, the language is switched or a widget draws a table (the static calculators). */
(function () {
  var FOLD_CHARS = 80;  // a cell with fewer characters is never folded: it is not what makes a row tall

  function article() { return document.querySelector("article.bd-article") || document.querySelector("main"); }

  // Wider than its box, or than the article (a table in a widget's box that is itself too wide).
  function wider(t) {
    if (!t.getClientRects().length) return false;
    var right = Math.min(t.parentElement.getBoundingClientRect().right, article().getBoundingClientRect().right);
    return t.scrollWidth > t.clientWidth + 1 || t.getBoundingClientRect().right > right + 1;
  }

  // The heading of each column, as HTML (with its language spans), from the table head; colspans repeat it.
  function headings(t) {
    var labels = [];
    if (!t.tHead) return labels;
    Array.prototype.forEach.call(t.tHead.rows, function (tr) {
      var col = 0;
      Array.prototype.forEach.call(tr.cells, function (cell) {
        var html = cell.innerHTML.trim();
        for (var k = 0; k < (cell.colSpan || 1); k++) {
          if (html) labels[col + k] = labels[col + k] ? labels[col + k] + " / " + html : html;
        }
        col += cell.colSpan || 1;
      });
    });
    return labels;
  }

  function labelCells(t) {
    if (t.getAttribute("data-medrules-labelled")) return;
    var labels = headings(t);
    Array.prototype.forEach.call(t.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (tr) {
        var col = 0;
        Array.prototype.forEach.call(tr.cells, function (cell) {
          var value = document.createElement("div");
          value.className = "medrules-card-value";
          while (cell.firstChild) value.appendChild(cell.firstChild);
          if (labels[col]) {
            var label = document.createElement("span");
            label.className = "medrules-card-label";
            label.innerHTML = labels[col];
            cell.appendChild(label);
          }
          cell.appendChild(value);
          col += cell.colSpan || 1;
        });
      });
    });
    t.setAttribute("data-medrules-labelled", "1");
  }

  function fold(t) {
    var limit = window.innerHeight * 0.9;
    Array.prototype.forEach.call(t.rows, function (tr) {
      if (tr.getBoundingClientRect().height <= limit) return;
      var cells = Array.prototype.slice.call(tr.cells).filter(function (c) {
        return (c.innerText || "").length >= FOLD_CHARS && !c.querySelector(".medrules-fold-toggle");
      }).sort(function (a, b) { return b.getBoundingClientRect().height - a.getBoundingClientRect().height; });
      for (var i = 0; i < cells.length && tr.getBoundingClientRect().height > limit; i++) {
        var target = cells[i].querySelector(".medrules-card-value") || cells[i];
        target.classList.add("medrules-fold");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "medrules-fold-toggle";
        button.innerHTML = '<span lang="zh">展开全文</span> <span lang="en">show all</span>';
        button.addEventListener("click", function (event) {
          var box = event.currentTarget.parentElement.querySelector(".medrules-fold");
          var open = box.classList.toggle("medrules-fold-open");
          event.currentTarget.innerHTML = open ? '<span lang="zh">收起</span> <span lang="en">show less</span>'
            : '<span lang="zh">展开全文</span> <span lang="en">show all</span>';
        });
        cells[i].appendChild(button);
      }
    });
  }

  // Set tight, a column squeezed below three characters a line (a name standing almost one character wide) reads
  // worse than a card: such a table becomes cards too.
  function squeezed(t) {
    var rows = Array.prototype.slice.call(t.rows, 0, 40);
    for (var i = 0; i < rows.length; i++) {
      for (var j = 0; j < rows[i].cells.length; j++) {
        var c = rows[i].cells[j], text = (c.innerText || "").trim();
        if (text.length >= 4 && c.getBoundingClientRect().width < 3 * parseFloat(getComputedStyle(c).fontSize)) return true;
      }
    }
    return false;
  }

  // A short word (无法编码, 已编码, a date) is never broken in two: if that makes the table too wide, it becomes cards.
  function keepShortWhole(t) {
    Array.prototype.forEach.call(t.querySelectorAll("td, th"), function (c) {
      if (c.classList.contains("medrules-short-cell") || c.children.length > 4) return;
      var text = (c.innerText || "").trim();
      if (text && text.length <= 10 && !/\s.*\s/.test(text)) c.classList.add("medrules-short-cell");
    });
  }

  var busy = false;
  function fit() {
    var root = article();
    if (!root || busy) return;
    busy = true;
    root.querySelectorAll("table").forEach(function (t) {
      if (t.closest(".cell_input, pre, .highlight") || !t.rows.length) return;
      t.classList.remove("medrules-tight", "medrules-cards");
      keepShortWhole(t);
      if (!wider(t)) { fold(t); return; }
      t.classList.add("medrules-tight");
      if ((wider(t) || squeezed(t)) && t.tHead && t.tBodies.length) {
        labelCells(t);
        t.classList.add("medrules-cards");
      }
      fold(t);
    });
    busy = false;
  }

  var timer = null;
  function later() { window.clearTimeout(timer); timer = window.setTimeout(fit, 60); }
  // A table that changes size after it is drawn (a widget's, laid out late) is fitted again.
  var sizes = window.ResizeObserver ? new ResizeObserver(function () { if (!busy) later(); }) : null;
  function watch() {
    if (!sizes) return;
    article().querySelectorAll("table").forEach(function (t) {
      sizes.observe(t);
      if (t.parentElement) sizes.observe(t.parentElement);  // its box may shrink while the table keeps its width
    });
  }
  function start() {
    fit();
    watch();
    window.addEventListener("resize", later);
    window.addEventListener("load", function () {
      later();
      [400, 1200, 2500].forEach(function (ms) { window.setTimeout(fit, ms); });  // the static widgets settle late
    });
    document.addEventListener("medrules-lang", later);
    if (window.MutationObserver && article()) {
      new MutationObserver(function (changes) {
        if (busy) return;
        for (var i = 0; i < changes.length; i++) {
          for (var j = 0; j < changes[i].addedNodes.length; j++) {
            var n = changes[i].addedNodes[j];
            if (n.nodeType === 1 && (n.tagName === "TABLE" || n.querySelector && n.querySelector("table"))) {
              // a widget draws its table, then lays it out: fit now, and again as it resizes
              later();
              watch();
              return;
            }
          }
        }
      }).observe(article(), {childList: true, subtree: true});
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
