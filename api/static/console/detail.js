// The candidate detail view: the parsed profile, the score in plain words, the
// original file (PDFs shown inline), and previous/next in the ranking.

import * as api from "./api.js";
import { $, h, say, show } from "./dom.js";
import { deleteCandidate, exportCandidate, revealCandidate } from "./privacy.js";
import { COMPONENTS, EDUCATION, bar } from "./ranking.js";
import { describe } from "./state.js";
import { formatScore } from "./views.js";

const dialog = () => $("#candidate-dialog");
let current = null;

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The score's parts as sentences a recruiter reads ("matched 5 of 6 required skills"). */
export function reasons(candidate, posting) {
  const matched = new Set((candidate.matched_skills || []).map((m) => m.skill.toLowerCase()));
  const required = posting?.required_skills || [];
  const lines = [];
  if (required.length) {
    const have = required.filter((s) => matched.has(s.toLowerCase())).length;
    lines.push(`Matched ${have} of ${plural(required.length, "required skill")}.`);
  }
  const preferred = posting?.preferred_skills || [];
  if (preferred.length) {
    const have = preferred.filter((s) => matched.has(s.toLowerCase())).length;
    lines.push(`Has ${have} of ${plural(preferred.length, "preferred skill")}.`);
  }
  const years = Number(candidate.total_years_experience ?? candidate.years_experience);
  if (Number.isFinite(years) && years > 0) {
    const roles = (candidate.experience || []).length;
    lines.push(`${years.toFixed(1)} years of work${roles ? ` across ${plural(roles, "role")}` : ""}.`);
  }
  const occupation = (candidate.occupations || [])[0];
  if (occupation) lines.push(`Reads as ${occupation.title} (from “${occupation.from}”).`);
  return lines;
}

function part(key, label, item) {
  const percent = Math.round((Number(item.score) || 0) * 100);
  return h(
    "li",
    { dataset: { component: key } },
    h("span", { class: "component", text: label }),
    bar(percent, `${label} ${percent}%`),
    h("span", { class: "points", text: `${(Number(item.points) || 0).toFixed(1)} pts` }),
    h("span", { class: "evidence-text", text: item.evidence || "no evidence for this part" }),
  );
}

function skillItems(candidate) {
  const matched = new Map((candidate.matched_skills || []).map((m) => [m.skill, m]));
  const evidence = candidate.skill_evidence || [];
  const seen = new Set();
  const items = [];
  for (const m of matched.values()) {
    seen.add(m.skill);
    items.push({ skill: m.skill, evidence: m.evidence, match: m.match, posted: true });
  }
  for (const e of evidence) {
    if (!seen.has(e.skill)) items.push({ skill: e.skill, evidence: e.evidence, posted: false });
  }
  return items.map((item) =>
    h(
      "li",
      { class: item.posted ? "posted" : "" },
      h("strong", { text: item.skill }),
      item.posted ? h("span", { class: "badge ok", text: "posted skill" }) : null,
      item.match ? h("span", { class: "muted", text: ` ${item.match}` }) : null,
      item.evidence ? h("q", { text: item.evidence }) : h("span", { class: "muted", text: " (listed without a line to quote)" }),
    ),
  );
}

function workItems(candidate) {
  const jobs = candidate.experience || [];
  if (!jobs.length) return [h("li", { class: "muted", text: "No dated jobs found." })];
  return jobs.map((job) =>
    h(
      "li",
      {},
      h("strong", { text: job.title || "(title not found)" }),
      job.company ? ` · ${job.company}` : "",
      h("div", { class: "muted", text: `${job.start || "?"} – ${job.end || "?"}` }),
    ),
  );
}

function educationItems(candidate) {
  const items = candidate.education || [];
  if (!items.length) return [h("li", { class: "muted", text: "No education found." })];
  return items.map((e) =>
    h(
      "li",
      {},
      h("strong", { text: e.degree || EDUCATION[e.level] || "Degree" }),
      e.institution ? ` · ${e.institution}` : "",
      e.graduation_year ? ` (${e.graduation_year})` : "",
    ),
  );
}

