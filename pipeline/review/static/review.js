// Keyboard and mouse review of aligned pairs. Document text is untrusted: this script only
// ever writes it with textContent, never as HTML.
"use strict";
(function () {
  const cards = Array.from(document.querySelectorAll("article.pair"));
  const toast = document.getElementById("toast");
  let current = 0;
  let toastTimer = null;

  function say(message, isError) {
    toast.textContent = message;
    toast.className = "show" + (isError ? " error" : "");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toast.className = ""; }, isError ? 5000 : 1500);
  }

  function focusCard(index) {
    if (!cards.length) return;
    current = Math.max(0, Math.min(cards.length - 1, index));
    cards.forEach((card, i) => card.classList.toggle("current", i === current));
    cards[current].focus({ preventScroll: true });
    cards[current].scrollIntoView({ block: "nearest", behavior: "auto" });
  }

  function part(card, role) { return card.querySelector(`[data-role="${role}"]`); }

  function show(card, state) {
    card.dataset.status = state.status;
    card.className = card.className.replace(/\bstatus-\S+/, "status-" + state.status);
    part(card, "status").textContent = state.status;
    for (const side of ["src", "tgt"]) {
      const edit = part(card, side + "-edit");
      const text = state[side + "_edit"];
      edit.textContent = text == null ? "" : text;
      edit.hidden = text == null;
    }
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}),
    });
    const payload = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(payload.detail || payload.error || response.statusText);
    return payload;
  }

  async function decide(card, decision, edits) {
    try {
      const state = await post("/api/decisions", Object.assign({ pair_id: card.dataset.pairId, decision }, edits || {}));
      show(card, state);
      say("Saved: " + state.status);
      if (cards.indexOf(card) === current) focusCard(current + 1);
    } catch (err) {
      say("Not saved: " + err.message, true);
    }
  }

  function editing(card) { return !part(card, "src-editor").hidden; }

  function setEditing(card, on) {
    for (const side of ["src", "tgt"]) part(card, side + "-editor").hidden = !on;
    card.querySelector('[data-action="save"]').hidden = !on;
    card.querySelector('[data-action="cancel"]').hidden = !on;
    card.querySelector('[data-action="edit"]').hidden = on;
    if (on) part(card, "src-editor").focus();
    else card.focus({ preventScroll: true });
  }

  function saveEdit(card) {
    const edits = { src_text: part(card, "src-editor").value, tgt_text: part(card, "tgt-editor").value };
    setEditing(card, false);
    decide(card, "edited", edits);
  }

  async function undo() {
    try {
      const state = await post("/api/undo");
      if (!state.pair_id) { say("Nothing to undo"); return; }
      const card = document.getElementById("pair-" + state.pair_id);
      if (card) { show(card, state); focusCard(cards.indexOf(card)); }
      say("Undone: now " + state.status);
    } catch (err) {
      say("Undo failed: " + err.message, true);
    }
  }

  document.addEventListener("click", (event) => {
    const crop = event.target.closest("img.crop");
    if (crop) { crop.classList.toggle("full"); return; }
    const button = event.target.closest("button[data-action]");
    if (!button) {
      // A click on a pair (not on a link or the editor) makes it the one the keys act on.
      const clicked = event.target.closest("article.pair");
      if (clicked && !event.target.closest("a, textarea")) focusCard(cards.indexOf(clicked));
      return;
    }
    const card = button.closest("article.pair");
    current = cards.indexOf(card);
    focusCard(current);
    const action = button.dataset.action;
    if (action === "edit") setEditing(card, true);
    else if (action === "save") saveEdit(card);
    else if (action === "cancel") setEditing(card, false);
    else decide(card, action);
  });

  document.addEventListener("keydown", (event) => {
    const card = cards[current];
    const target = event.target;
    if (target.matches("textarea.editor")) {
      const owner = target.closest("article.pair");
      if (event.key === "Escape") { event.preventDefault(); setEditing(owner, false); }
      else if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); saveEdit(owner); }
      return;
    }
    if (target.matches("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (!card && event.key !== "u") return;
    const actions = {
      j: () => focusCard(current + 1),
      k: () => focusCard(current - 1),
      a: () => decide(card, "accepted"),
      r: () => decide(card, "rejected"),
      e: () => setEditing(card, true),
      u: () => undo(),
    };
    const action = actions[event.key];
    if (action && !(card && editing(card) && event.key !== "u")) {
      event.preventDefault();
      action();
    }
  });

  focusCard(0);
})();
