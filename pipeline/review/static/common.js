// Shared by the review pages: the tab's session id, messages, requests to the server, the
// help panel, and keys read by their place on the keyboard. Document text is untrusted:
// these scripts only ever write it with textContent, never as HTML.
"use strict";
window.Hamta = (function () {
  const toast = document.getElementById("toast");
  let toastTimer = null;

  // One id per browser tab (sessionStorage is per tab), so undo takes back this tab's
  // actions and not another's, and survives a reload of the tab.
  let session = sessionStorage.getItem("hamta-session");
  if (!session) {
    session = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
    sessionStorage.setItem("hamta-session", session);
  }

  function say(message, isError) {
    toast.textContent = message;
    toast.className = "show" + (isError ? " error" : "");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toast.className = ""; }, isError ? 6000 : 1800);
  }

  // A message to show after the page reloads (a bulk accept, a link edit).
  function sayAfterReload(message) { sessionStorage.setItem("hamta-flash", message); }
  const flash = sessionStorage.getItem("hamta-flash");
  if (flash) { sessionStorage.removeItem("hamta-flash"); say(flash); }

  class RequestError extends Error {
    constructor(message, status, payload) { super(message); this.status = status; this.payload = payload; }
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(Object.assign({ session }, body || {})),
    });
    const payload = await response.json().catch(() => ({}));
    if (!response.ok) throw new RequestError(payload.detail || payload.error || response.statusText, response.status, payload);
    return payload;
  }

  // Keys by their physical place (KeyboardEvent.code), so a Persian or Chinese layout and
  // Caps Lock give the same commands as an English layout.
  function command(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return null;
    if (event.code === "Slash" && event.shiftKey) return "?";
    if (event.key === "?" || event.key === "؟") return "?";
    const match = /^Key([A-Z])$/.exec(event.code || "");
    return match ? match[1].toLowerCase() : null;
  }

  const help = document.getElementById("help");
  function toggleHelp() {
    if (help.open) help.close(); else help.showModal();
  }
  document.querySelectorAll("[data-help-open]").forEach((b) => b.addEventListener("click", toggleHelp));
  document.addEventListener("keydown", (event) => {
    if (event.target.matches("input, select, textarea")) return;
    if (command(event) === "?") { event.preventDefault(); toggleHelp(); }
  });

  // Actions run one after another, in the order the keys were pressed.
  let queue = Promise.resolve();
  let waiting = 0;
  function enqueue(task) {
    waiting += 1;
    const run = queue.then(task).catch((err) => say(err.message, true)).finally(() => { waiting -= 1; });
    queue = run;
    return run;
  }
  function idle() { return queue; }
  function busy() { return waiting > 0; }

  return { session, say, sayAfterReload, post, command, enqueue, idle, busy, helpOpen: () => help.open };
})();
