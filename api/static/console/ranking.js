// The ranked candidates table and the list of files that could not be screened.

import { h } from "./dom.js";
import { formatScore } from "./views.js";

export const COMPONENTS = [
  ["required_skills", "Required skills"],
  ["preferred_skills", "Preferred skills"],
  ["text_relevance", "Text relevance"],
  ["title_similarity", "Title similarity"],
  ["occupation_match", "Occupation"],
  ["experience_fit", "Experience fit"],
  ["education_fit", "Education fit"],
];

export const EDUCATION = {
  high_school: "High school",
  diploma: "Diploma",
  bachelor: "Bachelor",
  master: "Master",
  doctorate: "Doctorate",
};

/** A horizontal bar for a 0..100 value, with the number as text. */
export function bar(percent, label) {
  const value = Math.max(0, Math.min(100, Number(percent) || 0));
  const fill = h("span", { class: "bar-fill" });
  // Through the CSSOM: the service's CSP (style-src 'self') blocks style attributes.
  fill.style.width = `${value}%`;
  return h("span", { class: "bar", role: "img", "aria-label": label }, fill);
}

function scoreCell(candidate) {
  const text = formatScore(candidate.score);
  return h(
    "td",
    { class: "score", dataset: { score: candidate.score ?? "" } },
    h("span", { class: "score-number", text }),
    bar(Number(text), `Score ${text} of 100`),
  );
}

function matchedCell(matched = []) {
  if (!matched.length) return h("td", { class: "muted", text: "none" });
  const chips = matched.map((m) => {
    const evidence = m.evidence ? String(m.evidence) : "no evidence quoted";
    return h(
      "li",
      {},
      h("span", {
        class: "chip matched",
        tabindex: 0,
        title: evidence,
        "aria-label": `${m.skill}: ${evidence}`,
        dataset: { evidence },
        text: m.skill,
      }),
    );
  });
  return h("td", {}, h("ul", { class: "chips" }, chips));
}

function missingCell(missing = []) {
  if (!missing.length) return h("td", { class: "muted", text: "none" });
  return h(
    "td",
    {},
    h("ul", { class: "chips" }, missing.map((skill) => h("li", {}, h("span", { class: "chip missing", text: skill })))),
  );
}

function years(value) {
  const n = Number(value);
  return value === null || value === undefined || !Number.isFinite(n) ? "–" : n.toFixed(1);
}

/**
 * Append CandidateSummary rows to the ranking table body. `onOpen(candidate)` shows
 * the detail view; `selected` is the Set of selected ids; `onSelect(id, checked)`.
 */
export function renderCandidates(tbody, candidates, { onOpen, selected, onSelect }) {
  for (const c of candidates) {
    const name = c.name || "(name not found)";
    tbody.append(
      h(
        "tr",
        { dataset: { candidateId: c.id, fileId: c.file_id } },
        h(
          "td",
          {},
          h("input", {
            type: "checkbox",
            class: "select",
            "aria-label": `Select ${name}`,
            checked: selected.has(c.id),
            onchange: (event) => onSelect(c.id, event.currentTarget.checked),
          }),
        ),
        h("td", { class: "rank", text: c.rank ?? "" }),
        h(
          "td",
          {},
          h("button", {
            type: "button",
            class: "link open-candidate",
            text: name,
            "aria-label": `View ${name}`,
            onclick: () => onOpen(c),
          }),
          c.location ? h("div", { class: "muted", text: c.location }) : null,
        ),
        scoreCell(c),
        h("td", { class: "num", text: years(c.years_experience) }),
        h("td", { text: EDUCATION[c.education_level] || "–" }),
        matchedCell(c.matched_skills || []),
        missingCell(c.missing_skills || []),
        h(
          "td",
          { class: "file" },
          c.download_url
            ? h("a", {
                href: c.download_url,
                target: "_blank",
                rel: "noopener",
                text: c.filename || "file",
                "aria-label": `Open ${c.filename || "the file"} of ${name}`,
              })
            : h("span", { text: c.filename || "" }),
        ),
      ),
    );
  }
}

/**
 * Fill the #file-errors section from job results with status "error" and the
 * intake rejects of the upload. Entries are keyed by file id or filename.
 */
export function renderFileErrors(section, errors) {
  const list = section.querySelector("ul");
  list.replaceChildren();
  const seen = new Set();
  for (const e of errors) {
    const key = `${e.file_id || ""}|${e.filename}|${e.error_code}`;
    if (seen.has(key)) continue;
    seen.add(key);
    list.append(
      h(
        "li",
        { dataset: { fileId: e.file_id || "", errorCode: e.error_code || "" } },
        h("span", { class: "filename", text: e.filename || e.key || "(unnamed file)" }),
        " ",
        h("code", { text: e.error_code || "ERROR" }),
        e.detail ? h("span", { class: "muted", text: ` — ${e.detail}` }) : null,
        e.source === "upload" ? h("span", { class: "muted", text: " (rejected at upload)" }) : null,
      ),
    );
  }
  section.hidden = list.children.length === 0;
}
