// Keyboard and mouse review of aligned pairs (see common.js). Each key acts on the card
// that was current when it was pressed; the cursor moves at once and the server is told in
// the same order, so typing faster than the server answers decides each pair once.
"use strict";
(function () {
  const H = window.Hamta;
  const cards = Array.from(document.querySelectorAll("article.pair"));
  const list = document.getElementById("pairs");
  const nextUrl = list ? list.dataset.nextUrl : "";
  const prevUrl = list ? list.dataset.prevUrl : "";
  let current = 0;
  let leaving = false;

  function focusCard(index) {
    if (!cards.length) return;
    const previous = cards[current];
    current = Math.max(0, Math.min(cards.length - 1, index));
    if (previous) previous.classList.remove("current");
    cards[current].classList.add("current");
    cards[current].focus({ preventScroll: true });
    cards[current].scrollIntoView({ block: "nearest", behavior: "auto" });
  }

  function part(card, role) { return card.querySelector(`[data-role="${role}"]`); }

  function show(card, state) {
    card.dataset.status = state.status;
    if (state.version !== undefined) card.dataset.version = state.version;
    card.className = card.className.replace(/\bstatus-\S+/, "status-" + state.status);
    part(card, "status").textContent = state.status;
    for (const side of ["src", "tgt"]) {
      const edit = part(card, side + "-edit");
      const text = state[side + "_edit"];
      edit.textContent = text == null ? "" : text;
      edit.hidden = text == null;
      // The next edit starts from the text as it now stands.
      const editor = part(card, side + "-editor");
      editor.value = text == null ? editor.dataset.machine : text;
      editor.defaultValue = editor.value;
    }
    card.classList.remove("failed");
  }

  async function decide(card, decision, edits) {
    card.classList.add("saving");
    try {
      const state = await H.post("/api/decisions", Object.assign(
        { pair_id: card.dataset.pairId, decision, version: Number(card.dataset.version || 0) }, edits || {}));
      show(card, state);
      H.say("Saved: " + state.status);
    } catch (err) {
      if (err.payload && err.payload.conflict && err.payload.status) show(card, err.payload);
      card.classList.add("failed");
      H.say("Not saved: " + err.message, true);
      if (edits && !(err.payload && err.payload.conflict)) openEditor(card, edits);
    } finally {
      card.classList.remove("saving");
    }
  }

  function editing(card) { return card && !part(card, "src-editor").hidden; }

  function setEditing(card, on) {
    for (const side of ["src", "tgt"]) part(card, side + "-editor").hidden = !on;
    card.querySelector('[data-action="save"]').hidden = !on;
    card.querySelector('[data-action="cancel"]').hidden = !on;
    card.querySelector('[data-action="edit"]').hidden = on;
    if (on) part(card, "src-editor").focus();
    else card.focus({ preventScroll: true });
  }

  function openEditor(card, draft) {
    if (draft) {
      part(card, "src-editor").value = draft.src_text;
      part(card, "tgt-editor").value = draft.tgt_text;
    }
    setEditing(card, true);
  }

  // Esc throws the draft away: the next edit starts from the saved text again.
  function cancelEdit(card) {
    for (const side of ["src", "tgt"]) {
      const editor = part(card, side + "-editor");
      editor.value = editor.defaultValue;
    }
    setEditing(card, false);
  }

  function saveEdit(card) {
    const src = part(card, "src-editor"), tgt = part(card, "tgt-editor");
    if (src.value === src.defaultValue && tgt.value === tgt.defaultValue) {
      setEditing(card, false);
      H.say("No change: nothing saved (a accepts the pair as it is)");
      return;
    }
    const edits = { src_text: src.value, tgt_text: tgt.value };
    setEditing(card, false);
    if (cards.indexOf(card) === current) focusCard(current + 1);
    H.enqueue(() => decide(card, "edited", edits));
  }

  function act(decision) {
    const card = cards[current];
    if (!card) return;
    if (cards.indexOf(card) < cards.length - 1) focusCard(current + 1);
    H.enqueue(() => decide(card, decision));
  }

  async function undo() {
    try {
      const result = await H.post("/api/undo", {});
      if (!result.changes.length && !result.alignment) { H.say("Nothing to undo in this tab"); return; }
      let first = null;
      for (const state of result.changes) {
        const card = document.getElementById("pair-" + state.pair_id);
        if (card) { show(card, state); if (first === null) first = cards.indexOf(card); }
      }
      if (first !== null) focusCard(first);
      const where = result.changes.length > 1 ? `${result.changes.length} pairs` : "the pair";
      H.say(result.alignment ? "Undone: a change of the alignment (open the document to see it)"
                             : `Undone: ${where} as before`);
    } catch (err) {
      H.say("Not undone: " + err.message, true);
    }
  }

  // Turning the page waits for the decisions still on their way to the server.
  function turnPage(url, hash) {
    if (!url || leaving) return;
    leaving = true;
    H.idle().then(() => { window.location.assign(url + (hash || "")); });
  }

  function move(step) {
    if (step > 0 && current >= cards.length - 1) { turnPage(nextUrl); return; }
    if (step < 0 && current <= 0) { turnPage(prevUrl, "#last"); return; }
    focusCard(current + step);
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
    focusCard(cards.indexOf(card));
    const action = button.dataset.action;
    if (action === "edit") openEditor(card);
    else if (action === "save") saveEdit(card);
    else if (action === "cancel") cancelEdit(card);
    else act(action);
  });

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target.matches("textarea.editor")) {
      const owner = target.closest("article.pair");
      if (event.key === "Escape") { event.preventDefault(); cancelEdit(owner); }
      else if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); saveEdit(owner); }
      return;
    }
    if (target.matches("input, select, textarea") || H.helpOpen() || leaving) return;
    const key = H.command(event);
    const card = cards[current];
    if (editing(card) && key !== "u") return;
    const actions = {
      j: () => move(1),
      k: () => move(-1),
      a: () => act("accepted"),
      r: () => act("rejected"),
      e: () => card && openEditor(card),
      u: () => H.enqueue(undo),
      d: () => card && H.idle().then(() => window.location.assign(card.dataset.documentUrl)),
    };
    if (key && actions[key]) {
      event.preventDefault();
      actions[key]();
    }
  });

  const bulk = document.getElementById("bulk-accept");
  const confirmBulk = document.getElementById("confirm-bulk");
  if (bulk) {
    bulk.addEventListener("click", () => {
      const count = Number(bulk.dataset.count);
      confirmBulk.querySelector('[data-role="question"]').textContent =
        `Accept all ${count} unreviewed pair${count === 1 ? "" : "s"} this filter selects (on every page, not only this one)? ` +
        "Pairs already accepted, edited, rejected or stale are left as they are. One u undoes the whole batch.";
      confirmBulk.returnValue = "";
      confirmBulk.showModal();
    });
    confirmBulk.addEventListener("close", () => {
      if (confirmBulk.returnValue !== "ok") return;
      const query = JSON.parse(bulk.dataset.query);
      H.enqueue(async () => {
        try {
          const result = await H.post("/api/bulk", { query, expected: Number(bulk.dataset.count) });
          H.sayAfterReload(`Accepted ${result.accepted} pairs (u undoes them all)`);
          window.location.reload();
        } catch (err) {
          H.say("Nothing accepted: " + err.message, true);
        }
      });
    });
  }

  // Coming back from the next page (k at the top), start on the last card.
  const hash = window.location.hash;
  if (hash === "#last") focusCard(cards.length - 1);
  else if (hash.startsWith("#pair-") && document.getElementById(hash.slice(1))) {
    focusCard(cards.indexOf(document.getElementById(hash.slice(1))));
  } else focusCard(0);
})();
