// The live board of one job: every file's status in a Map, one page of them in the
// DOM, counts, and the throughput chart. Events only touch the Map; the page is
// redrawn a few times a second (coalesced), and only rows on screen are touched, so
// 5,000 files stream without re-rendering everything.

import * as charts from "./charts.js";
import { $, h } from "./dom.js";
import { formatScore } from "./views.js";

export const PAGE_SIZE = 100;
const FLUSH_MS = 250;
const DONE = new Set(["done", "ok", "succeeded", "scored"]);
const ERROR = new Set(["error", "rejected", "failed"]);

const board = {
  files: new Map(), // key -> file record
  order: [], // keys in arrival order
  dirty: new Set(),
  page: 0,
  filter: "",
  flushTimer: null,
  pending: [], // callbacks run at the next flush (job state)
  doneTimes: [], // ms timestamps of finished files, for throughput
  started: 0,
};

function keyOf(file) {
  return file.file_id || `name:${file.filename}`;
}

function group(status) {
  if (DONE.has(status)) return "done";
  if (ERROR.has(status)) return "error";
  return "queued";
}

/** Forget the previous job's files. */
export function resetBoard() {
  board.files.clear();
  board.order = [];
  board.dirty.clear();
  board.page = 0;
  board.doneTimes = [];
  board.started = performance.now();
  board.pending = [];
  clearTimeout(board.flushTimer);
  board.flushTimer = null;
  $("#file-status").replaceChildren();
  schedule();
}

/** Record one file's state; drawn at the next flush. */
export function upsertFile(file) {
  const key = keyOf(file);
  const known = board.files.get(key);
  if (!known) board.order.push(key);
  const record = { ...(known || {}), ...file, key };
  if (group(record.status) !== "queued" && (!known || group(known.status) === "queued")) {
    board.doneTimes.push(performance.now());
  }
  board.files.set(key, record);
  board.dirty.add(key);
  schedule();
}

/** Run `fn` at the next flush (at most a few times a second). */
export function later(fn) {
  board.pending.push(fn);
  schedule();
}

function schedule() {
  if (board.flushTimer) return;
  board.flushTimer = setTimeout(() => {
    board.flushTimer = null;
    requestAnimationFrame(flush);
  }, FLUSH_MS);
}

/** Draw now (e.g. when the job ends). */
export function flush() {
  clearTimeout(board.flushTimer);
  board.flushTimer = null;
  const pending = board.pending;
  board.pending = [];
  for (const fn of pending) fn();
  drawPage();
  drawCounts();
  drawThroughput();
  board.dirty.clear();
}

function visibleKeys() {
  if (!board.filter) return board.order;
  return board.order.filter((key) => group(board.files.get(key).status) === board.filter);
}

function drawPage() {
  const keys = visibleKeys();
  const pages = Math.max(1, Math.ceil(keys.length / PAGE_SIZE));
  board.page = Math.min(board.page, pages - 1);
  const shown = keys.slice(board.page * PAGE_SIZE, (board.page + 1) * PAGE_SIZE);
  const list = $("#file-status");
  const rows = list.children;
  const sameRows = rows.length === shown.length && shown.every((key, i) => rows[i].dataset.fileId === key);
  if (sameRows) {
    // only the rows whose file changed
    shown.forEach((key, i) => board.dirty.has(key) && fillRow(rows[i], board.files.get(key)));
  } else {
    list.replaceChildren(...shown.map((key) => fillRow(newRow(key), board.files.get(key))));
  }
  $("#file-page").textContent = keys.length ? `page ${board.page + 1} of ${pages}` : "";
  $("#file-prev").disabled = board.page === 0;
  $("#file-next").disabled = board.page >= pages - 1;
}

function newRow(key) {
  return h(
    "li",
    { dataset: { fileId: key } },
    h("span", { class: "filename" }),
    h("span", { class: "badge" }),
    h("span", { class: "outcome" }),
  );
}

function fillRow(item, file) {
  const status = file.status || "queued";
  item.dataset.status = status;
  item.querySelector(".filename").textContent = file.filename || (file.file_id ? `file ${file.file_id.slice(0, 8)}` : file.key);
  item.querySelector(".badge").textContent = status;
  let outcome = "";
  if (file.error_code) outcome = file.error_code;
  else if (file.score !== undefined && file.score !== null) {
    // a file's live score is provisional: the final one is fitted on the whole pool
    const label = file.provisional ? "provisional score" : "score";
    outcome = `${label} ${formatScore(file.score)}${file.name ? ` · ${file.name}` : ""}`;
  }
  const outcomeEl = item.querySelector(".outcome");
  outcomeEl.textContent = outcome;
  if (file.detail) outcomeEl.title = file.detail;
  return item;
}

function drawCounts() {
  const counts = { queued: 0, done: 0, error: 0 };
  for (const file of board.files.values()) counts[group(file.status)] += 1;
  $("#file-counts").textContent = board.files.size
    ? `${counts.done} screened, ${counts.error} with errors, ${counts.queued} waiting (of ${board.files.size}).`
    : "";
}

function drawThroughput() {
  const times = board.doneTimes;
  if (!times.length) {
    charts.line($("#throughput-chart"), [], { summary: "No file finished yet." });
    return;
  }
  const start = board.started;
  const seconds = Math.max(1, Math.ceil((times[times.length - 1] - start) / 1000));
  const width = Math.max(1, Math.ceil(seconds / 40)); // at most 40 buckets
  const buckets = new Array(Math.ceil(seconds / width) + 1).fill(0);
  for (const t of times) buckets[Math.floor((t - start) / 1000 / width)] += 1;
  const points = buckets.map((n, i) => ({ x: i * width, y: n / width }));
  const rate = times.length / Math.max(1, (times[times.length - 1] - start) / 1000);
  charts.line($("#throughput-chart"), points, {
    unit: "/s",
    summary: `${times.length} files finished, ${rate.toFixed(1)} files per second on average.`,
  });
}

/** Paging and the status filter of the file list. */
export function initBoard() {
  $("#file-prev").addEventListener("click", () => {
    board.page = Math.max(0, board.page - 1);
    drawPage();
  });
  $("#file-next").addEventListener("click", () => {
    board.page += 1;
    drawPage();
  });
  $("#file-filter").addEventListener("change", (event) => {
    board.filter = event.currentTarget.value;
    board.page = 0;
    drawPage();
  });
}
