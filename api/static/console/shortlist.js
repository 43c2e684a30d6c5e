// The shortlist: the ranking table with filters, sortable columns, a selection that
// exports to CSV or XLSX, and the score and skills charts.

import * as api from "./api.js";
import * as charts from "./charts.js";
import { $, clear, say, show, splitList } from "./dom.js";
import { renderCandidates } from "./ranking.js";
import { guarded, state } from "./state.js";

const list = {
  query: { sort: "rank", order: "asc" },
  selected: new Set(),
  shown: [], // ids in table order
  onOpen: () => {},
};

/** The API query for the current filters and sort. */
function query() {
  const form = $("#filters");
  const q = { sort: list.query.sort, order: list.query.order };
  if (form.min_score.value !== "") q.min_score = form.min_score.value;
  if (form.min_years.value !== "") q.min_years = form.min_years.value;
  if (form.education.value) q.education = form.education.value;
  if (form.location.value.trim()) q.location = form.location.value.trim();
  const skills = splitList(form.skill.value);
  const missing = splitList(form.missing.value);
  if (skills.length) q.skill = skills;
  if (missing.length) q.missing = missing;
  return q;
}

function drawSelection() {
  const n = list.selected.size;
  $("#selection-count").textContent = n ? `${n} candidate(s) selected; exports hold only them.` : "No candidates selected; exports hold every candidate shown.";
  const boxes = [...document.querySelectorAll("#ranking tbody input.select")];
  const all = $("#select-all");
  all.checked = boxes.length > 0 && boxes.every((b) => b.checked);
  all.indeterminate = !all.checked && boxes.some((b) => b.checked);
}

function select(id, checked) {
  if (checked) list.selected.add(id);
  else list.selected.delete(id);
  drawSelection();
}

/** Load the first (reset) or the next page of the shortlist. */
export async function loadRanking(reset = false) {
  if (!state.posting) return;
  const posting = state.posting;
  const tbody = $("#ranking tbody");
  await guarded($("#ranking-message"), async () => {
    if (reset) state.rankingCursor = null;
    const page = await api.get(`/postings/${posting.id}/candidates`, { ...query(), limit: 100, cursor: state.rankingCursor });
    if (posting !== state.posting) return;
    if (reset) {
      clear(tbody);
      list.shown = [];
    }
    const items = page.items || [];
    list.shown.push(...items.map((c) => c.id));
    renderCandidates(tbody, items, { onOpen: (c) => list.onOpen(c), selected: list.selected, onSelect: select });
    state.rankingCursor = page.next_cursor;
    show($("#ranking-more"), Boolean(page.next_cursor));
    if (!tbody.children.length) {
      const filtered = Object.keys(query()).length > 2;
      say($("#ranking-message"), filtered ? "No candidate matches these filters." : "No candidates screened for this posting yet.");
    }
    drawSelection();
    if (reset) await loadCharts(posting);
  });
}

async function loadCharts(posting) {
  const stats = await api.get(`/postings/${posting.id}/stats`);
  const bins = stats.score_bins.map((b) => ({ label: `${b.low}`, value: b.count }));
  const best = [...stats.score_bins].reverse().find((b) => b.count);
  charts.columns($("#score-chart"), bins, {
    summary: stats.total
      ? `${stats.total} candidates; ${stats.score_bins.map((b) => `${b.count} scored ${b.low} to ${b.high}`).filter((t) => !t.startsWith("0 ")).join(", ")}${best ? `; the best in ${best.low}–${best.high}` : ""}.`
      : "No candidates yet.",
  });
  const skills = stats.skills.map((s) => ({ label: s.skill, value: s.count, kind: s.kind }));
  charts.bars($("#skills-chart"), skills, stats.total);
}

function sortBy(header) {
  const key = header.dataset.sort;
  const order = list.query.sort === key && list.query.order === "asc" ? "desc" : "asc";
  list.query = { sort: key, order };
  for (const th of document.querySelectorAll("#ranking th[data-sort]")) {
    if (th === header) th.setAttribute("aria-sort", order === "asc" ? "ascending" : "descending");
    else th.removeAttribute("aria-sort");
  }
  return loadRanking(true);
}

async function exportAs(format) {
  const posting = state.posting;
  if (!posting) return;
  const { sort, order, skill, missing, ...rest } = query();
  const body = {
    format,
    query: { sort, order, skills: skill || [], missing: missing || [], ...rest },
  };
  if (list.selected.size) body.candidate_ids = [...list.selected];
  await guarded($("#ranking-message"), async () => {
    await api.saveAuthenticated(`/postings/${posting.id}/exports`, {}, `shortlist-${posting.id}.${format}`, body);
    say($("#ranking-message"), `Exported ${list.selected.size || "every shown"} candidate(s) as ${format.toUpperCase()}.`, "success");
  });
}

/** Forget the selection and filters (another posting was chosen). */
export function resetShortlist() {
  list.selected.clear();
  list.query = { sort: "rank", order: "asc" };
  for (const field of $("#filters").elements) if (field.name) field.value = "";
  for (const th of document.querySelectorAll("#ranking th[data-sort]")) {
    if (th.dataset.sort === "rank") th.setAttribute("aria-sort", "ascending");
    else th.removeAttribute("aria-sort");
  }
}

export function initShortlist({ onOpen }) {
  list.onOpen = onOpen;
  $("#filters").addEventListener("submit", (event) => {
    event.preventDefault();
    loadRanking(true);
  });
  $("#filters").addEventListener("reset", () => setTimeout(() => loadRanking(true)));
  for (const th of document.querySelectorAll("#ranking th[data-sort]")) {
    th.querySelector("button").addEventListener("click", () => sortBy(th));
  }
  $("#select-all").addEventListener("change", (event) => {
    const checked = event.currentTarget.checked;
    for (const box of document.querySelectorAll("#ranking tbody input.select")) {
      box.checked = checked;
      select(box.closest("tr").dataset.candidateId, checked);
    }
  });
  $("#export-csv").addEventListener("click", () => exportAs("csv"));
  $("#export-xlsx").addEventListener("click", () => exportAs("xlsx"));
  $("#ranking-more").addEventListener("click", () => loadRanking(false));
  $("#ranking-refresh").addEventListener("click", () => loadRanking(true));
}
