// The function page's test invoke: send the event, show what came back. Everything the function
// returned or logged is shown with textContent, never parsed as HTML.
"use strict";

function showInvoke(box, data) {
  box.hidden = false;
  const error = box.querySelector(".error-message");
  error.hidden = true;
  const status = box.querySelector(".status");
  status.textContent = data.status;
  status.className = "status badge " + (data.status === "succeeded" ? "ok" : "bad");
  box.querySelector(".error-code").textContent = data.error_code || "";
  box.querySelector(".duration").textContent = data.duration_ms.toFixed(1) + " ms";
  box.querySelector(".init").textContent = data.cold_start
    ? "cold start, init " + data.init_duration_ms.toFixed(1) + " ms"
    : "warm";
  box.querySelector(".request-id").textContent = data.request_id;
  document.getElementById("invoke-body").textContent = data.result;
  document.getElementById("invoke-log").textContent = data.log;
}

function showInvokeError(box, message) {
  box.hidden = false;
  const error = box.querySelector(".error-message");
  error.hidden = false;
  error.textContent = message;
  const status = box.querySelector(".status");
  status.textContent = "failed";
  status.className = "status badge bad";
  for (const name of [".error-code", ".duration", ".init", ".request-id"]) {
    box.querySelector(name).textContent = "";
  }
  document.getElementById("invoke-body").textContent = "";
  document.getElementById("invoke-log").textContent = "";
}

document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("invoke");
  if (!button) return;
  const box = document.getElementById("invoke-result");
  button.addEventListener("click", async () => {
    const event = document.getElementById("event").value;
    try {
      JSON.parse(event || "{}");
    } catch (_error) {
      showInvokeError(box, "The event is not valid JSON.");
      return;
    }
    button.disabled = true;
    try {
      showInvoke(box, await window.consolePost(button.dataset.url, { event: event }));
    } catch (error) {
      showInvokeError(box, error.message);
    } finally {
      button.disabled = false;
    }
  });
});
