// CV selection (drag and drop or file picker), upload with progress, screening start.

import * as api from "./api.js";
import { $, clear, formatBytes, say } from "./dom.js";
import { guarded, state } from "./state.js";
import * as views from "./views.js";

let uploading = false;

function addFiles(fileList) {
  const known = new Set(state.files.map((f) => `${f.name}|${f.size}|${f.lastModified}`));
  for (const file of fileList) {
    const key = `${file.name}|${file.size}|${file.lastModified}`;
    if (!known.has(key)) {
      known.add(key);
      state.files.push(file);
    }
  }
  updateSelection();
}

export function updateSelection() {
  const bytes = state.files.reduce((sum, f) => sum + f.size, 0);
  $("#selected-files").textContent = state.files.length
    ? `${state.files.length} file(s) selected, ${formatBytes(bytes)}.`
    : "No files selected.";
  $("#upload-start").disabled = uploading || !state.files.length;
  $("#upload-clear").disabled = uploading || !state.files.length;
}

function setUploadProgress(fraction) {
  const percent = Math.round(fraction * 100);
  $("#upload-progress").value = percent;
  $("#upload-percent").textContent = `${percent}%`;
}

/** Wire the drop zone and buttons; onJobStarted(job, uploadResult) follows the job. */
export function initUpload(onJobStarted) {
  const dropzone = $("#dropzone");
  const fileInput = $("#file-input");
  dropzone.addEventListener("click", () => fileInput.click());
  dropzone.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      fileInput.click();
    }
  });
  for (const type of ["dragenter", "dragover"]) {
    dropzone.addEventListener(type, (event) => {
      event.preventDefault();
      dropzone.classList.add("dragging");
    });
  }
  for (const type of ["dragleave", "drop"]) {
    dropzone.addEventListener(type, () => dropzone.classList.remove("dragging"));
  }
  dropzone.addEventListener("drop", (event) => {
    event.preventDefault();
    addFiles(event.dataTransfer?.files || []);
  });
  fileInput.addEventListener("change", () => {
    addFiles(fileInput.files);
    fileInput.value = "";
  });
  $("#upload-clear").addEventListener("click", () => {
    state.files = [];
    updateSelection();
  });

  $("#upload-start").addEventListener("click", () => {
    if (!state.posting || !state.files.length) return;
    const posting = state.posting;
    const files = state.files;
    uploading = true;
    updateSelection();
    clear($("#upload-errors"));
    setUploadProgress(0);
    guarded($("#upload-message"), async () => {
      say($("#upload-message"), `Uploading ${files.length} file(s)…`);
      const result = await api.uploadFiles(files, setUploadProgress);
      setUploadProgress(1);
      views.renderRejects($("#upload-errors"), result.errors);
      state.files = [];
      updateSelection();
      const rejected = result.errors.length ? `, ${result.errors.length} rejected` : "";
      if (!result.items.length) {
        say($("#upload-message"), `No file was accepted${rejected}.`, "error");
        return;
      }
      const job = await api.post(`/postings/${posting.id}/screenings`, {
        file_ids: result.items.map((item) => item.id),
      });
      say($("#upload-message"), `${result.items.length} file(s) uploaded${rejected}; screening started.`, "success");
      onJobStarted(job, result);
    }).finally(() => {
      uploading = false;
      updateSelection();
    });
  });
  updateSelection();
}
