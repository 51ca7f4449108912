// HR monitor page. The token never goes into a URL the server sees: it arrives once in the
// fragment (#token=...) or the sign-in form, lives in sessionStorage, and every call sends
// it as a bearer header. The live stream is read with fetch() streaming rather than
// EventSource, because EventSource cannot send headers; we resume with Last-Event-ID ourselves.
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = { token: null, lastId: null, abort: null, retryMs: 1000, selected: null };
const MAX_ROWS = 300;

function takeTokenFromFragment() {
  const m = location.hash.match(/token=([^&]+)/);
  if (m) {
    sessionStorage.setItem("hr-token", decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem("hr-token");
}

function setStatus(text, cls) {
  const el = $("#status");
  el.textContent = text;
  el.className = "pill " + (cls || "");
}

async function api(path, options = {}) {
  const headers = { Authorization: "Bearer " + state.token, ...(options.headers || {}) };
  const res = await fetch(path, { ...options, headers });
  if (res.status === 401 || res.status === 403) {
    const body = await res.json().catch(() => ({}));
    signOut(body.detail || "not allowed");
    throw new Error(body.detail);
  }
  return res;
}

function signOut(message) {
  sessionStorage.removeItem("hr-token");
  state.token = null;
  if (state.abort) state.abort.abort();
  $("#app").hidden = true;
  $("#signout").hidden = true;
  $("#login").hidden = false;
  $("#login-error").textContent = message || "";
  setStatus("signed out");
}

function cell(tr, text) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  tr.appendChild(td);
  return td;
}

function fmtTime(iso) {
  return new Date(iso).toLocaleString("en-GB", { dateStyle: "short", timeStyle: "medium" });
}

function fmtGap(seconds) {
  if (seconds == null) return "start";
  const d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60), s = Math.round(seconds % 60);
  if (d) return `+${d} d ${h} h`;
  if (h) return `+${h} h ${m} min`;
  return m ? `+${m} min ${s} s` : `+${s} s`;
}

// ---- live stream -------------------------------------------------------------------------

function filterQuery() {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData($("#filters"))) if (v) params.append(k, v.trim());
  return params;
}

async function connect() {
  if (state.abort) state.abort.abort();
  const abort = new AbortController();
  state.abort = abort;
  const headers = { Authorization: "Bearer " + state.token, Accept: "text/event-stream" };
  if (state.lastId != null) headers["Last-Event-ID"] = String(state.lastId);
  try {
    const res = await fetch("/stream?" + filterQuery(), { headers, signal: abort.signal });
    if (res.status === 401 || res.status === 403) return signOut((await res.json()).detail);
    if (!res.ok) throw new Error((await res.json()).detail || res.statusText);
    await readFrames(res.body.getReader(), abort);
  } catch (err) {
    if (abort.signal.aborted) return;
    setStatus("reconnecting…", "down");
  }
  if (abort.signal.aborted || !state.token) return;
  setStatus("reconnecting…", "down");
  setTimeout(() => { if (state.abort === abort) connect(); }, state.retryMs);
  state.retryMs = Math.min(state.retryMs * 2, 15000);
}

async function readFrames(reader, abort) {
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done || abort.signal.aborted) return;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      onFrame(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
    }
  }
}

function onFrame(text) {
  const frame = { data: [] };
  for (const line of text.split("\n")) {
    if (line.startsWith(":")) {
      if (line.startsWith(": ready")) { setStatus("live", "live"); state.retryMs = 1000; }
      continue;
    }
    const i = line.indexOf(":");
    const name = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
    if (name === "data") frame.data.push(value); else frame[name] = value;
  }
  if (!frame.data.length) return;
  const item = JSON.parse(frame.data.join("\n"));
  state.lastId = Number(frame.id);
  addRow(item);
  // New events change the figures: refresh them once the burst settles.
  clearTimeout(state.kpiTimer);
  state.kpiTimer = setTimeout(() => refreshKpis().catch(() => {}), 700);
}

function addRow(item) {
  const tr = document.createElement("tr");
  tr.className = "new";
  tr.dataset.eventId = item.event_id;
  tr.dataset.applicationId = item.application_id || item.correlation_id;
  for (const v of [item.seq, fmtTime(item.occurred_at), item.event_type, item.scheme,
                   item.sector, item.region, item.actor, item.summary]) cell(tr, v);
  tr.addEventListener("click", () => {
    document.querySelectorAll("#events tr.selected").forEach((r) => r.classList.remove("selected"));
    tr.classList.add("selected");
    showTimeline(tr.dataset.applicationId);
  });
  const body = $("#events tbody");
  body.insertBefore(tr, body.firstChild);
  while (body.rows.length > MAX_ROWS) body.deleteRow(-1);
}

// ---- timeline, KPIs, dead letters --------------------------------------------------------

async function showTimeline(id) {
  const box = $("#timeline");
  box.innerHTML = "<h2>Timeline</h2><p class='hint'>Loading…</p>";
  const res = await api("/timeline/" + encodeURIComponent(id));
  const body = await res.json();
  box.innerHTML = "";
  const h = document.createElement("h2");
  h.textContent = "Timeline";
  box.appendChild(h);
  if (!res.ok) { box.appendChild(Object.assign(document.createElement("p"),
    { className: "error", textContent: body.detail })); return; }
  const meta = document.createElement("p");
  meta.className = "hint";
  meta.textContent = `application ${body.application_id} · ${body.scheme || ""} · ` +
    `${fmtGap(body.total_seconds).replace("+", "")} end to end`;
  box.appendChild(meta);
  const ol = document.createElement("ol");
  ol.className = "steps";
  for (const s of body.steps) {
    const li = document.createElement("li");
    li.dataset.eventType = s.event_type;
    const title = document.createElement("strong");
    title.textContent = s.event_type;
    const gap = Object.assign(document.createElement("span"),
      { className: "gap", textContent: ` ${fmtGap(s.since_previous_seconds)}` });
    const detail = document.createElement("div");
    detail.textContent = `${fmtTime(s.occurred_at)} · by ${s.actor} · ${s.summary}`;
    li.append(title, gap, detail);
    ol.appendChild(li);
  }
  box.appendChild(ol);
}

