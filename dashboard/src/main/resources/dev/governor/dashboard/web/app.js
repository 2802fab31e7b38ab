// The Governor dashboard page: one Server-Sent Events stream (/api/stream) carries the run listing
// and, for the selected runs, a downsampled snapshot followed by the rows appended since; uPlot
// draws every chart with the selected runs overlaid. The selection lives in the address (#run=…).
"use strict";

const RUN_COLORS = ["#1e88e5", "#e53935", "#43a047", "#8e24aa", "#fb8c00", "#00897b",
  "#6d4c41", "#3949ab", "#c0ca33", "#d81b60"];
// Marked events: colour of the vertical line drawn at the event's step.
const MARK_COLORS = { SKIP: "#ff0000", ROLLBACK: "#6a1b9a", TIMEOUT: "#ef6c00", RESTART: "#546e7a" };
const TELE = ["step", "loss", "valLoss", "lr", "clip", "gradNorm", "wd", "updateRatio"];
const DEC = ["step", "lr", "clip", "wd", "lrPv", "lrSp", "clipPv", "clipSp", "wdPv", "wdSp", "action"];
// Each chart: title, log y axis or not, and its series [table, column, label, dashed].
const CHARTS = [
  { key: "loss", title: "Loss: training and validation", log: true,
    series: [["tele", "loss", "train"], ["tele", "valLoss", "validation", true]] },
  { key: "lr", title: "Learning rate: applied and decided", log: true,
    series: [["tele", "lr", "applied"], ["dec", "lr", "decided", true]] },
  { key: "clip", title: "Clip threshold against the gradient norm", log: true,
    series: [["tele", "gradNorm", "grad norm"], ["tele", "clip", "clip", true]] },
  { key: "wd", title: "Weight decay: applied and decided", log: false,
    series: [["tele", "wd", "applied"], ["dec", "wd", "decided", true]] },
  { key: "ratio", title: "Update ratio ‖Δw‖ / ‖w‖", log: true,
    series: [["tele", "updateRatio", "update ratio"]] },
  { key: "lrloop", title: "LR loop: process variable against setpoint", log: false,
    series: [["dec", "lrPv", "pv"], ["dec", "lrSp", "setpoint", true]] },
  { key: "cliploop", title: "Clip loop: process variable against setpoint", log: false,
    series: [["dec", "clipPv", "pv"], ["dec", "clipSp", "setpoint", true]] },
  { key: "wdloop", title: "WD loop: process variable against setpoint", log: false,
    series: [["dec", "wdPv", "pv"], ["dec", "wdSp", "setpoint", true]] },
];

const state = {
  info: null,
  listing: null,
  selected: [],
  runs: {},        // id -> { head, tele: [[..] per column], dec, events: [[kind, step, detail]] }
  charts: {},      // key -> uPlot
  chartSig: "",
  es: null,
  dirty: false,
  renderLog: [],   // [id, lastStep, wall ms] per render that drew new rows (latency measurements)
  inspect: {},     // id -> { at, rows, error }
  errors: [],      // the page's last 20 uncaught errors (read by tests and from the console)
};
window.governorDashboard = state;
window.addEventListener("error", (e) => {
  state.errors.push(String(e.message));
  if (state.errors.length > 20) state.errors.shift();
});

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
}

function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  state.selected = p.getAll("run");
}

function writeHash() {
  const p = new URLSearchParams();
  for (const id of state.selected) p.append("run", id);
  const h = "#" + p.toString();
  if (location.hash !== h) history.replaceState(null, "", h);
}

