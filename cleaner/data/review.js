"use strict";
// The review page's script. Every piece of corpus text is put into the page as a text node
// (textContent / createTextNode), never as markup.
(function () {
  const D = JSON.parse(document.getElementById("data").textContent);
  const E = D.edits; // [doc, rule, start, end, before, after, left, right, extra]
  const [DOC, RULE, START, END, BEFORE, AFTER, LEFT, RIGHT, EXTRA] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const RULES = D.rules.map((r) => r[0]);
  const PAGE = 200;
  const REMOVALS = new Set(["exact", "short_near", "near", "fragment", "duplicate_document"]);
  const state = { view: "edits", stage: "", rule: "", file: "", search: "", page: 0, cur: -1, doc: -1 };
  const texts = new Map();
  let filterKey = null;
  let filteredCache = [];
  let docEdits = []; // edits of the open document, in text order, that pass the filters
  let docFirst = new Map(); // edit -> first element showing it in the open document
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  const stageOf = (i) => RULES[E[i][RULE]].split("/")[0];
  const ruleOf = (i) => RULES[E[i][RULE]].split("/").slice(1).join("/");
  const docId = (d) => D.docs[d].id;
  const isRemoval = (i) => stageOf(i) === "dedup" && REMOVALS.has(ruleOf(i));
  const fmt = (n) => n.toLocaleString("en-US");

  // Whitespace that would vanish is shown: a line break as ⏎, a lone space as ␣.
  function visible(text, limit) {
    let shown = text;
    if (limit && shown.length > limit) shown = shown.slice(0, limit) + "…";
    if (shown === "") return el("span", { class: "nl", text: "∅" });
    const out = document.createDocumentFragment();
    const parts = shown.split("\n");
    parts.forEach((part, n) => {
      if (n > 0) out.append(el("span", { class: "nl", text: "⏎" }));
      out.append(/^ +$/.test(part) ? el("span", { class: "nl", text: "␣".repeat(part.length) }) : part);
    });
    return out;
  }

  function textOf(d) {
    const t = D.docs[d].t;
    if (t < 0) return null;
    if (!texts.has(t)) texts.set(t, JSON.parse($("t" + t).textContent));
    return texts.get(t);
  }

  // -- filters ------------------------------------------------------------------------------

  function passes(i) {
    const e = E[i];
    if (state.stage && stageOf(i) !== state.stage) return false;
    if (state.rule && RULES[e[RULE]] !== state.rule) return false;
    if (state.file && !docId(e[DOC]).includes(state.file)) return false;
    if (state.search) {
      const q = state.search;
      if (![e[BEFORE], e[AFTER], e[LEFT] + e[AFTER] + e[RIGHT], RULES[e[RULE]], docId(e[DOC])].some((s) => s.includes(q)))
        return false;
    }
    return true;
  }

  function filtered() {
    const key = [state.stage, state.rule, state.file, state.search].join("\u0000");
    if (key !== filterKey) {
      filterKey = key;
      filteredCache = [];
      for (let i = 0; i < E.length; i++) if (passes(i)) filteredCache.push(i);
    }
    return filteredCache;
  }

  function setupFilters() {
    const stages = D.summary.by_stage;
    for (const stage of D.stages.filter((s) => stages[s])) {
      $("f-stage").append(el("option", { value: stage, text: `${stage} (${fmt(stages[stage])})` }));
    }
    for (const [key, total] of D.rules) $("f-rule").append(el("option", { value: key, text: `${key} (${fmt(total)})` }));
    const names = $("doc-names");
    D.docs.slice(0, 2000).forEach((doc) => names.append(el("option", { value: doc.id })));
    const bind = (id, name, event) =>
      $(id).addEventListener(event, () => {
        state[name] = $(id).value;
        state.page = 0;
        state.cur = -1;
        render();
      });
    bind("f-stage", "stage", "change");
    bind("f-rule", "rule", "change");
    bind("f-file", "file", "input");
    bind("f-search", "search", "input");
    $("f-clear").addEventListener("click", () => setFilters({ stage: "", rule: "", file: "", search: "" }));
  }

  function setFilters(values) {
    Object.assign(state, values, { page: 0, cur: -1 });
    $("f-stage").value = state.stage;
    $("f-rule").value = state.rule;
    $("f-file").value = state.file;
    $("f-search").value = state.search;
  }

  // -- the list of edits --------------------------------------------------------------------

  function keptLink(i) {
    const x = E[i][EXTRA];
    if (x.kept === undefined) return null;
    if (x.kept < 0) return el("span", { class: "note", text: `kept copy in ${x.kept_doc || "?"} (not in this page)` });
    const para = x.kept_para === undefined ? "" : `&para=${x.kept_para}`;
    const label = `kept copy: ${docId(x.kept)}` + (x.kept_para === undefined ? "" : ` ¶${x.kept_para + 1}`);
    return el("a", { class: "kept-link", href: `#doc=${x.kept}${para}`, text: label });
  }

  function hitRow(i) {
    const e = E[i];
    const ctx = el("div", { class: "ctx" });
    if (isRemoval(i)) {
      ctx.append(el("span", { class: "c", text: "removed duplicate: " }), el("del", {}, visible(e[BEFORE], 300)), " ");
      const link = keptLink(i);
      if (link) ctx.append(link);
    } else {
      ctx.append(
        el("span", { class: "c" }, visible(e[LEFT])),
        el("del", {}, visible(e[BEFORE], 300)),
        el("ins", {}, visible(e[AFTER], 300)),
        el("span", { class: "c" }, visible(e[RIGHT]))
      );
      if (e[EXTRA].gone) ctx.append(el("span", { class: "note", text: " (a later step took this text out, so it is not marked in the file)" }));
    }
    const where = el(
      "div",
      { class: "where" },
      el("b", { text: RULES[e[RULE]] }),
      el("br"),
      el("a", { href: `#doc=${e[DOC]}&edit=${i}`, text: docId(e[DOC]) }),
      ` @${e[START]}`
    );
    return el(
      "div",
      {
        class: "hit" + (i === state.cur ? " current" : ""),
        "data-i": i,
        "data-rule": RULES[e[RULE]],
        "data-doc": docId(e[DOC]),
        onclick: (ev) => {
          if (ev.target.closest("a")) return;
          select(i);
        },
        ondblclick: () => openEdit(i),
      },
      where,
      ctx
    );
  }

  function pager(total, onPage) {
    const pages = Math.max(1, Math.ceil(total / PAGE));
    const first = total ? state.page * PAGE + 1 : 0;
    const last = Math.min(total, (state.page + 1) * PAGE);
    const go = (p) => () => {
      state.page = Math.min(Math.max(p, 0), pages - 1);
      onPage();
    };
    return el(
      "div",
      { class: "pager" },
      el("button", { type: "button", onclick: go(state.page - 1), disabled: state.page === 0 }, "‹ previous"),
      el("span", { class: "range", text: `${fmt(first)}–${fmt(last)} of ${fmt(total)}` }),
      el("button", { type: "button", onclick: go(state.page + 1), disabled: state.page >= pages - 1 }, "next ›")
    );
  }

  function renderEdits() {
    const view = $("view-edits");
    const list = filtered();
    const rows = el("div", { id: "hits" });
    list.slice(state.page * PAGE, (state.page + 1) * PAGE).forEach((i) => rows.append(hitRow(i)));
    const parts = [pager(list.length, renderEdits), rows];
    const omitted = state.rule ? D.left_out[state.rule] || 0 : Object.values(D.left_out).reduce((a, b) => a + b, 0);
    if (omitted) parts.unshift(el("p", { class: "note", text: `${fmt(omitted)} more edits of the run match no entry here: left out by --max-edits ${fmt(D.max_edits)} (see the summary).` }));
    if (!list.length) parts.push(el("p", { class: "note", text: "No edit matches the filters." }));
    view.replaceChildren(...parts);
    $("f-count").textContent = `${fmt(list.length)} edits match`;
  }

  // -- rules and files ----------------------------------------------------------------------

  function ruleButton(key) {
    return el("button", { type: "button", class: "rule-link", "data-rule": key, onclick: () => showRule(key), text: key });
  }

  function showRule(key) {
    setFilters({ rule: key, stage: "", file: "", search: "" });
    location.hash = "#edits";
    route();
  }

  function renderRules() {
    const sources = new Map();
    for (const e of E) if (e[EXTRA].src && !sources.has(e[RULE])) sources.set(e[RULE], e[EXTRA].src);
    const table = el("table", { id: "rules-table" }, el("tr", {}, el("th", { text: "stage/rule" }), el("th", { class: "n", text: "hits" }), el("th", { class: "n", text: "in this page" }), el("th", { text: "rule file" })));
    D.rules.forEach(([key, total, shown], n) => {
      if (state.stage && key.split("/")[0] !== state.stage) return;
      table.append(el("tr", { "data-rule": key }, el("td", {}, ruleButton(key)), el("td", { class: "n hits", text: fmt(total) }), el("td", { class: "n", text: fmt(shown) }), el("td", { text: sources.get(n) || "" })));
    });
    const parts = [el("h2", { text: "Rules that fired" }), table, el("h2", { text: "Rules that never fired" })];
    if (D.never_fired.length) {
      const never = el("table", { id: "never-fired" }, el("tr", {}, el("th", { text: "rule" }), el("th", { text: "rule file" })));
      D.never_fired.forEach((r) => never.append(el("tr", { "data-rule": r.id }, el("td", { text: r.id }), el("td", { text: `${r.file}:${r.line}` }))));
      parts.push(never);
    } else parts.push(el("p", { class: "note", id: "never-fired", text: D.rule_files.length ? "Every rule of the run's rule files fired." : "The run used no rule files." }));
    if (D.rule_files_missing.length)
      parts.push(el("p", { class: "note", text: `Rule files not found (give cleaner report --src SRC): ${D.rule_files_missing.join(", ")}` }));
    $("view-rules").replaceChildren(...parts);
  }

  function renderFiles() {
    const docs = [];
    D.docs.forEach((doc, n) => {
      if (!state.file || doc.id.includes(state.file)) docs.push(n);
    });
    const table = el("table", { id: "files-table" }, el("tr", {}, ...["document", "status", "encoding", "bytes in", "bytes out", "edits", "in this page", "note"].map((h) => el("th", { text: h }))));
    docs.slice(state.page * PAGE, (state.page + 1) * PAGE).forEach((n) => {
      const doc = D.docs[n];
      table.append(
        el("tr", { "data-doc": doc.id },
          el("td", {}, el("a", { href: `#doc=${n}`, text: doc.id })),
          el("td", { text: doc.status }),
          el("td", { text: doc.encoding || "" }),
          el("td", { class: "n", text: doc.bytes_in === undefined ? "" : fmt(doc.bytes_in) }),
          el("td", { class: "n", text: doc.bytes_out === undefined ? "" : fmt(doc.bytes_out) }),
          el("td", { class: "n", text: fmt(doc.n) }),
          el("td", { class: "n", text: fmt(doc.shown) }),
          el("td", { text: doc.reason || doc.note || "" })
        )
      );
    });
    $("view-files").replaceChildren(pager(docs.length, renderFiles), table);
    $("f-count").textContent = `${fmt(docs.length)} documents`;
  }

  // -- one document -------------------------------------------------------------------------

  function paragraphRanges(text) {
    const ranges = [];
    let at = 0;
    for (const para of text.split("\n\n")) {
      ranges.push([at, at + para.length]);
      at += para.length + 2;
    }
    return ranges;
  }

  function pointMark(i) {
    const rule = ruleOf(i);
    const title = `${stageOf(i)}/${rule}: removed ${JSON.stringify(E[i][BEFORE]).slice(0, 80)}`;
    if (isRemoval(i)) {
      const link = keptLink(i);
      return el("details", { class: "dup", "data-e": i },
        el("summary", { "data-e": i },
          el("span", { class: "dup-label", text: `removed duplicate (${rule}${E[i][EXTRA].similarity !== undefined ? `, similarity ${E[i][EXTRA].similarity}` : ""})` }), " ", link),
        el("div", { class: "removed" }, E[i][BEFORE].replace(/^\n+|\n+$/g, "")));
    }
    const join = rule.startsWith("join_") || rule.startsWith("heal_");
    const glyph = rule === "heal_interrupted" ? "⇢ moved away" : join ? "⏎" : "⌫";
    return el("span", { class: "pt s-" + stageOf(i) + (join ? " join" : ""), "data-e": i, title, text: glyph });
  }

  // Edits by document, and removals by the document holding their kept copy: built once, on first use.
  let byDoc = null;
  let keptIn = null;
  function indexEdits() {
    if (byDoc) return;
    byDoc = D.docs.map(() => []);
    keptIn = D.docs.map(() => []);
    E.forEach((e, i) => {
      byDoc[e[DOC]].push(i);
      if (e[EXTRA].kept >= 0 && e[EXTRA].kept_para !== undefined) keptIn[e[EXTRA].kept].push(i);
    });
  }

  function renderText(container, d, text, target) {
    indexEdits();
    const mine = byDoc[d].slice();
    mine.sort((a, b) => E[a][START] - E[b][START] || E[a][END] - E[b][END] || a - b);
    const standing = mine.filter((i) => !E[i][EXTRA].gone); // the others' text was taken out later
    const spans = standing.filter((i) => E[i][END] > E[i][START]);
    const points = standing.filter((i) => E[i][END] === E[i][START]);
    const paras = paragraphRanges(text);
    const kept = new Map(); // paragraph -> removals elsewhere that it is the kept copy of
    for (const i of keptIn[d]) {
      const para = E[i][EXTRA].kept_para;
      if (!kept.has(para)) kept.set(para, []);
      kept.get(para).push(i);
    }
    const marked = [];
    for (const [para, list] of kept) if (paras[para]) marked.push([paras[para][0], paras[para][1], para, list]);
    const cuts = new Set([0, text.length]);
    spans.forEach((i) => cuts.add(E[i][START]).add(Math.min(E[i][END], text.length)));
    points.forEach((i) => cuts.add(Math.min(E[i][START], text.length)));
    marked.forEach(([a, b]) => cuts.add(a).add(b));
    const bounds = [...cuts].sort((a, b) => a - b);
    const out = document.createDocumentFragment();
    const first = new Map();
    let active = [];
    let next = 0; // next span to open
    let nextPoint = 0;
    let targetEl = null;
    for (let b = 0; b < bounds.length; b++) {
      const at = bounds[b];
      const to = b + 1 < bounds.length ? bounds[b + 1] : at;
      while (nextPoint < points.length && Math.min(E[points[nextPoint]][START], text.length) <= at) {
        const node = pointMark(points[nextPoint]);
        first.set(points[nextPoint], node);
        out.append(node);
        nextPoint++;
      }
      if (to <= at) continue;
      active = active.filter((i) => E[i][END] > at);
      while (next < spans.length && E[spans[next]][START] <= at) {
        if (E[spans[next]][END] > at) active.push(spans[next]);
        next++;
      }
      const piece = text.slice(at, to);
      const keptHere = marked.find(([a, z]) => a <= at && to <= z);
      let node;
      if (active.length) {
        const last = active[active.length - 1];
        const title = active.map((i) => `${RULES[E[i][RULE]]}: ${E[i][BEFORE]} → ${E[i][AFTER]}`).join("\n");
        node = el("mark", { class: "s-" + stageOf(last), "data-e": active.join(","), title }, piece);
        active.forEach((i) => first.has(i) || first.set(i, node));
      } else if (keptHere) {
        node = el("span", { class: "kept-copy", title: `kept copy of ${keptHere[3].length} removed duplicate(s)` }, piece);
      } else node = document.createTextNode(piece);
      if (keptHere && node.nodeType === 1) {
        node.dataset.para = keptHere[2];
        node.classList.add("kept-copy");
        if (target !== null && keptHere[2] === target) {
          node.classList.add("kept-target");
          targetEl = targetEl || node;
        }
      }
      out.append(node);
    }
    while (nextPoint < points.length) {
      const node = pointMark(points[nextPoint]);
      first.set(points[nextPoint], node);
      out.append(node);
      nextPoint++;
    }
    container.replaceChildren(out);
    docFirst = first;
    docEdits = mine.filter((i) => passes(i) && first.has(i));
    const wanted = new Set(docEdits);
    for (const [i, node] of first) if (!wanted.has(i)) node.classList.add("dim");
    return targetEl;
  }

  function renderDoc(d, focus, para) {
    state.doc = d;
    const doc = D.docs[d];
    const text = textOf(d);
    const head = el("div", { class: "doc-head" },
      el("h2", { id: "doc-title", text: doc.id }),
      el("p", { class: "note", text: `${doc.status}${doc.encoding ? ", " + doc.encoding : ""}; ${fmt(doc.n)} edits, ${fmt(doc.shown)} in this page. Filters dim the edits they leave out; j/k move between the others.` }),
      doc.note ? el("p", { class: "note", text: doc.note }) : null,
      el("div", { class: "pager" },
        el("button", { type: "button", onclick: () => history.back() }, "‹ back"),
        el("button", { type: "button", onclick: () => step(-1) }, "previous edit (k)"),
        el("button", { type: "button", onclick: () => step(1) }, "next edit (j)"))
    );
    const body = el("div", { id: "doc-text", lang: "zh" });
    $("view-doc").replaceChildren(head, body);
    let targetEl = null;
    if (text !== null) {
      targetEl = renderText(body, d, text, para);
    } else {
      indexEdits();
      docEdits = byDoc[d].filter(passes);
      docFirst = new Map();
      body.replaceChildren(...docEdits.map((i) => {
        const row = hitRow(i);
        docFirst.set(i, row);
        return row;
      }));
    }
    $("f-count").textContent = `${fmt(docEdits.length)} edits of this document match`;
    if (focus !== null && docFirst.has(focus)) select(focus);
    else if (targetEl) {
      targetEl.id = "kept-target";
      targetEl.scrollIntoView({ block: "center" });
    } else $("view-doc").scrollIntoView();
  }

  // -- selection, detail and keys -----------------------------------------------------------

  function detail(i) {
    const e = E[i];
    const x = e[EXTRA];
    const rows = [
      ["document", el("a", { href: `#doc=${e[DOC]}&edit=${i}`, text: docId(e[DOC]) })],
      ["stage", stageOf(i)],
      ["rule", ruleButton(RULES[e[RULE]])],
      ["before", el("span", { class: "before" }, visible(e[BEFORE], 2000))],
      ["after", el("span", { class: "after" }, visible(e[AFTER], 2000))],
      ["where", `paragraph ${x.para + 1} when step ${x.step} ran; offset ${e[START]} in the cleaned text`],
    ];
    if (x.src) rows.push(["rule file", x.src]);
    if (x.kept !== undefined) rows.push(["kept copy", keptLink(i)]);
    const dl = el("dl");
    rows.forEach(([k, v]) => dl.append(el("dt", { text: k }), el("dd", {}, v)));
    const box = $("detail");
    box.replaceChildren(el("button", { type: "button", class: "close", title: "close (Esc)", onclick: () => (box.hidden = true) }, "×"), dl);
    box.hidden = false;
    box.dataset.edit = i;
  }

  function select(i) {
    state.cur = i;
    document.querySelectorAll(".current").forEach((n) => n.classList.remove("current"));
    let node = null;
    if (state.view === "doc") node = docFirst.get(i);
    else node = document.querySelector(`#hits .hit[data-i="${i}"]`);
    if (node) {
      node.classList.add("current");
      if (node.tagName === "DETAILS") node.open = true;
      node.scrollIntoView({ block: "center" });
    }
    detail(i);
  }

  function step(delta) {
    if (state.view === "doc") {
      if (!docEdits.length) return;
      let at = docEdits.indexOf(state.cur);
      at = at < 0 ? (delta > 0 ? 0 : docEdits.length - 1) : Math.min(Math.max(at + delta, 0), docEdits.length - 1);
      select(docEdits[at]);
    } else if (state.view === "edits") {
      const list = filtered();
      if (!list.length) return;
      let at = list.indexOf(state.cur);
      at = at < 0 ? state.page * PAGE : Math.min(Math.max(at + delta, 0), list.length - 1);
      const page = Math.floor(at / PAGE);
      if (page !== state.page) {
        state.page = page;
        renderEdits();
      }
      select(list[at]);
    }
  }

  function openEdit(i) {
    location.hash = `#doc=${E[i][DOC]}&edit=${i}`;
  }

  function onKey(ev) {
    const typing = ev.target.closest && ev.target.closest("input, select, textarea");
    if (ev.key === "Escape") {
      if (typing) ev.target.blur();
      else if (!$("detail").hidden) $("detail").hidden = true;
      else if (state.view === "doc") history.back();
      return;
    }
    if (typing || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === "j" || ev.key === "n") step(1);
    else if (ev.key === "k" || ev.key === "p") step(-1);
    else if (ev.key === "Enter" && state.cur >= 0 && state.view === "edits") openEdit(state.cur);
    else if (ev.key === "/") {
      ev.preventDefault();
      $("f-search").focus();
      return;
    } else return;
    ev.preventDefault();
  }

  // -- routing ------------------------------------------------------------------------------

  function show(view) {
    state.view = view;
    for (const name of ["edits", "rules", "files", "doc"]) $("view-" + name).hidden = name !== view;
    document.querySelectorAll("#tabs button").forEach((b) => b.setAttribute("aria-selected", String(b.dataset.view === view)));
  }

  function render() {
    if (state.view === "edits") renderEdits();
    else if (state.view === "rules") renderRules();
    else if (state.view === "files") renderFiles();
    else if (state.view === "doc") renderDoc(state.doc, state.cur >= 0 && E[state.cur][DOC] === state.doc ? state.cur : null, null);
  }

  function route() {
    const hash = location.hash.slice(1);
    const params = new URLSearchParams(hash.includes("=") ? hash : "");
    if (params.has("doc") && D.docs[Number(params.get("doc"))]) {
      show("doc");
      const edit = params.has("edit") ? Number(params.get("edit")) : null;
      const para = params.has("para") ? Number(params.get("para")) : null;
      if (edit !== null) state.cur = edit;
      renderDoc(Number(params.get("doc")), edit, para);
      return;
    }
    const view = ["edits", "rules", "files"].includes(hash) ? hash : "edits";
    if (state.view !== view) state.page = 0;
    show(view);
    render();
    if (view === "edits" && state.cur >= 0) {
      const node = document.querySelector(`#hits .hit[data-i="${state.cur}"]`);
      if (node) {
        node.classList.add("current");
        node.scrollIntoView({ block: "center" });
      }
    }
  }

  document.querySelectorAll("#tabs button").forEach((b) =>
    b.addEventListener("click", () => {
      state.page = 0;
      if (location.hash === "#" + b.dataset.view) route();
      else location.hash = "#" + b.dataset.view;
    })
  );
  document.querySelectorAll("#chart-rules g[data-name]").forEach((g) => {
    g.style.cursor = "pointer";
    g.addEventListener("click", () => showRule(g.dataset.name));
  });
  document.addEventListener("keydown", onKey);
  window.addEventListener("hashchange", route);
  setupFilters();
  route();
  document.body.dataset.ready = "1";
})();
