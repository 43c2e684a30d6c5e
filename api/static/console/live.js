// The live job view: progress, per-file statuses, cancel and retry.

import * as api from "./api.js";
import { $, clear, say, show } from "./dom.js";
import { JobStream } from "./jobs.js";
import { guarded, remember, state } from "./state.js";
import * as views from "./views.js";

const hooks = { onFinished: async () => {} };

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
  const list = clear($("#file-status"));
  for (const item of intake.items || []) {
    views.upsertFileStatus(list, { file_id: item.id, filename: item.filename, status: "queued" });
  }
  for (const reject of state.intakeRejects) {
    views.upsertFileStatus(list, { ...reject, status: "rejected" });
  }
  views.renderJobState({ status: job.status, progress: job.progress ?? 0, stage: job.stage, done: job.done, total: job.total });
  state.stream = new JobStream(job.id, {
    onEvent: onJobEvent,
    onTerminal: onJobFinished,
    onConnection: onConnection,
  }).start();
}

function onJobEvent(event) {
  views.renderJobState(event);
  if (event.type === "job.file" && event.data) views.upsertFileStatus($("#file-status"), event.data);
  if (event.message && event.type !== "job.snapshot") $("#job-message").textContent = event.message;
  // Announce status and stage changes, and progress in steps of 25 %, not every tick.
  const step = Math.floor(views.jobPercent(event) / 25) * 25;
  const text = `Job ${event.status || ""}${event.stage ? `: ${event.stage}` : ""}, ${step}% done`;
  if (text !== state.lastAnnounced) {
    state.lastAnnounced = text;
    views.announce(text);
  }
}

async function onJobFinished(event) {
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
