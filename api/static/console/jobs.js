// Follow one job over the WebSocket, resuming with after_seq after any drop.

import { API, get, getToken } from "./api.js";

export const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

// Close codes from docs/api.md.
const FATAL_CODES = {
  4401: "The session is not authenticated; log in again.",
  4403: "This origin is not allowed to open the live feed.",
  4404: "Job not found.",
};

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10_000;
// After this many connection attempts in a row without a message, catch up
// through GET /jobs/{id}/events while the socket keeps retrying.
const CATCH_UP_AFTER_FAILURES = 3;

/** WebSocket URL of the job feed, on the page's own host. */
export function jobSocketUrl(jobId, token, afterSeq) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const params = new URLSearchParams({ token, after_seq: String(afterSeq) });
  return `${scheme}//${location.host}${API}/ws/jobs/${encodeURIComponent(jobId)}?${params}`;
}

/**
 * A resumable feed of one job's events.
 *
 * handlers: onEvent(event) for every new event (never twice for one seq; the
 * snapshot is passed on each connection), onTerminal(event) once the terminal
 * job.status arrived, onConnection(state, detail) with state in
 * connecting | open | reconnecting | closed | error.
 */
export class JobStream {
  constructor(jobId, handlers = {}, { afterSeq = 0 } = {}) {
    this.jobId = jobId;
    this.handlers = handlers;
    this.lastSeq = afterSeq;
    this.startSeq = afterSeq;
    this.snapshot = null;
    this.seen = new Set();
    this.status = null;
    this.terminal = false;
    this.stopped = false;
    this.failures = 0;
    this.socket = null;
    this.timer = null;
  }

  start() {
    this.stopped = false;
    this.connect();
    return this;
  }

  /** Stop following: no reconnects after this. */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) this.socket.close(1000);
    this.socket = null;
  }

  /** Follow again after a retry: the terminal state is forgotten, seqs continue. */
  resume() {
    this.terminal = false;
    this.status = null;
    this.snapshot = null;
    this.stop();
    this.start();
  }

  emitConnection(state, detail = "") {
    this.handlers.onConnection?.(state, detail);
  }

  connect() {
    if (this.stopped || this.terminal) return;
    const token = getToken();
    if (!token) {
      this.emitConnection("error", FATAL_CODES[4401]);
      return;
    }
    this.emitConnection(this.failures ? "reconnecting" : "connecting");
    let socket;
    try {
      socket = new WebSocket(jobSocketUrl(this.jobId, token, this.lastSeq));
    } catch (err) {
      this.scheduleReconnect(`cannot open socket: ${err.message}`);
      return;
    }
    this.socket = socket;
    socket.onopen = () => this.emitConnection("open");
    socket.onmessage = (message) => {
      if (socket !== this.socket) return;
      this.failures = 0;
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      this.handle(event);
    };
    socket.onclose = (close) => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.onClose(close);
    };
  }

  /** Apply one event (from the socket or from the events endpoint). */
  handle(event) {
    if (!event || typeof event !== "object") return;
    if (event.type === "job.snapshot") {
      // The snapshot restates the job; it is not part of the event log.
      if (event.status) this.status = event.status;
      this.snapshot = event;
      this.handlers.onEvent?.(event);
      if (TERMINAL.has(event.status) && event.seq <= this.lastSeq) this.finish(event);
      return;
    }
    const seq = Number(event.seq);
    if (Number.isFinite(seq)) {
      if (seq <= this.startSeq || this.seen.has(seq)) return;
      this.seen.add(seq);
      if (seq > this.lastSeq) this.lastSeq = seq;
    }
    if (event.status) this.status = event.status;
    this.handlers.onEvent?.(event);
    if (event.type === "job.status" && TERMINAL.has(event.status)) this.finish(event);
  }

  finish(event) {
    if (this.terminal) return;
    this.terminal = true;
    // Nothing follows the terminal status: close our side (resume() reopens).
    clearTimeout(this.timer);
    const socket = this.socket;
    this.socket = null;
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000, "job finished");
    this.emitConnection("closed", "finished");
    this.handlers.onTerminal?.(event);
  }

  onClose(close) {
    if (this.stopped) return;
    if (!this.terminal && TERMINAL.has(this.snapshot?.status)) {
      // The server closed after a terminal snapshot without replaying the
      // final job.status: the job is over all the same.
      this.finish(this.snapshot);
    }
    if (this.terminal) {
      this.emitConnection("closed", "finished");
      return;
    }
    if (FATAL_CODES[close.code]) {
      this.stopped = true;
      this.emitConnection("error", `${FATAL_CODES[close.code]} (close code ${close.code})`);
      return;
    }
    if (close.code === 4008) {
      // Too slow for the server: resume at once from where we are.
      this.failures = 0;
      this.timer = setTimeout(() => this.connect(), 50);
      this.emitConnection("reconnecting", "resuming after a slow-consumer close");
      return;
    }
    const reason = close.code === 1012 ? "server restarting" : `connection closed (${close.code})`;
    this.scheduleReconnect(reason);
  }

  scheduleReconnect(reason) {
    this.failures += 1;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (this.failures - 1));
    const delay = Math.round(base / 2 + Math.random() * (base / 2));
    this.emitConnection("reconnecting", `${reason}; retrying in ${(delay / 1000).toFixed(1)} s`);
    if (this.failures >= CATCH_UP_AFTER_FAILURES) this.catchUp();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  /** Read missed events over HTTP while the socket is down (never GET /jobs/{id}). */
  async catchUp() {
    try {
      let more = true;
      while (more && !this.stopped) {
        const page = await get(`/jobs/${encodeURIComponent(this.jobId)}/events`, {
          after_seq: this.lastSeq,
          limit: 200,
        });
        const items = page.items || [];
        for (const event of items) this.handle(event);
        more = Boolean(page.next_cursor) && items.length > 0;
      }
    } catch {
      // The socket retry keeps going; nothing else to do here.
    }
  }
}