function connect() {
  if (state.es) state.es.close();
  const p = new URLSearchParams();
  for (const id of state.selected) p.append("run", id);
  const q = document.getElementById("filter").value.trim();
  if (q) p.set("q", q);
  p.set("points", String(Math.max(200, Math.min(2000, Math.round(window.innerWidth / 2)))));
  p.set("every", String(FRAME_MS));
  const es = new EventSource("api/stream?" + p.toString());
  state.es = es;
  const conn = document.getElementById("conn");
  es.onopen = () => { conn.textContent = "live"; conn.className = "conn ok"; };
  es.onerror = () => {
    conn.textContent = "connection lost; retrying…"; conn.className = "conn bad";
  };
  es.addEventListener("info", (ev) => showInfo(JSON.parse(ev.data)));
  es.addEventListener("runs", (ev) => {
    state.listing = JSON.parse(ev.data);
    // a selected run that did not exist yet: subscribe again once it is listed
    const ids = new Set(state.listing.runs.map((r) => r.id));
    if (state.selected.some((id) => state.runs[id] && state.runs[id].head.status === "missing" && ids.has(id))) {
      connect();
      return;
    }
    renderList();
  });
  es.addEventListener("missing", (ev) => {
    const m = JSON.parse(ev.data);
    state.runs[m.id] = { head: { id: m.id, status: "missing", messages: [m.error], lastStep: -1 },
      tele: TELE.map(() => []), dec: DEC.map(() => []), events: [] };
    state.chartsDirty = true;
    schedule();
  });
  es.addEventListener("snapshot", (ev) => {
    const m = JSON.parse(ev.data);
    const first = !state.runs[m.id] || state.runs[m.id].head.status === "missing";
    state.runs[m.id] = { head: head(m), tele: gaps(m.tele.cols), dec: gaps(m.dec.cols), events: m.events };
    if (first) inspect(m.id, false);
    state.chartsDirty = true;
    schedule();
  });
  es.addEventListener("append", (ev) => {
    const m = JSON.parse(ev.data);
    const r = state.runs[m.id];
    if (!r) return;
    r.head = head(m);
    gaps(m.tele.cols);
    gaps(m.dec.cols);
    for (let c = 0; c < r.tele.length; c++) pushAll(r.tele[c], m.tele.cols[c]);
    for (let c = 0; c < r.dec.length; c++) pushAll(r.dec[c], m.dec.cols[c]);
    pushAll(r.events, m.events);
    if (m.tele.cols[0].length || m.dec.cols[0].length || m.events.length) state.chartsDirty = true;
    schedule();
  });
}

// Non-finite numbers arrive as the strings "NaN", "Infinity" and "-Infinity" (the encoding of
// every JSON Governor writes); the charts draw them as gaps (null).
function gaps(cols) {
  for (const c of cols) for (let i = 0; i < c.length; i++) if (typeof c[i] !== "number") c[i] = null;
  return cols;
}

// A number as sent: a JSON number or one of the three strings.
function num(v) {
  return typeof v === "number" ? v : Number(v);
}

function pushAll(a, b) {
  for (let i = 0; i < b.length; i++) a.push(b[i]);
}

function head(m) {
  return { id: m.id, runId: m.runId, policy: m.policy, status: m.status, lastStep: m.lastStep,
    steps: m.steps, decisions: m.decisions, messages: m.messages, eventCounts: m.eventCounts,
    at: Date.now() };
}

function showInfo(info) {
  state.info = info;
  document.getElementById("root").textContent = info.root + " · " + info.address;
  const w = document.getElementById("warning");
  if (info.warning) { w.textContent = info.warning; w.hidden = false; } else w.hidden = true;
}

function renderList() {
  const l = state.listing;
  const msg = document.getElementById("listmsg");
  msg.replaceChildren(...l.messages.map((t) => el("div", { class: "notice", text: t })));
  const box = document.getElementById("runs");
  const items = l.runs.map((r) => {
    const cb = el("input", { type: "checkbox" });
    cb.checked = state.selected.includes(r.id);
    cb.addEventListener("change", () => toggle(r.id, cb.checked));
    const loaded = state.runs[r.id];
    const status = loaded ? shownStatus(loaded.head) : r.finished ? "finished" : "unfinished";
    return el("label", { class: "run", "data-run": r.id }, cb, el("span", { text: r.id }),
      el("span", { class: "badge " + status, text: status }));
  });
  box.replaceChildren(...items);
}

function toggle(id, on) {
  const i = state.selected.indexOf(id);
  if (on && i < 0) state.selected.push(id);
  if (!on && i >= 0) { state.selected.splice(i, 1); delete state.runs[id]; }
  state.chartsDirty = true;
  writeHash();
  connect();
  schedule();
}