function bars(el, entries, fmt) {
  el.innerHTML = "";
  const max = Math.max(1, ...entries.map(([, v]) => v));
  for (const [label, v] of entries) {
    const row = Object.assign(document.createElement("div"), { className: "bar" });
    const bar = document.createElement("i");
    bar.style.width = (100 * v / max) + "%";
    const wrap = document.createElement("span");
    wrap.appendChild(bar);
    row.append(Object.assign(document.createElement("span"), { textContent: label }), wrap,
      Object.assign(document.createElement("span"), { textContent: fmt(v) }));
    el.appendChild(row);
  }
  if (!entries.length) el.textContent = "No data yet.";
}

// The applicant service calls an application that matching could not place yet `waiting`
// (matching keeps it and proposes when a place frees); the page uses the same word.
const STATUS_WORDS = { no_match: "waiting" };

async function refreshKpis() {
  const k = await (await api("/kpis")).json();
  const days = (s) => (s == null ? "–" : (s / 86400).toFixed(1));
  const st = k.by_status;
  $("#k-applications").textContent = k.applications;
  $("#k-confirmed").textContent = (st.confirmed || 0) + (st.started || 0) + (st.ended || 0);
  $("#k-median").textContent = days(k.time_to_confirmed_seconds.median);
  $("#k-p90").textContent = days(k.time_to_confirmed_seconds.p90);
  $("#k-breaches").textContent = k.open_sla_breaches.length;
  bars($("#chart-status"), Object.entries(st).sort((a, b) => b[1] - a[1])
    .map(([s, v]) => [STATUS_WORDS[s] || s, v]), String);
  bars($("#chart-fill"), Object.entries(k.fill_rate.by_sector)
    .filter(([, v]) => v.fill_rate != null).map(([s, v]) => [s, v.fill_rate]),
    (v) => Math.round(v * 100) + "%");
}

async function refreshDeadLetters() {
  // One row per dead record, however many consumers failed on it; one replay serves them all.
  const { items } = await (await api("/dead-letters?limit=100")).json();
  $("#k-dead").textContent = items.length;
  const body = $("#dead-letters tbody");
  body.innerHTML = "";
  for (const d of items) {
    const tr = document.createElement("tr");
    const first = d.failures[0] || {};
    const reasons = [...new Set(d.failures.map((f) => f.reason))].join(", ");
    for (const v of [d.id, `${d.original_topic} [${d.original_partition}] @${d.original_offset}`,
                     d.consumers.join(", "), reasons, first.error,
                     first.failed_at && fmtTime(first.failed_at)]) {
      cell(tr, v);
    }
    const btn = Object.assign(document.createElement("button"), { textContent: "Replay" });
    btn.addEventListener("click", async () => {
      btn.disabled = true;
      await api(`/dead-letters/${d.id}/replay`, { method: "POST" });
      refreshDeadLetters();
    });
    cell(tr, "").appendChild(btn);
    body.appendChild(tr);
  }
  if (!items.length) cell(body.insertRow(), "No dead letters waiting.").colSpan = 7;
}

async function download(path) {
  const blob = await (await api(path)).blob();
  const a = Object.assign(document.createElement("a"),
    { href: URL.createObjectURL(blob), download: path.slice(1) });
  a.click();
  URL.revokeObjectURL(a.href);
}

async function fillFilters() {
  const meta = await (await api("/meta")).json();
  const fill = (name, values) => {
    const sel = $(`#filters [name=${name}]`);
    for (const v of values) sel.appendChild(new Option(v, v));
  };
  fill("type", meta.event_types);
  fill("scheme", meta.schemes);
  fill("sector", meta.sectors);
  fill("region", meta.regions);
}

async function start() {
  $("#login").hidden = true;
  $("#app").hidden = false;
  $("#signout").hidden = false;
  setStatus("connecting…");
  await fillFilters();
  connect();
  const refresh = () => Promise.all([refreshKpis(), refreshDeadLetters()]).catch(() => {});
  refresh();
  setInterval(() => { if (state.token) refresh(); }, 5000);
}

$("#filters").addEventListener("submit", (e) => {
  e.preventDefault();
  state.lastId = null;  // a new filter starts over from the recent backlog
  $("#events tbody").innerHTML = "";
  connect();
});
$("#login-form").addEventListener("submit", (e) => {
  e.preventDefault();
  state.token = $("#token").value.trim();
  sessionStorage.setItem("hr-token", state.token);
  start();
});
$("#signout").addEventListener("click", () => signOut());
$("#replay-all").addEventListener("click", async () => {
  await api("/dead-letters/replay-all", { method: "POST" });
  refreshDeadLetters();
});
document.querySelectorAll("[data-download]").forEach((b) =>
  b.addEventListener("click", () => download(b.dataset.download)));

state.token = takeTokenFromFragment();
if (state.token) start(); else signOut();