function fileView(candidate) {
  if (!candidate.download_url) return h("span");
  const isPdf = /\.pdf$/i.test(candidate.filename || "");
  if (!isPdf) return h("p", { class: "muted", text: "Only PDFs are shown here; download the file to read it." });
  return h("iframe", {
    src: `${candidate.download_url}&inline=true`,
    title: `${candidate.filename} (the original CV)`,
    class: "file-frame",
    loading: "lazy",
  });
}

function render(candidate, posting) {
  current = candidate;
  $("#detail-name").textContent = `${candidate.rank ? `#${candidate.rank} ` : ""}${candidate.name || "(name not found)"}`;
  $("#detail-headline").textContent = [candidate.headline, candidate.location].filter(Boolean).join(" · ");
  $("#detail-score").textContent = `Score ${formatScore(candidate.score)} of 100. ${reasons(candidate, posting).join(" ")}`;
  const breakdown = candidate.breakdown || {};
  $("#detail-why").replaceChildren(...COMPONENTS.filter(([k]) => breakdown[k]).map(([k, label]) => part(k, label, breakdown[k])));
  $("#detail-skills").replaceChildren(...skillItems(candidate));
  $("#detail-work").replaceChildren(...workItems(candidate));
  $("#detail-education").replaceChildren(...educationItems(candidate));
  $("#detail-contact").textContent = [candidate.email, candidate.phone, ...(candidate.links || [])].filter(Boolean).join(" · ");
  const download = $("#detail-download");
  show(download.parentElement, Boolean(candidate.download_url));
  download.href = candidate.download_url || "#";
  download.textContent = `Download ${candidate.filename}`;
  $("#detail-file").replaceChildren(fileView(candidate));
  show($("#detail-blind"), Boolean(candidate.blind));
  show($("#detail-reveal"), Boolean(candidate.blind));
  say($("#detail-message"), "");
  $("#detail-prev").disabled = !candidate.previous_id;
  $("#detail-next").disabled = !candidate.next_id;
}

/** Open the detail view of one candidate (by id). */
export async function openCandidate(id, posting, { onError } = {}) {
  try {
    const candidate = await api.get(`/candidates/${encodeURIComponent(id)}`);
    render(candidate, posting);
    if (!dialog().open) dialog().showModal();
    $("#detail-name").focus();
  } catch (err) {
    onError?.(describe(err));
  }
}

export function initDetail(getPosting, onError, onChanged = () => {}) {
  $("#detail-close").addEventListener("click", () => dialog().close());
  $("#detail-export").addEventListener("click", () => current && exportCandidate(current, $("#detail-message")));
  $("#detail-reveal").addEventListener("click", async () => {
    if (!current) return;
    const shown = await revealCandidate(current, $("#detail-message"));
    if (shown) {
      render(shown, getPosting());
      onChanged(); // the ranking shows the name now
      $("#detail-name").focus();
    }
  });
  $("#detail-delete").addEventListener("click", async () => {
    if (!current) return;
    const erased = current;
    if (await deleteCandidate(erased, $("#detail-message"))) {
      current = null;
      dialog().close();
      onChanged(erased);
    }
  });
  $("#detail-prev").addEventListener("click", () => current?.previous_id && openCandidate(current.previous_id, getPosting(), { onError }));
  $("#detail-next").addEventListener("click", () => current?.next_id && openCandidate(current.next_id, getPosting(), { onError }));
  dialog().addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea, select")) return;
    if (event.key === "ArrowLeft" && current?.previous_id) $("#detail-prev").click();
    if (event.key === "ArrowRight" && current?.next_id) $("#detail-next").click();
  });
  dialog().addEventListener("close", () => {
    $("#detail-file").replaceChildren();
    const row = current && document.querySelector(`#ranking tr[data-candidate-id="${current.id}"] .open-candidate`);
    row?.focus();
  });
}
