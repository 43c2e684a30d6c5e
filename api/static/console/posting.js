// The posting form, for a new posting and for editing one: skills read from the
// description appear as chips the recruiter can move between required and preferred,
// remove, or add to. Skills left as read are not sent, so the service derives them
// (and the years and education) exactly as the API documents.

import * as api from "./api.js";
import { $, h, say, show } from "./dom.js";
import { describe } from "./state.js";

const PREVIEW_DELAY_MS = 400;
const editor = {
  required: [],
  preferred: [],
  touched: false, // the recruiter changed the chips: send them
  editing: null, // the posting being edited
  timer: null,
  asked: 0,
};

function chip(skill, kind) {
  const other = kind === "required" ? "preferred" : "required";
  return h(
    "li",
    { dataset: { skill, kind } },
    h("span", { class: `chip ${kind}`, text: skill }),
    h("button", {
      type: "button",
      class: "chip-action",
      text: `Make ${other}`,
      "aria-label": `Make ${other}: ${skill}`,
      onclick: () => move(skill, kind, other),
    }),
    h("button", {
      type: "button",
      class: "chip-action",
      text: "Remove",
      "aria-label": `Remove: ${skill}`,
      onclick: () => remove(skill, kind),
    }),
  );
}

function drawChips() {
  const empty = (text) => h("li", { class: "muted", text });
  $("#required-chips").replaceChildren(...(editor.required.length ? editor.required.map((s) => chip(s, "required")) : [empty("none")]));
  $("#preferred-chips").replaceChildren(...(editor.preferred.length ? editor.preferred.map((s) => chip(s, "preferred")) : [empty("none")]));
}

function move(skill, from, to) {
  editor[from] = editor[from].filter((s) => s !== skill);
  editor[to] = [...editor[to], skill];
  editor.touched = true;
  drawChips();
  $(`#${to}-chips li[data-skill="${CSS.escape(skill)}"] .chip-action`)?.focus();
}

function remove(skill, kind) {
  editor[kind] = editor[kind].filter((s) => s !== skill);
  editor.touched = true;
  drawChips();
  $("#skill-add").focus();
}

function add(kind) {
  const input = $("#skill-add");
  const skill = input.value.trim();
  if (!skill) return;
  const known = [...editor.required, ...editor.preferred].some((s) => s.toLowerCase() === skill.toLowerCase());
  if (!known) editor[kind] = [...editor[kind], skill];
  editor.touched = true;
  input.value = "";
  drawChips();
}

async function preview() {
  const form = $("#posting-form");
  const description = form.description.value.trim();
  if (!description || editor.touched) return;
  const asked = ++editor.asked;
  $("#skills-status").textContent = "Reading the description…";
  try {
    const read = await api.post("/postings/preview", { title: form.title.value.trim(), description });
    if (asked !== editor.asked || editor.touched) return;
    editor.required = read.required_skills;
    editor.preferred = read.preferred_skills;
    drawChips();
    const years = read.min_years_experience ? `, ${read.min_years_experience}+ years` : "";
    $("#skills-status").textContent =
      `Read ${editor.required.length} required and ${editor.preferred.length} preferred skill(s)${years}.`;
  } catch (err) {
    $("#skills-status").textContent = `Could not read the description: ${describe(err)}`;
  }
}

function schedulePreview() {
  clearTimeout(editor.timer);
  editor.timer = setTimeout(preview, PREVIEW_DELAY_MS);
}

/** The request body: only what the recruiter set, so the rest is derived. */
function body(form) {
  const data = { title: form.title.value.trim(), description: form.description.value.trim() };
  const years = form.min_years_experience.value;
  const education = form.education_level.value;
  if (editor.touched) {
    data.required_skills = editor.required;
    data.preferred_skills = editor.preferred;
  } else if (editor.editing) {
    data.required_skills = null; // read from the (new) description again
    data.preferred_skills = null;
  }
  if (years !== "") data.min_years_experience = Number(years);
  else if (editor.editing) data.min_years_experience = null;
  if (education) data.education_level = education;
  else if (editor.editing) data.education_level = null;
  data.blind_review = form.blind_review.checked;
  const keep = form.retention_days.value;
  if (keep !== "") data.retention_days = Number(keep);
  else if (editor.editing) data.retention_days = null;
  return data;
}

function resetForm() {
  const form = $("#posting-form");
  form.reset();
  Object.assign(editor, { required: [], preferred: [], touched: false, editing: null });
  $("#posting-form-title").textContent = "New posting";
  $("#posting-submit").textContent = "Create posting";
  show($("#posting-cancel-edit"), false);
  $("#skills-status").textContent = "";
  drawChips();
}

/** Load a posting into the form for editing (its skills count as the recruiter's). */
export function editPosting(posting) {
  resetForm();
  const form = $("#posting-form");
  editor.editing = posting;
  form.title.value = posting.title;
  form.description.value = posting.description;
  form.min_years_experience.value = posting.min_years_experience ?? "";
  form.education_level.value = posting.education_level || "";
  form.blind_review.checked = Boolean(posting.blind_review);
  form.retention_days.value = posting.retention_days ?? "";
  editor.required = [...posting.required_skills];
  editor.preferred = [...posting.preferred_skills];
  editor.touched = true;
  drawChips();
  $("#skills-status").textContent = "Editing: change the skills below, save, then rescore the candidates.";
  $("#posting-form-title").textContent = `Edit “${posting.title}”`;
  $("#posting-submit").textContent = "Save posting";
  show($("#posting-cancel-edit"));
  $("#postings-section").scrollIntoView({ block: "start" });
  form.title.focus();
}

/** Wire the form; onSaved(posting, created) selects the posting. */
export function initPostingForm(onSaved) {
  const form = $("#posting-form");
  form.description.addEventListener("input", schedulePreview);
  form.title.addEventListener("change", schedulePreview);
  $("#skill-add-required").addEventListener("click", () => add("required"));
  $("#skill-add-preferred").addEventListener("click", () => add("preferred"));
  $("#skill-add").addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      add("required");
    }
  });
  $("#posting-cancel-edit").addEventListener("click", resetForm);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const message = $("#posting-message");
    say(message, "");
    if (!form.title.value.trim() || !form.description.value.trim()) {
      say(message, "Give the posting a title and a description.", "error");
      return;
    }
    try {
      const editing = editor.editing;
      const saved = editing
        ? await api.patch(`/postings/${editing.id}`, body(form))
        : await api.post("/postings", body(form));
      say(message, editing ? `Posting “${saved.title}” saved. Rescore to apply it to the ranking.` : `Posting “${saved.title}” created.`, "success");
      resetForm();
      await onSaved(saved, !editing);
    } catch (err) {
      say(message, describe(err), "error");
    }
  });
  drawChips();
}