// A redraw of the charts costs the browser milliseconds of CPU per chart (software raster in a
// headless Chromium) and a few for the frame itself, CPU a training on the same machine may need.
// So the page draws only when rows arrived (not for the listing, statuses or inspect tables), and
// a hidden tab draws nothing (requestAnimationFrame does not run there) until it is shown again.
// The stream is asked (every=FRAME_MS) to gather the rows of a fast run into one event per
// FRAME_MS rather than one per tail tick (25 ms), and the page draws each such event at once: one
// frame per event, and a step reaches the page within tail + FRAME_MS + one render, inside 250 ms.
// Other events (listing, statuses, inspect tables) wait at least MIN_GAP_MS after a frame.
const FRAME_MS = 150;
const MIN_GAP_MS = 100;
let lastFrame = 0;

function schedule() {
  if (state.dirty) return;
  state.dirty = true;
  const wait = Math.max(0, lastFrame + MIN_GAP_MS - performance.now());
  if (wait === 0) requestAnimationFrame(render);
  else setTimeout(() => requestAnimationFrame(render), wait);
}

function colorOf(id) {
  return RUN_COLORS[state.selected.indexOf(id) % RUN_COLORS.length];
}

function render() {
  state.dirty = false;
  lastFrame = performance.now();
  renderHeads();
  const drawn = state.chartsDirty || state.chartSig === "";
  if (drawn) {
    state.chartsDirty = false;
    renderCharts();
  }
  renderDetails();
  const listSig = state.listing ? state.selected.map((id) => id + ":" + (state.runs[id] ? shownStatus(state.runs[id].head) : "")).join("|") : "";
  if (state.listing && listSig !== state.listSig) { state.listSig = listSig; renderList(); }
  const now = performance.timeOrigin + performance.now();
  for (const id of state.selected) {
    const r = state.runs[id];
    if (r && drawn && r.drawnStep !== r.head.lastStep) {
      r.drawnStep = r.head.lastStep;
      state.renderLog.push([id, r.head.lastStep, now]);
      if (state.renderLog.length > 20000) state.renderLog.splice(0, 10000);
    }
  }
}

// "live" as the server last said, until 10 s pass without news (the run has stopped appending).
function shownStatus(h) {
  return h.status === "live" && Date.now() - h.at > 10000 ? "idle" : h.status;
}

// One line per selected run (colour, id, policy, status, step) and its messages; rebuilt only when
// the selection, a status, a policy or the messages change, the step is updated in place.
let headsSig = "";

function renderHeads() {
  const box = document.getElementById("selected");
  document.getElementById("empty").hidden = state.selected.length > 0;
  const heads = state.selected.map((id) => {
    const r = state.runs[id];
    return r ? r.head : { id, status: "loading", lastStep: -1, messages: [] };
  });
  const sig = JSON.stringify(heads.map((h) => [h.id, h.policy, shownStatus(h), h.messages]));
  if (sig === headsSig) {
    box.querySelectorAll(".runhead .step").forEach((e, i) => {
      const h = heads[i];
      const t = h.lastStep >= 0 ? "step " + h.lastStep : "no steps yet";
      if (e.textContent !== t) e.textContent = t;
    });
    return;
  }
  headsSig = sig;
  box.replaceChildren(...heads.map((h) => {
    const id = h.id;
    const line = el("div", { class: "runhead", "data-run": id },
      el("span", { class: "swatch", style: "background:" + colorOf(id) }),
      el("span", { class: "id", text: id }),
      el("span", { class: "policy", text: h.policy || "" }),
      el("span", { class: "badge " + shownStatus(h), text: shownStatus(h) }),
      el("span", { class: "step", text: h.lastStep >= 0 ? "step " + h.lastStep : "no steps yet" }));
    const notes = (h.messages || []).map((t) => el("div", { class: "notice error", text: id + ": " + t }));
    return el("div", {}, line, ...notes);
  }));
}

// Vertical lines at the marked events of every selected run.
function markers() {
  return {
    hooks: {
      draw: [(u) => {
        const ctx = u.ctx;
        const top = u.bbox.top, h = u.bbox.height;
        const [x0, x1] = [u.scales.x.min, u.scales.x.max];
        ctx.save();
        ctx.setLineDash([]);
        ctx.lineWidth = Math.max(1, devicePixelRatio);
        for (const id of state.selected) {
          const r = state.runs[id];
          if (!r) continue;
          for (const [kind, step] of r.events) {
            if (step < x0 || step > x1) continue;
            const x = Math.round(u.valToPos(step, "x", true)) + 0.5;
            ctx.strokeStyle = MARK_COLORS[kind] || "#000";
            ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + h); ctx.stroke();
          }
        }
        ctx.restore();
      }],
    },
  };
}

