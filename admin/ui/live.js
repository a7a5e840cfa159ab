"use strict";
// The live page: one EventSource feed (/events) brings a hello (version,
// policy, the samples of the last minutes) and then a frame per refresh;
// the page keeps the samples, draws the charts from them and updates the
// tables in place. window.holdfastLive exposes its state for tests.

const $ = id => document.getElementById(id);
const maxSamples = 600;
const live = window.holdfastLive = { frames: 0, samples: [], charts: {}, last: null };

// Open states, grouped as the chart draws them.
const stateGroups = [
  { label: "idle", states: ["idle"], color: "#2e9e5b" },
  { label: "serving", states: ["handling", "writing", "reading-body"], color: "#d98a00" },
  { label: "new", states: ["new"], color: "#9b59b6" },
  { label: "reading head", states: ["reading-head"], color: "#3a6fd8" },
  { label: "closing", states: ["closing", "hijacked"], color: "#8a94a3" },
];
const palette = ["#3a6fd8", "#d98a00", "#2e9e5b", "#c0392b", "#8e44ad", "#16a085", "#7f8c8d", "#d35400", "#2c3e50", "#b8860b"];

// ---- formatting

function num(n) { return n.toLocaleString("en-US"); }
function duration(s) {
  if (s < 60) return s.toFixed(1) + " s";
  const m = Math.floor(s / 60), h = Math.floor(m / 60);
  if (h > 0) return h + " h " + String(m % 60).padStart(2, "0") + " m";
  return m + " m " + String(Math.floor(s % 60)).padStart(2, "0") + " s";
}
function bytes(n) {
  if (n < 1024) return n + " B";
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n, u = -1;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return v.toFixed(v < 10 ? 1 : 0) + " " + units[u];
}
function setText(el, text) { if (el.textContent !== text) el.textContent = text; }

// ---- series from samples

function derive(samples) {
  const t = samples.map(s => s.t);
  const open = stateGroups.map(g => samples.map(s => g.states.reduce((sum, k) => sum + (s.open[k] || 0), 0)));
  const rate = [], reuse = [];
  const reasons = new Set();
  for (let i = 1; i < samples.length; i++) {
    for (const [r, n] of Object.entries(samples[i].closed)) {
      if (n > (samples[i - 1].closed[r] || 0)) reasons.add(r);
    }
  }
  const reasonList = [...reasons].sort();
  const closes = reasonList.map(() => []);
  samples.forEach((s, i) => {
    const p = samples[i - 1];
    const dt = p ? s.t - p.t : 0;
    const dReq = p ? s.requests - p.requests : -1;
    const ok = dt > 0 && dReq >= 0; // a restarted server's counters go back: no rate across it
    rate.push(ok ? dReq / dt : null);
    reuse.push(ok && dReq > 0 ? 100 * (s.reused - p.reused) / dReq : null);
    reasonList.forEach((r, j) => {
      const d = p ? (s.closed[r] || 0) - (p.closed[r] || 0) : -1;
      closes[j].push(dt > 0 && d >= 0 ? d / dt : null);
    });
  });
  return { t, open, rate, reuse, reasonList, closes };
}

// perConnBars turns the cumulative requests-per-connection histogram into
// bars up to the last one with a connection in it.
function perConnBars(h) {
  const labels = [], counts = [];
  let prev = 0, last = 0;
  h.buckets.forEach((b, i) => {
    const n = b.count - prev;
    prev = b.count;
    labels.push(i < 3 ? String(b.le) : "≤" + (b.le >= 1024 ? (b.le / 1024) + "Ki" : b.le));
    counts.push(n);
    if (n > 0) last = i;
  });
  labels.push(">" + h.buckets[h.buckets.length - 1].le / 1048576 + "Mi");
  counts.push(h.count - prev);
  if (h.count - prev > 0) last = counts.length - 1;
  const k = Math.max(last + 1, 5);
  return { labels: labels.slice(0, k), counts: counts.slice(0, k) };
}

// ---- charts

function chartWidth(el) { return Math.max(el.clientWidth, 200); }
function chartHeight() { return window.innerWidth < 640 ? 170 : 210; }

