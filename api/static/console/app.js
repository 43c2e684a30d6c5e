// Wiring of the console: session, postings, shortlist and job history.
// The upload lives in upload.js, the live job view in live.js and board.js, the
// posting form in posting.js, the shortlist in shortlist.js, the detail in detail.js.

import * as api from "./api.js";
import * as board from "./board.js";
import { initDetail, openCandidate } from "./detail.js";
import { $, clear, h, say, show } from "./dom.js";
import { followJob, initLive } from "./live.js";
import { editPosting, initPostingForm } from "./posting.js";
import { eraseConfirmed, initAccount, initAudit, showAudit } from "./privacy.js";
import { renderFileErrors } from "./ranking.js";
import { initShortlist, loadRanking, resetShortlist } from "./shortlist.js";
import { describe, forget, guarded, recall, remember, state } from "./state.js";
import { initUpload, updateSelection } from "./upload.js";
import * as views from "./views.js";

const postingTitles = new Map();

function notice(message) {
  say($("#notice"), message, "error");
}

// ---- session ---------------------------------------------------------------

function showSignedIn(user) {
  state.user = user;
  $("#session-user").textContent = user.full_name ? `${user.full_name} (${user.email})` : user.email;
  show($("#session"));
  show($("#auth-section"), false);
  show($("#app-section"));
  showAudit(user);
}

function signOut(message = "") {
  state.stream?.stop();
  Object.assign(state, { user: null, posting: null, job: null, stream: null, files: [] });
  api.setToken(null);
  forget();
  updateSelection();
  show($("#session"), false);
  show($("#app-section"), false);
  for (const id of ["#upload-section", "#job-section", "#ranking-section", "#audit-section"]) show($(id), false);
  clear($("#ranking tbody"));
  clear($("#file-status"));
  show($("#auth-section"));
  say($("#auth-message"), message, message ? "error" : "info");
  $("#login-email").focus();
}

async function enterApp() {
  const user = await api.get("/auth/me");
  showSignedIn(user);
  say($("#notice"), "");
  await loadPostings(true);
  await Promise.all([loadHistory(true), restoreCurrent()]);
}

async function restoreCurrent() {
  const current = recall();
  if (!current.postingId) return;
  try {
    await selectPosting(await api.get(`/postings/${current.postingId}`));
    if (current.jobId) followJob({ id: current.jobId, posting_id: current.postingId });
  } catch {
    forget();
  }
}

$("#login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  guarded($("#auth-message"), async () => {
    await api.login(form.email.value.trim(), form.password.value);
    form.password.value = "";
    await enterApp();
  });
});

$("#register-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const password = form.password.value;
  if (password.length < 10) {
    say($("#auth-message"), "Password: use at least 10 characters.", "error");
    form.password.focus();
    return;
  }
  guarded($("#auth-message"), async () => {
    const email = form.email.value.trim();
    await api.register(email, password, form.full_name.value.trim());
    // signed in straight away: no second form to fill
    await api.login(email, password);
    form.reset();
    await enterApp();
    say($("#notice"), "");
  });
});

$("#logout").addEventListener("click", () => signOut());
api.setUnauthenticatedHandler((err) => signOut(`Signed out: ${err.describe()}`));

// ---- postings --------------------------------------------------------------

async function loadPostings(reset = false) {
  const list = $("#posting-list");
  if (reset) {
    clear(list);
    state.postingsCursor = null;
  }
  const page = await api.get("/postings", { limit: 20, cursor: state.postingsCursor });
  for (const p of page.items || []) postingTitles.set(p.id, p.title);
  views.renderPostings(list, page.items || [], state.posting?.id, selectPosting);
  state.postingsCursor = page.next_cursor;
  show($("#postings-more"), Boolean(page.next_cursor));
  if (!list.children.length) list.append(h("li", { class: "muted", text: "No postings yet." }));
}

async function selectPosting(posting) {
  if (state.posting?.id !== posting.id) resetShortlist();
  state.posting = posting;
  postingTitles.set(posting.id, posting.title);
  views.markSelectedPosting($("#posting-list"), posting.id);
  $("#selected-posting-title").textContent = posting.title;
  drawPostingState(posting);
  show($("#upload-section"));
  show($("#ranking-section"));
  remember();
  await loadRanking(true);
  await loadFileErrors();
}

initPostingForm(async (posting, created) => {
  await loadPostings(true);
  await selectPosting(posting);
  if (created) $("#dropzone").focus();
  else $("#posting-rescore").focus();
});

function drawPostingState(posting) {
  const closed = Boolean(posting.closed_at);
  $("#posting-close").textContent = closed ? "Reopen posting" : "Close posting";
  const keep = posting.retention_days ? `${posting.retention_days} days` : "the service's retention period";
  const parts = [posting.blind_review ? "Blind review is on." : ""];
  parts.push(closed ? `Closed ${new Date(posting.closed_at).toLocaleDateString()}; candidates are kept ${keep}, then erased.` : "");
  $("#posting-state").textContent = parts.filter(Boolean).join(" ");
}

