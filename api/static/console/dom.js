// Small DOM helpers shared by the views. No framework: elements are built with h().

/**
 * Create an element. `attrs` keys: `class`, `text`, `dataset` (object), `on<Event>`
 * (listener), booleans (set when true), anything else as an attribute.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export const $ = (selector, root = document) => root.querySelector(selector);

export function clear(el) {
  el.replaceChildren();
  return el;
}

export function show(el, visible = true) {
  el.hidden = !visible;
}

export function formatDate(value) {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Split "a, b ,c" into ["a", "b", "c"]. */
export function splitList(text) {
  return String(text || "")
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
}

/** Write a message into a status element (role=status or role=alert). */
export function say(el, message, kind = "info") {
  el.textContent = message || "";
  el.dataset.kind = kind;
  el.hidden = !message;
}

/** A 0..100 integer from a fraction (`scale` "fraction") or a percentage ("percent"). */
export function toPercent(value, scale = "percent") {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) return 0;
  const percent = scale === "fraction" ? number * 100 : number;
  return Math.max(0, Math.min(100, Math.round(percent)));
}
