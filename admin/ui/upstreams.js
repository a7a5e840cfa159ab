"use strict";
// The upstreams of a reverse proxy: only an admin listener given them
// (admin.WithUpstreams) serves /upstreams; elsewhere the first fetch finds
// none and the section stays hidden. Rows are keyed by URL and updated in
// place every second.

(() => {
  const section = document.getElementById("upstreamsSection");
  const body = document.getElementById("upstreamList");
  const fmt = n => (n || 0).toLocaleString("en-US");

  function health(u) {
    if (u.healthy) return ["up", "healthy"];
    if (u.health_check_failed) return ["down", "check failed"];
    return ["down", "ejected " + (u.ejected_for_seconds || 0).toFixed(1) + " s"];
  }

  function render(ups) {
    section.hidden = false;
    document.getElementById("upstreamCount").textContent = "(" + ups.length + ")";
    const rows = new Map([...body.rows].map(tr => [tr.dataset.url, tr]));
    for (const u of ups) {
      let tr = rows.get(u.url);
      rows.delete(u.url);
      if (!tr) {
        tr = body.insertRow();
        tr.dataset.url = u.url;
        for (let i = 0; i < 14; i++) tr.insertCell();
        tr.cells[0].className = tr.cells[1].className = "l";
        tr.cells[1].append(document.createElement("span"));
      }
      const [cls, text] = health(u);
      const span = tr.cells[1].firstChild;
      span.className = "state " + cls;
      span.textContent = text;
      const reused = u.requests ? (100 * u.reused / u.requests).toFixed(2) + " %" : "–";
      const cells = [u.url, null, fmt(u.requests), fmt(u.in_flight), reused, fmt(u.retries), fmt(u.connections_opened),
        fmt(u.open), fmt(u.idle), fmt(u.closed && u.closed.stale), fmt(u.bad_gateway), fmt(u.gateway_timeout), fmt(u.ejections), fmt(u.tunnels)];
      cells.forEach((v, i) => { if (v !== null && tr.cells[i].textContent !== v) tr.cells[i].textContent = v; });
    }
    for (const tr of rows.values()) tr.remove();
  }

  async function refresh() {
    const r = await fetch("upstreams").catch(() => null);
    if (r && r.status === 404) return; // not a proxy: no more fetches
    if (r && r.ok) render(await r.json());
    setTimeout(refresh, 1000);
  }
  refresh();
})();
