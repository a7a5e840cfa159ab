// Once every stylesheet, script and image of the page has loaded, ask the
// server which TCP connection carried each of them, and draw the answer.
"use strict";
(() => {
  const byId = (id) => document.getElementById(id);
  const load = document.documentElement.dataset.load;
  const mode = document.documentElement.dataset.mode;
  const secure = mode.startsWith("https-");
  const fallbackColour = "#64748b";
  const historyKey = "holdfast-demo-modes";

  window.addEventListener("load", async () => {
    // From the start of navigation to now: the page and all of its
    // sub-resources, connections and handshakes included.
    const loadMs = Math.round(performance.now());
    const box = byId("report");
    try {
      const res = await fetch("/demo/report?load=" + encodeURIComponent(load), { cache: "no-store" });
      const report = await res.json();
      if (!res.ok) {
        throw new Error(report.error || "HTTP " + res.status);
      }
      render(report);
      setFigure("load-ms", loadMs);
      showHeaders(res.headers);
      compare(report, loadMs);
      box.dataset.state = "done";
    } catch (err) {
      box.dataset.state = "error";
      byId("ratio").textContent = "Could not fetch the report: " + err.message;
    }
  });

  function render(report) {
    setFigure("requests", report.requests, "request", "requests");
    setFigure("connections", report.connections, "connection", "connections");
    byId("ratio").textContent = ratioText(report);
    const colours = colourMap(report.per_connection);
    drawBars(report, colours);
    badgeTiles(report.per_connection, colours);
    byId("scope").textContent = scopeText(report);
  }

  function setFigure(id, n, one, many) {
    const el = byId(id);
    el.textContent = String(n);
    el.dataset.n = String(n);
    if (one !== undefined) {
      byId(id + "-noun").textContent = n === 1 ? one : many;
    }
  }

  function ratioText(r) {
    const handshakes = secure ? "TCP and TLS handshakes" : "TCP handshakes";
    if (r.connections === 0) {
      return "The server could not tell which connection carried which request.";
    }
    if (r.connections === r.requests) {
      return "Every request had a TCP connection of its own" + (secure ? ", and a TLS handshake" : "") +
        ": keep-alive is off.";
    }
    const avg = (r.requests / r.connections).toFixed(1);
    const saved = r.requests - r.connections;
    if (mode === "https-h2") {
      return "HTTP/2 multiplexed " + r.requests + " requests over " + r.connections +
        (r.connections === 1 ? " connection: " : " connections: ") + saved + " " + handshakes + " saved.";
    }
    return avg + " requests per connection on average: " + saved + " " + handshakes +
      " saved by keep-alive.";
  }

  // The side-by-side table: this load, and the last load in each other
  // mode that this browser saw on this address (localStorage).
  function compare(report, loadMs) {
    let seen = {};
    try {
      seen = JSON.parse(localStorage.getItem(historyKey) || "{}");
    } catch (e) {
      seen = {};
    }
    seen[mode] = { requests: report.requests, connections: report.connections, ms: loadMs, at: Date.now() };
    try {
      localStorage.setItem(historyKey, JSON.stringify(seen));
    } catch (e) {
      // Storage may be off: the table then shows this load only.
    }
    for (const row of document.querySelectorAll("#compare tr[data-mode]")) {
      const m = seen[row.dataset.mode];
      if (!m) continue;
      row.querySelector(".requests").textContent = String(m.requests);
      row.querySelector(".connections").textContent = String(m.connections);
      const hs = row.querySelector(".handshakes");
      if (hs) hs.textContent = String(m.connections);
      row.querySelector(".load-ms").textContent = m.ms + " ms";
      row.dataset.loadMs = String(m.ms);
    }
    byId("compare-summary").textContent = compareText(seen);
  }

  function compareText(seen) {
    const rows = [...document.querySelectorAll("#compare tr[data-mode]")]
      .filter((row) => seen[row.dataset.mode])
      .map((row) => ({ title: row.querySelector("th").firstChild.textContent, ...seen[row.dataset.mode] }));
    if (rows.length < 2) {
      return "Only this load is known so far: serve the page another way and reload to compare.";
    }
    rows.sort((a, b) => a.ms - b.ms);
    const fast = rows[0], slow = rows[rows.length - 1];
    return slow.title + " took " + (slow.ms - fast.ms) + " ms more than " + fast.title + " (" +
      (slow.ms / Math.max(fast.ms, 1)).toFixed(1) + "×), over " + slow.connections + " connections instead of " +
      fast.connections + ". Load times vary from load to load: reload a few times before comparing.";
  }

  function scopeText(r) {
    const parts = ["Counted: the " + r.requests + " stylesheets, scripts and images that carry this page's load ID."];
    const notCounted = [];
    if (r.page_connection !== undefined) {
      notCounted.push("the page itself (connection #" + r.page_connection + ")");
    }
    if (r.report_connection !== undefined) {
      notCounted.push("the request for this report (connection #" + r.report_connection + ")");
    }
    if (notCounted.length > 0) {
      parts.push("Not counted: " + notCounted.join(" and ") + ".");
    }
    if (r.unattributed > 0) {
      parts.push(r.unattributed + " requests came over a connection the server could not name.");
    }
    if (r.dropped > 0) {
      parts.push(r.dropped + " further requests were past the server's limit and are left out.");
    }
    return parts.join(" ");
  }

  // Connections get the palette's colours in the order they first carried a request.
  function colourMap(perConnection) {
    const palette = (window.holdfastPalette || []).filter(Boolean);
    const colours = new Map();
    perConnection.forEach((c, i) => {
      colours.set(c.id, palette.length > 0 ? palette[i % palette.length] : fallbackColour);
    });
    return colours;
  }

  function kindOf(path) {
    if (path.startsWith("/demo/css/")) return "css";
    if (path.startsWith("/demo/js/")) return "js";
    return "img";
  }

  function drawBars(report, colours) {
    const bars = byId("per-connection");
    bars.replaceChildren();
    const most = Math.max(1, ...report.per_connection.map((c) => c.requests));
    for (const c of report.per_connection) {
      bars.append(barRow(report, c, colours.get(c.id), most));
    }
    // Short connections make one row per request: two columns keep that readable.
    bars.classList.toggle("compact", report.per_connection.length > 12);
    byId("legend").hidden = report.per_connection.length === 0;
  }

  function barRow(report, c, colour, most) {
    const row = el("div", "bar-row");
    row.dataset.conn = String(c.id);
    row.dataset.requests = String(c.requests);

    const label = el("span", "conn-label");
    const swatch = el("span", "swatch");
    swatch.style.background = colour;
    label.append(swatch, "connection #" + c.id);
    if (c.id === report.page_connection) label.append(el("span", "tag", "page"));
    if (c.id === report.report_connection) label.append(el("span", "tag", "report"));

    const track = el("span", "track");
    const counts = { css: 0, js: 0, img: 0 };
    for (const p of c.paths) counts[kindOf(p)]++;
    for (const kind of ["css", "js", "img"]) {
      if (counts[kind] === 0) continue;
      const seg = el("span", "seg " + kind);
      seg.style.width = (100 * counts[kind] / most) + "%";
      seg.title = counts[kind] + " " + kind;
      track.append(seg);
    }

    row.append(label, track, el("span", "count", String(c.requests)));
    return row;
  }

  function badgeTiles(perConnection, colours) {
    const connOf = new Map();
    for (const c of perConnection) {
      for (const p of c.paths) connOf.set(p, c.id);
    }
    for (const badge of document.querySelectorAll(".badge[data-path]")) {
      const id = connOf.get(badge.dataset.path);
      if (id === undefined) continue;
      badge.textContent = "#" + id;
      badge.style.background = colours.get(id);
    }
  }

  // Browsers may hide hop-by-hop headers from scripts; an absent header here
  // most often means the server did not send it.
  function showHeaders(headers) {
    const shown = [
      ["Connection", "header-connection",
        "not sent: an HTTP/1.1 connection stays open unless a side says Connection: close"],
      ["Keep-Alive", "header-keep-alive",
        "not sent: it is optional, a server's hint of how long it keeps an idle connection"],
    ];
    for (const [name, id, absent] of shown) {
      const value = headers.get(name);
      byId(id).textContent = value !== null ? value : absent;
    }
  }

  function el(tag, className, text) {
    const e = document.createElement(tag);
    e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }
})();