// The positive values of a column (others null) for a log axis, kept per run and extended by the
// rows appended since the last frame rather than rebuilt every frame; r.pos is dropped with r when
// a snapshot replaces the run's columns.
function positive(r, src, c) {
  const key = src + c;
  const y = r[src][c];
  r.pos = r.pos || {};
  let p = r.pos[key];
  if (!p || p.length > y.length) p = r.pos[key] = [];
  for (let i = p.length; i < y.length; i++) p.push(y[i] != null && y[i] > 0 ? y[i] : null);
  return p;
}

// Whether a column holds a value yet (a loop without a controller is all null): remembered per run
// once true, so a live run's columns are not scanned every frame.
function hasValue(r, src, c, y) {
  r.has = r.has || {};
  const key = src + c;
  if (r.has[key]) return true;
  return (r.has[key] = y.some((v) => v != null));
}

function sameSteps(a, b) {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

function chartData(def) {
  const tables = [];
  const series = [{}];
  for (const id of state.selected) {
    const r = state.runs[id];
    if (!r) continue;
    for (const [src, col, label, dashed] of def.series) {
      const cols = r[src];
      const names = src === "tele" ? TELE : DEC;
      const c = names.indexOf(col);
      const x = cols[0];
      if (!x || !cols[c]) continue;
      const y = def.log ? positive(r, src, c) : cols[c];
      if (!hasValue(r, src, c, y)) continue;
      tables.push([x, y]);
      series.push({ label: id + " · " + label, stroke: colorOf(id), width: 1.5,
        dash: dashed ? [6, 4] : undefined, spanGaps: false, points: { show: false } });
    }
  }
  if (tables.length === 0) return null;
  // one run's telemetry and decisions usually share their steps: no join (a sort of every step) then
  const x = tables[0][0];
  if (tables.every((t) => sameSteps(t[0], x))) return { data: [x, ...tables.map((t) => t[1])], series };
  return { data: uPlot.join(tables), series };
}

// A log axis spans at most LOG_DECADES decades below its maximum (a decided LR of 1e-308 would
// otherwise stretch it over 300 decades); smaller values are drawn at the bottom edge.
const LOG_DECADES = 12;
function logRange(u, min, max) {
  if (min == null || max == null) return [1e-3, 1];
  return uPlot.rangeLog(Math.max(min, max / 10 ** LOG_DECADES), max, 10, true);
}

// At most 7 labels per axis (a log axis has one tick per decade): every k-th one, others blank.
function thin(ticks) {
  const k = Math.ceil(ticks.length / 7);
  return ticks.map((v, i) => (i % k === 0 ? v : null));
}

// Tick labels: plain numbers in [1e-3, 1e5), otherwise 3 significant digits with an exponent.
function fmt(v) {
  if (v == null) return "";
  const a = Math.abs(v);
  if (a === 0 || (a >= 1e-3 && a < 1e5)) return String(+v.toPrecision(4));
  return v.toExponential(1);
}

// Charts scrolled out of view are not redrawn (their data is set once they come back).
const visible = {};
const seen = new IntersectionObserver((entries) => {
  for (const e of entries) {
    const key = e.target.dataset.chart;
    const was = visible[key];
    visible[key] = e.isIntersecting;
    if (e.isIntersecting && !was) { state.chartsDirty = true; schedule(); }
  }
});

function renderCharts() {
  const box = document.getElementById("charts");
  const width = Math.max(420, Math.floor((box.clientWidth - 20) / Math.max(1, Math.floor(box.clientWidth / 500))) - 12);
  const sig = state.selected.filter((id) => state.runs[id]).join("|") + "@" + width;
  const rebuild = sig !== state.chartSig;
  if (rebuild) {
    seen.disconnect();
    for (const u of Object.values(state.charts)) u.destroy();
    state.charts = {};
    box.replaceChildren();
    state.chartSig = sig;
  }
  for (const def of CHARTS) {
    let u = state.charts[def.key];
    if (u && visible[def.key] === false) continue;
    const d = chartData(def);
    if (!d) continue;
    if (!u) {
      const wrap = el("div", { class: "chart", "data-chart": def.key }, el("h3", { text: def.title }));
      box.append(wrap);
      visible[def.key] = true;
      seen.observe(wrap);
      u = new uPlot({
        width, height: 220,
        scales: { x: { time: false }, y: def.log ? { distr: 3, range: logRange } : {} },
        axes: [{ label: "step" }, { size: 64, values: (u, ticks) => thin(ticks).map(fmt) }],
        series: d.series,
        legend: { live: true },
        plugins: [markers()],
      }, d.data, wrap);
      state.charts[def.key] = u;
    } else {
      u.setData(d.data);
    }
  }
}

// Per run: events and the inspect table. A run's box is rebuilt only when its marked events or its
// inspect table change; the counts line is updated in place (LATENCY grows every step).
const detailCache = {};

function renderDetails() {
  const box = document.getElementById("details");
  const nodes = state.selected.map((id) => {
    const r = state.runs[id];
    const ins = state.inspect[id];
    const counts = r && r.head.eventCounts
      ? "events: " + (Object.entries(r.head.eventCounts).map(([k, v]) => k + " " + v).join(", ") || "none")
      : "";
    const sig = (r ? r.events.length + ":" + r.head.status : "-") + "|" + (ins ? ins.at + ":" + ins.rows.length + ":" + ins.error : "-");
    const cached = detailCache[id];
    if (cached && cached.sig === sig) {
      cached.counts.textContent = counts;
      return cached.node;
    }
    const countsEl = el("div", { class: "counts", text: counts });
    const parts = [el("h3", { text: id }), countsEl];
    if (r) {
      const rows = r.events.slice(-20).reverse().map(([kind, step, detail]) =>
        el("tr", { class: "event kind-" + kind, "data-kind": kind, "data-step": String(step) },
          el("td", { text: kind }), el("td", { text: "step " + step }),
          el("td", { text: Number.isNaN(num(detail)) ? "" : String(num(detail)) })));
      if (rows.length) parts.push(el("table", { class: "events" }, ...rows));
    }
    if (ins && ins.error) parts.push(el("div", { class: "notice error", text: ins.error }));
    if (ins && ins.rows.length) {
      parts.push(el("table", { class: "inspect" }, ...ins.rows.slice(1).map(([k, v]) =>
        el("tr", {}, el("td", { text: k }), el("td", { text: v })))));
    }
    const again = el("button", { text: "refresh inspect table" });
    again.addEventListener("click", () => inspect(id, true));
    parts.push(again);
    const node = el("div", { class: "detail", "data-run": id }, ...parts);
    detailCache[id] = { sig, node, counts: countsEl };
    return node;
  });
  const same = nodes.length === box.children.length && nodes.every((n, i) => box.children[i] === n);
  if (!same) box.replaceChildren(...nodes);
  for (const id of Object.keys(detailCache)) if (!state.selected.includes(id)) delete detailCache[id];
}

async function inspect(id, force) {
  const r = state.runs[id];
  const prev = state.inspect[id];
  const live = r && r.head.status === "live";
  const age = prev ? Date.now() - prev.at : Infinity;
  // live runs: again every 15 s while short enough to re-read cheaply; after an error: every 3 s
  const due = (live && r.head.steps < 200000 && age > 15000) || (prev && prev.error && age > 3000);
  if (!force && prev && !due) return;
  state.inspect[id] = { at: Date.now(), rows: prev ? prev.rows : [], error: null };
  try {
    const res = await fetch("api/inspect?id=" + encodeURIComponent(id));
    const j = await res.json();
    state.inspect[id] = { at: Date.now(), rows: j.rows || [], error: j.error || null };
  } catch (e) {
    state.inspect[id] = { at: Date.now(), rows: [], error: "cannot reach the dashboard: " + e };
  }
  schedule();
}

document.getElementById("filter").addEventListener("input", (() => {
  let t = 0;
  return () => { clearTimeout(t); t = setTimeout(connect, 300); };
})());
window.addEventListener("resize", () => { state.chartSig = ""; state.chartsDirty = true; schedule(); });
setInterval(() => {
  for (const id of state.selected) inspect(id, false);
  schedule(); // statuses age (the charts are not redrawn for that)
}, 2000);
readHash();
connect();
schedule();
