// Uploads from the bucket browser, straight to the region's S3 API on this same origin, with
// URLs the console signs (POST /console/api/obs/sign): the bytes never pass through the
// console. Files under 16 MiB go in one PUT; larger ones as a multipart upload of 8 MiB parts,
// three at a time, so progress moves steadily and Cancel stops at once (the upload is then
// aborted, so no parts are left behind). Each file has a row .upload[data-key] with a
// <progress> that reaches 100 when done; the row gets the class "done" or "failed".
"use strict";

(function () {
  const SINGLE_PUT_LIMIT = 16 * 1024 * 1024;
  const PART_SIZE = 8 * 1024 * 1024;
  const PARTS_IN_FLIGHT = 3;
  const FILES_IN_FLIGHT = 3;
  const PARTS_PER_SIGNING = 20;

  const root = document.getElementById("uploader");
  if (!root) return;
  const bucket = root.getAttribute("data-bucket");
  const prefix = root.getAttribute("data-prefix") || "";
  const signUrl = root.getAttribute("data-sign");
  const rows = document.getElementById("uploads");
  const waiting = [];
  let running = 0;
  let finishedSinceRefresh = 0;

  class Cancelled extends Error {}

  function sign(body) {
    return window.consolePost(signUrl, Object.assign({ bucket: bucket }, body));
  }

  // S3 answers errors as XML: <Error><Code/><Message/></Error>.
  function s3Error(xhr) {
    const doc = new DOMParser().parseFromString(xhr.responseText || "", "application/xml");
    const message = doc.getElementsByTagName("Message")[0];
    const code = doc.getElementsByTagName("Code")[0];
    if (message && message.textContent) return message.textContent;
    if (code && code.textContent) return code.textContent;
    return "HTTP " + xhr.status;
  }

  // One request, as a promise; the task keeps it so that Cancel can abort it.
  function send(task, method, url, body, headers, onProgress) {
    return new Promise((resolve, reject) => {
      if (task.cancelled) {
        reject(new Cancelled("Cancelled"));
        return;
      }
      const xhr = new XMLHttpRequest();
      xhr.open(method, url);
      for (const name of Object.keys(headers || {})) xhr.setRequestHeader(name, headers[name]);
      if (onProgress) xhr.upload.onprogress = (event) => onProgress(event.loaded);
      xhr.onload = () => {
        task.requests.delete(xhr);
        if (xhr.status >= 200 && xhr.status < 300) resolve(xhr);
        else reject(new Error(s3Error(xhr)));
      };
      xhr.onerror = () => {
        task.requests.delete(xhr);
        reject(new Error("The connection failed."));
      };
      xhr.onabort = () => {
        task.requests.delete(xhr);
        reject(new Cancelled("Cancelled"));
      };
      task.requests.add(xhr);
      xhr.send(body === undefined ? null : body);
    });
  }

  function newRow(key) {
    const row = document.createElement("div");
    row.className = "upload";
    row.setAttribute("data-key", key);
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = key;
    name.title = key;
    const progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    const end = document.createElement("span");
    end.className = "end";
    const state = document.createElement("span");
    state.className = "state muted small";
    state.textContent = "Waiting";
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "cancel link";
    cancel.textContent = "Cancel";
    end.append(state, " ", cancel);
    row.append(name, progress, end);
    rows.append(row);
    return { row: row, progress: progress, state: state, cancel: cancel };
  }

  function show(task, loaded) {
    const size = task.file.size;
    // 100 only once S3 has the whole object, not when the last byte has left.
    const percent = size ? Math.min(99, Math.floor((loaded / size) * 100)) : 0;
    task.ui.progress.value = percent;
    task.ui.state.textContent = percent + "%";
  }

  function finish(task, error) {
    task.ui.cancel.disabled = true;
    if (error) {
      task.ui.row.classList.add("failed");
      task.ui.state.textContent = error instanceof Cancelled ? "Cancelled" : "Failed: " + error.message;
      task.ui.state.title = error.message;
    } else {
      task.ui.progress.value = 100;
      task.ui.row.classList.add("done");
      task.ui.state.textContent = "Done";
      finishedSinceRefresh += 1;
    }
  }

  async function putWhole(task) {
    const signed = await sign({ op: "PutObject", key: task.key });
    await send(task, "PUT", signed.url, task.file, null, (loaded) => show(task, loaded));
  }

  async function putInParts(task) {
    const file = task.file;
    const typed = file.type ? { "Content-Type": file.type } : {};
    const created = await sign({ op: "CreateMultipartUpload", key: task.key });
    const answer = await send(task, "POST", created.url, null, typed);
    const xml = new DOMParser().parseFromString(answer.responseText, "application/xml");
    const id = xml.getElementsByTagName("UploadId")[0];
    if (!id || !id.textContent) throw new Error("S3 did not say which upload to continue.");
    task.uploadId = id.textContent;

    const count = Math.ceil(file.size / PART_SIZE);
    const loaded = new Array(count + 1).fill(0);
    const etags = new Array(count + 1);
    const batches = new Map();
    const urlFor = async (number) => {
      const batch = Math.floor((number - 1) / PARTS_PER_SIGNING);
      if (!batches.has(batch)) {
        const first = batch * PARTS_PER_SIGNING + 1;
        const numbers = [];
        for (let n = first; n <= Math.min(count, first + PARTS_PER_SIGNING - 1); n++) numbers.push(n);
        const body = { op: "UploadPart", key: task.key, upload_id: task.uploadId, part_numbers: numbers };
        batches.set(batch, sign(body));
      }
      return (await batches.get(batch)).urls[String(number)];
    };
    let next = 1;
    const worker = async () => {
      while (next <= count && !task.cancelled) {
        const number = next++;
        const url = await urlFor(number);
        const start = (number - 1) * PART_SIZE;
        const blob = file.slice(start, Math.min(start + PART_SIZE, file.size));
        const report = (bytes) => {
          loaded[number] = bytes;
          show(task, loaded.reduce((a, b) => a + b, 0));
        };
        const sent = await send(task, "PUT", url, blob, null, report);
        etags[number] = sent.getResponseHeader("ETag");
        if (!etags[number]) throw new Error("S3 did not return the part's ETag.");
        report(blob.size);
      }
    };
    const workers = [];
    for (let i = 0; i < Math.min(PARTS_IN_FLIGHT, count); i++) workers.push(worker());
    try {
      await Promise.all(workers);
    } catch (error) {
      stop(task); // the other parts stop too
      throw error;
    }

    const doc = document.implementation.createDocument(null, "CompleteMultipartUpload", null);
    for (let number = 1; number <= count; number++) {
      const part = doc.createElement("Part");
      const partNumber = doc.createElement("PartNumber");
      partNumber.textContent = String(number);
      const etag = doc.createElement("ETag");
      etag.textContent = etags[number];
      part.append(partNumber, etag);
      doc.documentElement.append(part);
    }
    const body = new XMLSerializer().serializeToString(doc);
    const completing = await sign({ op: "CompleteMultipartUpload", key: task.key, upload_id: task.uploadId });
    const done = await send(task, "POST", completing.url, body, { "Content-Type": "application/xml" });
    // S3 may answer 200 and still report a failure in the body.
    const result = new DOMParser().parseFromString(done.responseText, "application/xml");
    if (result.documentElement && result.documentElement.nodeName === "Error") throw new Error(s3Error(done));
    task.uploadId = null;
  }

  function stop(task) {
    task.cancelled = true;
    for (const xhr of Array.from(task.requests)) xhr.abort();
  }

  async function abortUpload(task) {
    if (!task.uploadId) return;
    const uploadId = task.uploadId;
    task.uploadId = null;
    try {
      const signed = await sign({ op: "AbortMultipartUpload", key: task.key, upload_id: uploadId });
      const cleanup = { requests: new Set(), cancelled: false };
      await send(cleanup, "DELETE", signed.url);
    } catch (_error) {
      // The upload stays listed in ListMultipartUploads, for a lifecycle rule or a retry.
    }
  }

  async function run(task) {
    task.ui.state.textContent = "0%";
    try {
      if (badKey(task.key)) throw new Error("A key with a '.' or '..' segment cannot be uploaded from a browser.");
      if (task.file.size < SINGLE_PUT_LIMIT) await putWhole(task);
      else await putInParts(task);
      finish(task, null);
    } catch (error) {
      stop(task);
      await abortUpload(task);
      finish(task, error);
    }
  }

  function badKey(key) {
    return key.split("/").some((segment) => segment === "." || segment === "..");
  }

  function pump() {
    while (running < FILES_IN_FLIGHT && waiting.length) {
      const task = waiting.shift();
      running += 1;
      run(task).finally(() => {
        running -= 1;
        pump();
        if (running === 0 && !waiting.length) refreshListing();
      });
    }
  }

  function enqueue(file, key) {
    const task = { file: file, key: key, requests: new Set(), cancelled: false, uploadId: null, ui: newRow(key) };
    task.ui.cancel.addEventListener("click", () => {
      if (task.ui.row.classList.contains("done") || task.ui.row.classList.contains("failed")) return;
      const queued = waiting.indexOf(task);
      if (queued >= 0) {
        waiting.splice(queued, 1);
        finish(task, new Cancelled("Cancelled"));
        return;
      }
      stop(task);
    });
    waiting.push(task);
  }

  // The listing below is the page's own, fetched again: new objects show, uploads rows stay.
  async function refreshListing() {
    if (!finishedSinceRefresh) return;
    finishedSinceRefresh = 0;
    const listing = document.getElementById("listing");
    if (!listing) return;
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin" });
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("listing");
      if (fresh) listing.replaceWith(document.adoptNode(fresh));
    } catch (_error) {
      // The uploads went through; the listing shows them on the next load.
    }
  }

  function picked(input, keyOf) {
    for (const file of Array.from(input.files || [])) enqueue(file, keyOf(file));
    input.value = "";
    pump();
  }

  const files = document.getElementById("upload-files");
  const folder = document.getElementById("upload-folder");
  if (files) files.addEventListener("change", () => picked(files, (file) => prefix + file.name));
  if (folder) {
    folder.addEventListener("change", () =>
      picked(folder, (file) => prefix + (file.webkitRelativePath || file.name))
    );
  }
  window.addEventListener("beforeunload", (event) => {
    if (running || waiting.length) event.preventDefault();
  });
})();
