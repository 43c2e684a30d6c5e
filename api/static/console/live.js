// The live job view: progress, the board of per-file statuses, cancel and retry.
// Events update state at once and the page a few times a second (board.js).

import * as api from "./api.js";
import * as board from "./board.js";
import { $, say, show } from "./dom.js";
import { JobStream } from "./jobs.js";
import { guarded, remember, state } from "./state.js";
import * as views from "./views.js";

const hooks = { onFinished: async () => {} };
let latest = null; // the newest job state, drawn at the next flush
let message = "";

export function followJob(job, intake = { items: [], errors: [] }) {
  state.stream?.stop();
  state.job = job;
  state.intakeRejects = (intake.errors || []).map((e) => ({ ...e, source: "upload" }));
  state.lastAnnounced = "";
  remember();
  show($("#job-section"));
  $("#job-id").textContent = job.id;
  say($("#job-error"), "");
  $("#job-message").textContent = "";
  board.resetBoard();
  const blind = Boolean(state.posting?.blind_review); // the board names no file either
  for (const item of intake.items || []) {
    board.upsertFile({ file_id: item.id, filename: blind ? undefined : item.filename, status: "queued" });
  }
  for (const reject of state.intakeRejects) board.upsertFile({ ...reject, status: "rejected" });
  latest = null;
  views.renderJobState({ status: job.status, progress: job.progress ?? 0, stage: job.stage, done: job.done, total: job.total });
  state.stream = new JobStream(job.id, {
    onEvent: onJobEvent,
    onTerminal: onJobFinished,
    onConnection: onConnection,
  }).start();
}

function onJobEvent(event) {
  if (event.type === "job.file" && event.data) board.upsertFile(event.data);
  if (event.message && event.type !== "job.snapshot") message = event.message;
  latest = { ...(latest || {}), ...event };
  board.later(drawJob);
}

function drawJob() {
  if (!latest) return;
  views.renderJobState(latest);
  $("#job-message").textContent = message;
  // Announce status and stage changes, and progress in steps of 25 %, not every tick.
  const step = Math.floor(views.jobPercent(latest) / 25) * 25;
  const text = `Job ${latest.status || ""}${latest.stage ? `: ${latest.stage}` : ""}, ${step}% done`;
  if (text !== state.lastAnnounced) {
    state.lastAnnounced = text;
    views.announce(text);
  }
}

async function onJobFinished(event) {
  latest = { ...(latest || {}), ...event };
  message = "";
  board.flush();
  views.renderJobState(event);
  $("#job-message").textContent = "";
  views.announce(`Job ${event.status}.`);
  if (event.status === "failed") {
    say($("#job-error"), `The job failed${event.message ? `: ${event.message}` : ""}.`, "error");
  }
  await hooks.onFinished(event);
}

function onConnection(connection, detail) {
  const labels = {
    connecting: "Connecting to live updates…",
    open: "Live updates connected.",
    reconnecting: `Live updates interrupted (${detail}).`,
    closed: "Live updates finished.",
    error: `Live updates stopped: ${detail}`,
  };
  $("#job-connection").textContent = labels[connection] || connection;
  $("#job-connection").dataset.state = connection;
}

/** Wire cancel and retry; onFinished(event) runs after the terminal job.status. */
export function initLive({ onFinished }) {
  hooks.onFinished = onFinished;
  board.initBoard();
  $("#job-cancel").addEventListener("click", () => {
    if (!state.job) return;
    guarded($("#job-error"), async () => {
      const job = await api.post(`/jobs/${state.job.id}/cancel`);
      views.renderJobState({ ...job, status: job.status });
      views.announce("Cancellation requested.");
    });
  });

  $("#job-retry").addEventListener("click", () => {
    if (!state.job) return;
    guarded($("#job-error"), async () => {
      const job = await api.post(`/jobs/${state.job.id}/retry`);
      if (job.id !== state.job.id) {
        followJob(job);
        return;
      }
      state.job = job;
      views.renderJobState(job);
      state.stream.resume();
    });
  });
}
