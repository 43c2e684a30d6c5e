// HTTP helpers for the cvmatch API: bearer token, error envelope, XHR uploads.

export const API = "/api/v1";
const TOKEN_KEY = "cvmatch.token";

/** An error answered by the API, carrying the envelope's fields. */
export class ApiError extends Error {
  constructor(status, body = {}) {
    super(body.detail || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.errorCode = body.error_code || (status === 0 ? "NETWORK_ERROR" : "HTTP_" + status);
    this.detail = body.detail || this.message;
    this.requestId = body.request_id || null;
    this.errors = Array.isArray(body.errors) ? body.errors : [];
    this.retryAfter = body.retryAfter || null;
  }

  /** One sentence for the user, in plain words (the stable code is `errorCode`). */
  describe() {
    if (this.errors.length) return this.errors.map(fieldSentence).join(" ");
    return PLAIN[this.errorCode] || this.detail;
  }
}

// What the user reads for the error codes a person meets; others show the API's detail.
const PLAIN = {
  INVALID_CREDENTIALS: "Wrong email or password.",
  EMAIL_TAKEN: "An account with this email already exists; log in instead.",
  TOKEN_EXPIRED: "Your session has expired; log in again.",
  UNAUTHENTICATED: "Please log in.",
  RATE_LIMITED: "Too many attempts; wait a minute and try again.",
  NETWORK_ERROR: "The service cannot be reached; check the connection and try again.",
  INTERNAL_ERROR: "Something went wrong on the server; try again.",
  SERVICE_UNAVAILABLE: "The service is busy or restarting; try again shortly.",
};

const FIELD_NAMES = { full_name: "Full name", min_years_experience: "Years of experience" };

function fieldSentence(error) {
  const loc = (error.loc || []).filter((p) => p !== "body" && p !== "query");
  const key = String(loc[loc.length - 1] ?? "");
  const name = FIELD_NAMES[key] || (key ? key[0].toUpperCase() + key.slice(1).replaceAll("_", " ") : "");
  let message = String(error.msg || "is not valid");
  const least = message.match(/at least (\d+) characters?/);
  if (least) message = `use at least ${least[1]} characters`;
  else if (/valid email/i.test(message)) message = "enter a valid email address";
  else if (/field required/i.test(message)) message = "this field is required";
  else message = message.replace(/^Value error, /, "");
  return name ? `${name}: ${message}.` : `${message}.`;
}

// ---- token -----------------------------------------------------------------

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

let onUnauthenticated = () => {};
/** Called with the ApiError whenever an authenticated call answers 401. */
export function setUnauthenticatedHandler(fn) {
  onUnauthenticated = fn;
}

function authHeaders() {
  const token = getToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function parseError(response) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    body = { detail: response.statusText || `HTTP ${response.status}` };
  }
  body.retryAfter = response.headers.get("Retry-After");
  return new ApiError(response.status, body);
}

// ---- fetch -----------------------------------------------------------------

/**
 * Call the API. `json` is sent as a JSON body, `form` as urlencoded; `query`
 * entries that are empty are dropped. Answers the parsed JSON (or null on 204).
 */
export async function request(method, path, { json, form, query, raw = false } = {}) {
  const url = new URL(API + path, location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (Array.isArray(value)) for (const item of value) url.searchParams.append(key, item);
    else if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  const headers = { Accept: raw ? "*/*" : "application/json", ...authHeaders() };
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) {
    body = new URLSearchParams(form);
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body });
  } catch (err) {
    throw new ApiError(0, { detail: `Network error: ${err.message}` });
  }
  if (!response.ok) {
    const error = await parseError(response);
    if (response.status === 401 && headers.Authorization) onUnauthenticated(error);
    throw error;
  }
  if (raw) return response;
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

export const get = (path, query) => request("GET", path, { query });
export const post = (path, json) => request("POST", path, { json });
export const patch = (path, json) => request("PATCH", path, { json });
export const del = (path) => request("DELETE", path);

// ---- accounts --------------------------------------------------------------

export function register(email, password, fullName) {
  return post("/auth/register", { email, password, full_name: fullName });
}

export async function login(email, password) {
  const answer = await request("POST", "/auth/token", {
    form: { username: email, password },
  });
  setToken(answer.access_token);
  return answer;
}

// ---- uploads ---------------------------------------------------------------

export const MAX_FILES_PER_REQUEST = 200;

/** POST /files with one XHR so the upload reports progress via onProgress(loaded, total). */
export function uploadBatch(files, onProgress) {
  return new Promise((resolve, reject) => {
    const data = new FormData();
    for (const file of files) data.append("files", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${API}/files`);
    const token = getToken();
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    };
    xhr.onerror = () => reject(new ApiError(0, { detail: "Network error during upload" }));
    xhr.onload = () => {
      let body = {};
      try {
        body = JSON.parse(xhr.responseText || "{}");
      } catch {
        body = { detail: xhr.statusText || `HTTP ${xhr.status}` };
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve({ items: body.items || [], errors: body.errors || [] });
      } else {
        const error = new ApiError(xhr.status, body);
        if (xhr.status === 401) onUnauthenticated(error);
        reject(error);
      }
    };
    xhr.send(data);
  });
}

/**
 * Upload many files in batches of at most MAX_FILES_PER_REQUEST. A batch answered
 * 413 REQUEST_TOO_LARGE is split in half and sent again. onProgress gets the
 * fraction 0..1 of all bytes sent.
 */
export async function uploadFiles(files, onProgress = () => {}) {
  const totalBytes = files.reduce((sum, f) => sum + f.size, 0) || 1;
  let sentBytes = 0;
  const result = { items: [], errors: [] };
  const queue = [];
  for (let i = 0; i < files.length; i += MAX_FILES_PER_REQUEST) {
    queue.push(files.slice(i, i + MAX_FILES_PER_REQUEST));
  }
  while (queue.length) {
    const batch = queue.shift();
    const batchBytes = batch.reduce((sum, f) => sum + f.size, 0);
    try {
      const answer = await uploadBatch(batch, (loaded, total) => {
        const share = total ? (loaded / total) * batchBytes : 0;
        onProgress(Math.min(1, (sentBytes + share) / totalBytes));
      });
      result.items.push(...answer.items);
      result.errors.push(...answer.errors);
    } catch (err) {
      if (err instanceof ApiError && err.status === 413 && batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        queue.unshift(batch.slice(0, half), batch.slice(half));
        continue;
      }
      if (err instanceof ApiError && err.status === 413) {
        result.errors.push({ filename: batch[0].name, error_code: err.errorCode, detail: err.detail });
      } else {
        throw err;
      }
    }
    sentBytes += batchBytes;
    onProgress(Math.min(1, sentBytes / totalBytes));
  }
  return result;
}

// ---- downloads -------------------------------------------------------------

/** Fetch a file with the bearer token (GET, or POST with `json`) and save it under `filename`. */
export async function saveAuthenticated(path, query, filename, json) {
  const method = json === undefined ? "GET" : "POST";
  const response = await request(method, path, { query, json, raw: true });
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Follow next_cursor until the list ends (or `max` items were read). */
export async function listAll(path, query = {}, max = 10_000) {
  const items = [];
  let cursor = null;
  do {
    const page = await get(path, { ...query, limit: 200, cursor });
    items.push(...(page.items || []));
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}
