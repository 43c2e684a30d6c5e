// Shared console state and message helpers.

import { ApiError } from "./api.js";
import { say } from "./dom.js";

const CURRENT_KEY = "cvmatch.current";

export const state = {
  user: null,
  posting: null,
  postingsCursor: null,
  files: [],
  job: null,
  stream: null,
  intakeRejects: [],
  rankingCursor: null,
  historyCursor: null,
  lastAnnounced: "",
};

export function describe(err) {
  return err instanceof ApiError ? err.describe() : String(err?.message || err);
}

/** Run `action`, showing its error (envelope detail and error_code) in `target`. */
export async function guarded(target, action) {
  try {
    say(target, "");
    return await action();
  } catch (err) {
    say(target, describe(err), "error");
    return undefined;
  }
}

/** Keep the selected posting and followed job across reloads of the tab. */
export function remember() {
  const current = { postingId: state.posting?.id, jobId: state.job?.id };
  sessionStorage.setItem(CURRENT_KEY, JSON.stringify(current));
}

export function recall() {
  try {
    return JSON.parse(sessionStorage.getItem(CURRENT_KEY) || "{}");
  } catch {
    return {};
  }
}

export function forget() {
  sessionStorage.removeItem(CURRENT_KEY);
}
