/* 速查 (book/benefits.md): pick a policy, a status, the insurance, the kind of care and an amount; show what each
   layer pays. No kernel behind the static book: every answer was computed by the engine when the book was built
   (medrules/publish/book/quick.py writes them as JSON into the page); this script only picks one and shows it, in
   the reader's language (the 中文 / English / 双语 switch, medrules-lang.js). */
(function () {
  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; });
  }
  function pair(zh, en) {
    return zh === en ? esc(zh) : '<span lang="zh">' + esc(zh) + '</span> <span lang="en">' + esc(en) + "</span>";
  }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k] === undefined ? "" : values[k]; });
  }
  function mode() { return document.documentElement.getAttribute("data-ui-lang") || "zh"; }
  function label(zh, en) {
    var m = mode();
    return m === "en" ? en : (m === "both" && zh !== en ? zh + " · " + en : zh);
  }

  function init() {
    var root = document.querySelector(".medrules-quick");
    var source = document.getElementById("medrules-quick-data");
    if (!root || !source) return;
    var data = JSON.parse(source.textContent);
    var selects = {};
    root.querySelectorAll("select[data-quick]").forEach(function (s) { selects[s.getAttribute("data-quick")] = s; });
    var marks = function (p) { return p.marks.map(function (m) { return m; }); };
    var choices = {
      policy: data.policies.map(function (p) {
        return [p.id, p.zh + "〔" + marks(p).map(function (m) { return m[0]; }).join("·") + "〕",
                p.en + " (" + marks(p).map(function (m) { return m[1]; }).join(", ") + ")"];
      }),
      status: data.statuses, insurance: data.insurances, setting: data.settings, basis: data.bases,
      amount: data.amounts
    };
    var wanted = {policy: data.policies[0].id};
    Object.keys(data.defaults).forEach(function (k) { wanted[k] = String(data.defaults[k]); });
    try {  // the reader's last choice on this computer
      var kept = JSON.parse(window.localStorage.getItem("medrules-quick") || "{}");
      Object.keys(kept).forEach(function (k) { wanted[k] = String(kept[k]); });
    } catch (e) { /* private mode or an old value: the defaults */ }

    function relabel() {
      Object.keys(choices).forEach(function (name) {
        var select = selects[name];
        if (!select) return;
        var value = select.value || wanted[name];
        select.innerHTML = "";
        choices[name].forEach(function (c) {
          var o = document.createElement("option");
          o.value = String(c[0]);
          o.textContent = label(c[1], c[2]);
          select.appendChild(o);
        });
        if (choices[name].some(function (c) { return String(c[0]) === value; })) select.value = value;
      });
    }

    function render() {
      var v = {};
      Object.keys(selects).forEach(function (k) { v[k] = selects[k].value; });
      try { window.localStorage.setItem("medrules-quick", JSON.stringify(v)); } catch (e) { /* keep going */ }
      var policy = data.policies.filter(function (p) { return p.id === v.policy; })[0];
      var row = data.answers[[v.policy, v.status, v.insurance, v.setting, v.basis, v.amount].join("|")];
      var pick = function (name) { return choices[name].filter(function (c) { return String(c[0]) === v[name]; })[0]; };
      var person = pick("status"), setting = pick("setting"), basis = pick("basis"), amount = pick("amount");
      var q = data.text.question;
      var out = '<p class="medrules-quick-q"><strong class="medrules-mark medrules-mark-' + esc(policy.key) + '">' +
        pair(choices.policy.filter(function (c) { return c[0] === policy.id; })[0][1],
             choices.policy.filter(function (c) { return c[0] === policy.id; })[0][2]) + "</strong><br>" +
        pair(fill(q[0], {person: person[1], setting: setting[1], basis: basis[1], amount: amount[1]}),
             fill(q[1], {person: person[2], setting: setting[2].toLowerCase(), basis: basis[2], amount: amount[2]})) +
        "</p>";
      if (!row || row.length === 1) {
        var why = row ? data.needs[row[0]] : null;
        out += "<p>" + (why ? pair(why[0], why[1]) : "") + "</p>";
      } else {
        // How far out of pocket is known (medrules/publish/book/quick.py answer): "" exactly, "upper_bound", or the
        // layers known only as a maximum (out of pocket is then at least the figure shown).
        var known = row[row.length - 1], atMost = Array.isArray(known) ? known : [];
        out += '<table class="medrules-quick-table"><tbody>';
        data.layers.forEach(function (layer, i) {
          var cell = row[i], key = layer[0];
          if (key === "supplementary_insurance" && cell === "0.00") return;  // the slip shows none (assumed)
          var shown = typeof cell === "number" ? pair(data.needs[cell][0], data.needs[cell][1])
            : '<span class="medrules-amount">' + esc(cell) + "</span>";
          var note = "";
          if (key === "basic_insurance") note = " <small>" + pair(fill(data.text.basic_assumed[0], {share: data.share}),
                                                                  fill(data.text.basic_assumed[1], {share: data.share})) + "</small>";
          var name = key === "out_of_pocket" ? data.text.oop : [layer[1], layer[2]];
          if (atMost.indexOf(key) > -1) note = " <small>" + pair(data.text.at_most[0], data.text.at_most[1]) + "</small>";
          var bound = known === "upper_bound" ? data.text.upper_bound : atMost.length ? data.text.lower_bound : null;
          if (key === "out_of_pocket" && bound) note = " <small>" + pair(bound[0], bound[1]) + "</small>";
          out += '<tr class="medrules-quick-' + esc(key) + '"><th scope="row">' + pair(name[0], name[1]) + "</th><td>" +
            shown + note + "</td></tr>";
        });
        out += "</tbody></table>";
      }
      if (policy.examples.length) {
        out += '<p class="medrules-quick-examples"><small>' + pair(data.text.examples_head[0], data.text.examples_head[1]) +
          " " + policy.examples.map(function (e) { return pair(e[0], e[1]); }).join("；") + "</small></p>";
      }
      if (policy.page) out += '<p class="medrules-quick-page"><a href="' + esc(policy.page) + '">' +
        pair(data.text.open_page[0], data.text.open_page[1]) + " →</a></p>";
      root.querySelector(".medrules-quick-answer").innerHTML = out;
    }

    relabel();
    Object.keys(selects).forEach(function (k) {
      if (wanted[k] !== undefined && choices[k].some(function (c) { return String(c[0]) === wanted[k]; })) {
        selects[k].value = wanted[k];
      }
      selects[k].addEventListener("change", render);
    });
    render();
    document.addEventListener("medrules-lang", function () { relabel(); render(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
