// Privacy in the console: confirmation before erasing anything, the subject access
// export, blind review's reveal, deleting the account, and the audit trail for admins.

import * as api from "./api.js";
import { $, clear, formatDate, h, say, show } from "./dom.js";
import { guarded } from "./state.js";

// ---- confirmation ----------------------------------------------------------

/** Ask before an irreversible step; resolves true when the user confirms. */
export function confirmAction(title, message, actionLabel) {
  const dialog = $("#confirm-dialog");
  $("#confirm-title").textContent = title;
  $("#confirm-message").textContent = message;
  $("#confirm-ok").textContent = actionLabel;
  return new Promise((resolve) => {
    const done = () => {
      dialog.removeEventListener("close", done);
      resolve(dialog.returnValue === "confirm");
    };
    dialog.returnValue = "";
    dialog.addEventListener("close", done);
    dialog.showModal();
    $("#confirm-cancel").focus();
  });
}

/** DELETE `path` once the user confirms; true when it was deleted. */
export async function eraseConfirmed(path, title, message, target) {
  if (!(await confirmAction(title, message, "Delete for good"))) return false;
  const deleted = await guarded(target, async () => {
    await api.request("DELETE", path);
    return true;
  });
  return Boolean(deleted);
}

// ---- a candidate -----------------------------------------------------------

export function exportCandidate(candidate, target) {
  return guarded(target, () =>
    api.saveAuthenticated(`/candidates/${candidate.id}/export`, { format: "zip" }, `candidate-${candidate.id}.zip`),
  );
}

export function revealCandidate(candidate, target) {
  return guarded(target, () => api.post(`/candidates/${candidate.id}/reveal`));
}

export function deleteCandidate(candidate, target) {
  return eraseConfirmed(
    `/candidates/${candidate.id}`,
    `Delete ${candidate.name || "this candidate"}?`,
    "The profile, scores and the CV file (unless another posting uses it) are erased. This cannot be undone.",
    target,
  );
}

// ---- the account -----------------------------------------------------------

export function initAccount(onDeleted) {
  $("#account-delete").addEventListener("click", async () => {
    const gone = await eraseConfirmed(
      "/auth/me",
      "Delete your account?",
      "Every posting, candidate, CV file and job of the account is erased. This cannot be undone.",
      $("#notice"),
    );
    if (gone) onDeleted();
  });
}

// ---- the audit trail (admins) ----------------------------------------------

const audit = { cursor: null };

function auditRow(entry) {
  const who = entry.actor_id ? `${entry.actor_id.slice(0, 8)} · ${entry.via}` : entry.via;
  return h(
    "tr",
    { dataset: { action: entry.action } },
    h("td", { text: formatDate(entry.created_at) }),
    h("td", {}, h("span", { class: "badge", text: entry.action })),
    h("td", { text: `${entry.subject_type} ${entry.subject_id}` }),
    h("td", { text: who }),
    h("td", { class: "muted", text: entry.detail ? JSON.stringify(entry.detail) : "" }),
  );
}

async function loadAudit(reset) {
  const form = $("#audit-filters");
  const tbody = $("#audit tbody");
  await guarded($("#audit-message"), async () => {
    if (reset) audit.cursor = null;
    const page = await api.get("/admin/audit", {
      action: form.action.value,
      subject_type: form.subject_type.value,
      subject_id: form.subject_id.value.trim(),
      limit: 50,
      cursor: audit.cursor,
    });
    if (reset) clear(tbody);
    for (const entry of page.items || []) tbody.append(auditRow(entry));
    audit.cursor = page.next_cursor;
    show($("#audit-more"), Boolean(page.next_cursor));
    if (!tbody.children.length) say($("#audit-message"), "No entries match.");
  });
}

/** Show the audit section to admins; others never see it. */
export function initAudit() {
  $("#audit-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    loadAudit(true);
  });
  $("#audit-more").addEventListener("click", () => loadAudit(false));
}

export function showAudit(user) {
  show($("#audit-section"), Boolean(user?.is_admin));
  if (user?.is_admin) loadAudit(true);
}
