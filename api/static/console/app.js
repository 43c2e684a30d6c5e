// Wiring of the console: session, postings, ranking and job history.
// The upload lives in upload.js, the live job view in live.js.

import * as api from "./api.js";
import { $, clear, h, say, show, splitList } from "./dom.js";
import { followJob, initLive } from "./live.js";
import { renderCandidates, renderFileErrors } from "./ranking.js";
import { describe, forget, guarded, recall, remember, state } from "./state.js";
import { initUpload, updateSelection } from "./upload.js";
import * as views from "./views.js";

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
}

function signOut(message = "") {
  state.stream?.stop();
  Object.assign(state, { user: null, posting: null, job: null, stream: null, files: [] });
  api.setToken(null);
  forget();
  updateSelection();
  show($("#session"), false);
  show($("#app-section"), false);
  for (const id of ["#upload-section", "#job-section", "#ranking-section"]) show($(id), false);
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
  await Promise.all([loadPostings(true), loadHistory(true)]);
  await restoreCurrent();
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
  guarded($("#auth-message"), async () => {
    const email = form.email.value.trim();
    await api.register(email, form.password.value, form.full_name.value.trim());
    say($("#auth-message"), `Account created for ${email}. You can log in now.`, "success");
    $("#login-email").value = email;
    form.reset();
    $("#login-password").focus();
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
  views.renderPostings(list, page.items || [], state.posting?.id, selectPosting);
  state.postingsCursor = page.next_cursor;
  show($("#postings-more"), Boolean(page.next_cursor));
  if (!list.children.length) list.append(h("li", { class: "muted", text: "No postings yet." }));
}

async function selectPosting(posting) {
  state.posting = posting;
  views.markSelectedPosting($("#posting-list"), posting.id);
  $("#selected-posting-title").textContent = posting.title;
  show($("#upload-section"));
  show($("#ranking-section"));
  remember();
  await loadRanking(true);
}

$("#posting-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  guarded($("#posting-message"), async () => {
    const body = {
      title: form.title.value.trim(),
      description: form.description.value.trim(),
      required_skills: splitList(form.required_skills.value),
      preferred_skills: splitList(form.preferred_skills.value),
      min_years_experience: Number(form.min_years_experience.value || 0),
    };
    const posting = await api.post("/postings", body);
    say($("#posting-message"), `Posting “${posting.title}” created.`, "success");
    form.reset();
    await loadPostings(true);
    await selectPosting(posting);
    $("#dropzone").focus();
  });
});

$("#postings-more").addEventListener("click", () => guarded($("#notice"), () => loadPostings()));

// ---- ranking ---------------------------------------------------------------

async function loadRanking(reset = false) {
  if (!state.posting) return;
  const posting = state.posting;
  const tbody = $("#ranking tbody");
  await guarded($("#ranking-message"), async () => {
    if (reset) state.rankingCursor = null;
    const page = await api.get(`/postings/${posting.id}/candidates`, { limit: 100, cursor: state.rankingCursor });
    if (reset) clear(tbody);
    renderCandidates(tbody, page.items || []);
    state.rankingCursor = page.next_cursor;
    show($("#ranking-more"), Boolean(page.next_cursor));
    if (!tbody.children.length) say($("#ranking-message"), "No candidates screened for this posting yet.");
    if (reset) await loadFileErrors();
  });
}

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
    if (e.file_id) views.upsertFileStatus($("#file-status"), { ...e, status: e.status || "error" });
  }
}

$("#ranking-more").addEventListener("click", () => loadRanking(false));
$("#ranking-refresh").addEventListener("click", () => loadRanking(true));
$("#download-csv").addEventListener("click", () => {
  if (!state.posting) return;
  const id = state.posting.id;
  guarded($("#ranking-message"), () =>
    api.saveAuthenticated(`/postings/${id}/candidates`, { format: "csv" }, `ranking-${id}.csv`),
  );
});

// ---- history ---------------------------------------------------------------

async function loadHistory(reset = false) {
  const tbody = $("#history tbody");
  if (reset) state.historyCursor = null;
  const page = await api.get("/jobs", {
    status: $("#history-status").value,
    limit: 20,
    cursor: state.historyCursor,
  });
  if (reset) clear(tbody);
  views.renderHistory(tbody, page.items || [], openJob);
  state.historyCursor = page.next_cursor;
  show($("#history-more"), Boolean(page.next_cursor));
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
initLive({
  onFinished: () => Promise.all([loadRanking(true), loadHistory(true).catch(() => {})]),
});
if (api.getToken()) {
  enterApp().catch((err) => (api.getToken() ? notice(describe(err)) : null));
} else {
  signOut();
}