function lineChart(el, series, data) {
  const opts = {
    width: chartWidth(el), height: chartHeight(),
    series: [{}, ...series.map(s => ({ label: s.label, stroke: s.color, width: 2, spanGaps: false, points: { show: false } }))],
    scales: { y: { range: (u, min, max) => [0, Math.max(max, 1)] } },
    axes: [{}, { size: 48 }],
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
  };
  return new uPlot(opts, data, el);
}

function barChart(el, bars) {
  let labels = bars.labels;
  const opts = {
    width: chartWidth(el), height: chartHeight(),
    scales: { x: { time: false, range: (u, min, max) => [min - 0.5, max + 0.5] }, y: { range: (u, min, max) => [0, Math.max(max, 1)] } },
    series: [{ label: "requests" }, { label: "connections", stroke: "#3a6fd8", fill: "#3a6fd855", paths: uPlot.paths.bars({ size: [0.7, 48] }), points: { show: false } }],
    axes: [
      { splits: u => u.data[0], values: (u, splits) => splits.map(i => labels[i] ?? ""), grid: { show: false } },
      { size: 48 },
    ],
    legend: { live: false },
  };
  const u = new uPlot(opts, [bars.labels.map((_, i) => i), bars.counts], el);
  u.setBars = b => { labels = b.labels; u.setData([b.labels.map((_, i) => i), b.counts]); };
  return u;
}

function drawCharts(frame) {
  const d = derive(live.samples);
  const c = live.charts;
  const openData = [d.t, ...d.open];
  if (!c.open) c.open = lineChart($("chartOpen"), stateGroups, openData); else c.open.setData(openData);
  if (!c.rate) c.rate = lineChart($("chartRate"), [{ label: "requests/s", color: "#3a6fd8" }], [d.t, d.rate]); else c.rate.setData([d.t, d.rate]);
  if (!c.reuse) c.reuse = lineChart($("chartReuse"), [{ label: "reused %", color: "#2e9e5b" }], [d.t, d.reuse]); else c.reuse.setData([d.t, d.reuse]);
  // The reasons drawn change as closes come and go: a new set, a new chart.
  const key = d.reasonList.join(",") || "-";
  const closeSeries = d.reasonList.length ? d.reasonList.map((r, i) => ({ label: r, color: palette[i % palette.length] })) : [{ label: "no closes", color: "#8a94a3" }];
  const closeData = [d.t, ...(d.reasonList.length ? d.closes : [d.t.map(() => 0)])];
  if (c.closes && c.closesKey !== key) { c.closes.destroy(); c.closes = null; }
  if (!c.closes) { c.closes = lineChart($("chartCloses"), closeSeries, closeData); c.closesKey = key; } else c.closes.setData(closeData);
  const bars = perConnBars(frame.stats.requests_per_connection);
  if (!c.perConn) c.perConn = barChart($("chartPerConn"), bars); else c.perConn.setBars(bars);
}

function resizeCharts() {
  const ids = { open: "chartOpen", rate: "chartRate", closes: "chartCloses", reuse: "chartReuse", perConn: "chartPerConn" };
  for (const [name, id] of Object.entries(ids)) {
    const u = live.charts[name];
    if (u) u.setSize({ width: chartWidth($(id)), height: chartHeight() });
  }
}
let resizeTimer = 0;
window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(resizeCharts, 100); });

// ---- tables

const rowMaps = new Map(); // tbody → Map(connection id → row)

function fillRow(tr, c) {
  if (tr.cells.length === 0) {
    for (let i = 0; i < 8; i++) tr.insertCell();
    tr.cells[1].className = tr.cells[2].className = "l";
    const badge = document.createElement("span");
    tr.cells[2].append(badge);
  }
  const cells = tr.cells;
  setText(cells[0], String(c.id));
  setText(cells[1], c.remote);
  const badge = cells[2].firstChild;
  if (badge.textContent !== c.state) { badge.textContent = c.state; badge.className = "state " + c.state; }
  setText(cells[3], duration(c.age_seconds));
  setText(cells[4], c.state === "idle" || c.state === "new" ? duration(c.idle_seconds) : "–");
  setText(cells[5], num(c.requests));
  setText(cells[6], bytes(c.bytes_in));
  setText(cells[7], bytes(c.bytes_out));
}