function leavePosting() {
  state.stream?.stop();
  Object.assign(state, { posting: null, job: null, stream: null });
  forget();
  for (const id of ["#upload-section", "#job-section", "#ranking-section"]) show($(id), false);
}

$("#postings-more").addEventListener("click", () => guarded($("#notice"), () => loadPostings()));
$("#posting-close").addEventListener("click", () => {
  if (!state.posting) return;
  guarded($("#upload-message"), async () => {
    const closed = !state.posting.closed_at;
    const saved = await api.patch(`/postings/${state.posting.id}`, { closed });
    state.posting = saved;
    drawPostingState(saved);
    say($("#upload-message"), closed ? "Posting closed." : "Posting reopened.", "success");
  });
});
$("#posting-delete").addEventListener("click", async () => {
  const posting = state.posting;
  if (!posting) return;
  const message = "Its candidates, screenings and the CV files no other posting uses are erased. This cannot be undone.";
  if (await eraseConfirmed(`/postings/${posting.id}`, `Delete “${posting.title}”?`, message, $("#upload-message"))) {
    leavePosting();
    say($("#notice"), `Posting “${posting.title}” deleted.`, "success");
    await Promise.all([loadPostings(true), loadHistory(true)]);
  }
});
$("#posting-edit").addEventListener("click", () => state.posting && editPosting(state.posting));
$("#posting-rescore").addEventListener("click", () => {
  if (!state.posting) return;
  guarded($("#upload-message"), async () => {
    const job = await api.post(`/postings/${state.posting.id}/rescore`);
    say($("#upload-message"), "Rescoring every candidate with the posting as it is now.", "success");
    followJob(job);
    $("#job-section").scrollIntoView({ block: "start" });
  });
});

// ---- ranking and file errors -----------------------------------------------

async function loadFileErrors() {
  const job = state.job;
  const sameJob = Boolean(job) && (!job.posting_id || job.posting_id === state.posting?.id);
  let errors = sameJob ? [...state.intakeRejects] : [];
  if (sameJob && state.stream?.terminal) {
    const results = await api.listAll(`/jobs/${job.id}/results`);
    errors = errors.concat(results.filter((r) => r.status === "error"));
  }
  renderFileErrors($("#file-errors"), errors);
  for (const e of errors) {
    if (e.file_id) board.upsertFile({ ...e, status: e.status || "error" });
  }
}

initShortlist({
  onOpen: (candidate) => openCandidate(candidate.id, state.posting, { onError: notice }),
});
initDetail(() => state.posting, notice, () => loadRanking(true));

// ---- history ---------------------------------------------------------------

async function titlesFor(jobs) {
  const unknown = [...new Set(jobs.map((j) => j.posting_id).filter((id) => id && !postingTitles.has(id)))];
  await Promise.all(
    unknown.map((id) =>
      api.get(`/postings/${id}`).then(
        (p) => postingTitles.set(id, p.title),
        () => postingTitles.set(id, ""),
      ),
    ),
  );
}

async function loadHistory(reset = false) {
  const tbody = $("#history tbody");
  if (reset) state.historyCursor = null;
  const page = await api.get("/jobs", {
    status: $("#history-status").value,
    limit: 20,
    cursor: state.historyCursor,
  });
  await titlesFor(page.items || []);
  if (reset) clear(tbody);
  views.renderHistory(tbody, page.items || [], openJob, postingTitles, deleteJob);
  state.historyCursor = page.next_cursor;
  show($("#history-more"), Boolean(page.next_cursor));
}

async function deleteJob(job) {
  const message = "A screening's deletion also erases the candidates it ranked and the CV files no other candidate uses. This cannot be undone.";
  if (await eraseConfirmed(`/jobs/${job.id}`, "Delete this job?", message, $("#notice"))) {
    if (state.job?.id === job.id) {
      state.stream?.stop();
      Object.assign(state, { job: null, stream: null });
      show($("#job-section"), false);
    }
    await Promise.all([loadHistory(true), loadRanking(true)]);
  }
}

async function openJob(job) {
  await guarded($("#notice"), async () => {
    if (job.posting_id && job.posting_id !== state.posting?.id) {
      await selectPosting(await api.get(`/postings/${job.posting_id}`));
    }
    followJob(job);
    $("#job-section").scrollIntoView({ block: "start" });
    $("#job-title").focus?.();
  });
}

$("#history-status").addEventListener("change", () => guarded($("#notice"), () => loadHistory(true)));
$("#history-refresh").addEventListener("click", () => guarded($("#notice"), () => loadHistory(true)));
$("#history-more").addEventListener("click", () => guarded($("#notice"), () => loadHistory()));

// ---- start -----------------------------------------------------------------

initUpload(followJob);
initAudit();
initAccount(() => signOut("Your account and everything it held were deleted."));
initLive({
  onFinished: async () => {
    await Promise.all([loadRanking(true), loadHistory(true).catch(() => {})]);
    await loadFileErrors();
  },
});
if (api.getToken()) {
  enterApp().catch((err) => (api.getToken() ? notice(describe(err)) : null));
} else {
  signOut();
}
