// Rendering of postings, the live job, per-file statuses and the job history.

import { $, formatDate, h, toPercent } from "./dom.js";

// ---- postings --------------------------------------------------------------

/** Append postings to the list; each one is a button that selects it. */
export function renderPostings(list, postings, selectedId, onSelect) {
  for (const posting of postings) {
    const skills = (posting.required_skills || []).join(", ");
    const button = h(
      "button",
      {
        type: "button",
        class: "posting",
        "aria-pressed": String(posting.id === selectedId),
        dataset: { postingId: posting.id },
        onclick: () => onSelect(posting),
      },
      h("strong", { text: posting.title }),
      h("span", { class: "muted", text: skills ? `Required: ${skills}` : "No required skills" }),
    );
    list.append(h("li", {}, button));
  }
}

export function markSelectedPosting(list, postingId) {
  for (const button of list.querySelectorAll("button.posting")) {
    button.setAttribute("aria-pressed", String(button.dataset.postingId === postingId));
  }
}

// ---- uploads ---------------------------------------------------------------

/** Rejects as `<li>`: filename, error code and detail. */
export function renderRejects(list, rejects) {
  for (const reject of rejects) {
    list.append(
      h(
        "li",
        { dataset: { errorCode: reject.error_code || "" } },
        h("span", { class: "filename", text: reject.filename || "(unnamed file)" }),
        " ",
        h("code", { text: reject.error_code || "ERROR" }),
        reject.detail ? h("span", { class: "muted", text: ` — ${reject.detail}` }) : null,
      ),
    );
  }
}

// ---- live job --------------------------------------------------------------

const TERMINAL_STATUSES = new Set(["succeeded", "failed", "cancelled"]);
const PIPELINES = { cv_match: "Screening", cv_rescore: "Rescore" };

/** Job progress (the API reports 0..100) as an integer percent. */
export function jobPercent(job) {
  if (job.status === "succeeded") return 100;
  if (job.progress !== undefined && job.progress !== null) return toPercent(job.progress, "percent");
  return job.total ? toPercent(job.done / job.total, "fraction") : 0;
}

/** Show status, stage, counts and the progress bar of a Job or an event. */
export function renderJobState(job) {
  const percent = jobPercent(job);
  const bar = $("#job-progress");
  bar.value = percent;
  bar.dataset.progress = String(percent);
  bar.setAttribute("aria-valuetext", `${percent}%`);
  $("#job-percent").textContent = `${percent}%`;
  if (job.status) {
    const status = $("#job-status");
    status.textContent = job.status;
    status.dataset.status = job.status;
  }
  // a finished job has no stage left (its last event may still name the one it was in)
  if (TERMINAL_STATUSES.has(job.status)) $("#job-stage").textContent = "finished";
  else if (job.stage !== undefined) $("#job-stage").textContent = job.stage || "–";
  if (job.total) $("#job-counts").textContent = `${job.done ?? 0} of ${job.total} done`;
  $("#job-cancel").disabled = !["queued", "running"].includes(job.status);
  $("#job-retry").disabled = !["failed", "cancelled"].includes(job.status);
}

/** The polite live region: announce status and stage changes, not every tick. */
export function announce(text) {
  const live = $("#job-live");
  if (live.textContent !== text) live.textContent = text;
}

/** A candidate score (0..100) with one decimal. */
export function formatScore(score) {
  if (score === null || score === undefined || score === "") return "–";
  const n = Number(score);
  return Number.isFinite(n) ? n.toFixed(1) : "–";
}

// ---- history ---------------------------------------------------------------

/**
 * Append jobs to the history table; `onOpen(job)` follows one. `titles` maps posting
 * ids to titles (a job of an unknown posting shows its kind only).
 */
export function renderHistory(tbody, jobs, onOpen, titles = new Map(), onDelete = null) {
  for (const job of jobs) {
    const percent = jobPercent(job);
    const kind = PIPELINES[job.pipeline] || job.pipeline;
    const title = titles.get(job.posting_id);
    tbody.append(
      h(
        "tr",
        { dataset: { jobId: job.id, status: job.status } },
        h("td", { text: formatDate(job.created_at) }),
        h(
          "td",
          { class: "posting-cell" },
          h("strong", { text: title || "(posting deleted)" }),
          h("span", { class: "muted", text: ` · ${kind}` }),
        ),
        h("td", {}, h("span", { class: "badge", dataset: { status: job.status }, text: job.status })),
        h(
          "td",
          { class: "progress-cell" },
          h("progress", { max: 100, value: percent, "aria-label": `Job ${job.id} progress` }),
          h("span", { class: "percent", text: `${percent}%` }),
        ),
        h("td", { text: job.total ? `${job.done}/${job.total}` : "" }),
        h(
          "td",
          {},
          h("button", {
            type: "button",
            class: "secondary small",
            text: "Open",
            "aria-label": `Open job created ${formatDate(job.created_at)}`,
            onclick: () => onOpen(job),
          }),
          onDelete && TERMINAL_STATUSES.has(job.status)
            ? h("button", {
                type: "button",
                class: "danger small",
                text: "Delete",
                "aria-label": `Delete job created ${formatDate(job.created_at)}`,
                onclick: () => onDelete(job),
              })
            : null,
        ),
      ),
    );
  }
}