// renderRows shows list in tbody, in order, keeping each connection's row
// (and so its place on screen) from one frame to the next.
function renderRows(tbody, list) {
  let rows = rowMaps.get(tbody);
  if (!rows) { rows = new Map(); rowMaps.set(tbody, rows); }
  const seen = new Set();
  let prev = null;
  for (const c of list) {
    let tr = rows.get(c.id);
    if (!tr) { tr = document.createElement("tr"); tr.dataset.id = c.id; rows.set(c.id, tr); }
    fillRow(tr, c);
    const want = prev ? prev.nextSibling : tbody.firstChild;
    if (tr !== want) tbody.insertBefore(tr, want);
    prev = tr;
    seen.add(c.id);
  }
  for (const [id, tr] of rows) if (!seen.has(id)) { tr.remove(); rows.delete(id); }
}

function renderConns(v) {
  $("noConns").hidden = v.count !== 0;
  $("allConns").hidden = !(v.count > 0 && v.all);
  $("topConns").hidden = !(v.count > 0 && !v.all);
  if (v.count === 0) {
    setText($("connCount"), "");
    renderRows($("connList"), []);
    return;
  }
  if (v.all) {
    setText($("connCount"), "(" + num(v.count) + ")");
    renderRows($("connList"), v.list);
    return;
  }
  setText($("connCount"), "(" + num(v.count) + " open: the " + v.busiest.length + " busiest and the " + v.oldest.length + " oldest)");
  setText($("busiestTitle"), "Busiest " + v.busiest.length + " (most requests)");
  setText($("oldestTitle"), "Oldest " + v.oldest.length);
  renderRows($("connBusiest"), v.busiest);
  renderRows($("connOldest"), v.oldest);
}

function renderCloses(closed) {
  const entries = Object.entries(closed).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  $("noCloses").hidden = total > 0;
  const body = $("closes");
  body.replaceChildren();
  for (const [reason, n] of entries) {
    const tr = body.insertRow();
    tr.dataset.reason = reason;
    const r = tr.insertCell(); r.className = "l"; r.textContent = reason;
    tr.insertCell().textContent = num(n);
    tr.insertCell().textContent = Math.floor(100 * n / total) + " %";
  }
  return total;
}

// ---- the feed

function renderInfo(info) {
  setText($("version"), info.version || "");
  setText($("engine"), info.engine || "–");
  const links = $("links");
  links.replaceChildren();
  for (const path of info.links || []) {
    links.append(" · ", Object.assign(document.createElement("a"), { href: path, textContent: "/" + path }));
  }
  const dl = $("policy");
  dl.replaceChildren();
  if (!info.policy || info.policy.length === 0) { dl.append(Object.assign(document.createElement("dd"), { textContent: "not known for this source" })); return; }
  for (const s of info.policy) {
    dl.append(Object.assign(document.createElement("dt"), { textContent: s.name }), Object.assign(document.createElement("dd"), { textContent: s.value }));
  }
}

function renderFrame(f) {
  const st = f.stats;
  setText($("uptime"), duration(f.uptime_seconds));
  setText($("sentence"), f.sentence);
  setText($("open"), num(st.connections_open));
  setText($("accepted"), num(st.connections_accepted));
  setText($("requests"), num(st.requests));
  setText($("reused"), st.requests ? Math.floor(100 * st.requests_reused / st.requests) + " %" : "–");
  setText($("ratio"), st.connections_accepted ? (st.requests / st.connections_accepted).toFixed(1) : "–");
  setText($("closedTotal"), num(renderCloses(st.closed)));
  renderConns(f.connections);
  drawCharts(f);
}

function addSample(s) {
  const last = live.samples[live.samples.length - 1];
  if (last && s.t <= last.t) return;
  live.samples.push(s);
  if (live.samples.length > maxSamples) live.samples.splice(0, live.samples.length - maxSamples);
}

const feed = new EventSource("events");
feed.addEventListener("hello", e => {
  const h = JSON.parse(e.data);
  renderInfo(h.info);
  live.samples = [];
  h.history.forEach(addSample);
});
feed.addEventListener("frame", e => {
  const f = JSON.parse(e.data);
  addSample(f.sample);
  live.last = f;
  renderFrame(f);
  live.frames++;
  const st = $("status");
  setText(st, "live");
  st.className = "status live";
});
feed.onerror = () => {
  const st = $("status");
  setText(st, "reconnecting…");
  st.className = "status";
};
