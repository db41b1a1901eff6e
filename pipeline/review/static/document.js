// The document view (see common.js): select sentences, fix the alignment by hand, decide
// on a row's pair. Every change is sent to the server, then the page is drawn again from
// what the server holds, at the same row.
"use strict";
(function () {
  const H = window.Hamta;
  const tools = document.getElementById("doc-tools");
  const rows = Array.from(document.querySelectorAll(".drow[data-row]"));
  const sidePair = {
    src_doc_id: tools.dataset.srcDocId, src_lang: tools.dataset.srcLang,
    tgt_doc_id: tools.dataset.tgtDocId, tgt_lang: tools.dataset.tgtLang,
  };
  let current = 0;

  function visible(row) { return row.offsetParent !== null; }

  function focusRow(index) {
    if (!rows.length) return;
    const previous = rows[current];
    current = Math.max(0, Math.min(rows.length - 1, index));
    if (previous) previous.classList.remove("current");
    rows[current].classList.add("current");
    rows[current].focus({ preventScroll: true });
    rows[current].scrollIntoView({ block: "nearest", behavior: "auto" });
  }

  function step(direction) {
    let index = current + direction;
    while (index >= 0 && index < rows.length && !visible(rows[index])) index += direction;
    if (index >= 0 && index < rows.length) focusRow(index);
  }

  function selected(side) {
    return Array.from(document.querySelectorAll(`.sent.selected[data-side="${side}"]`), (s) => s.dataset.id);
  }

  function ids(row, side) {
    return Array.from(row.querySelectorAll(`.dcell.${side} .sent[data-alignable]`), (s) => s.dataset.id);
  }

  // Draw the page again from the server, with the cursor on the given pair (or row).
  function reloadAt(pairId) {
    const url = new URL(window.location.href);
    url.searchParams.set("at", pairId ? "pair-" + pairId : "row-" + current);
    url.hash = "";
    if (url.toString() === window.location.href) window.location.reload();
    else window.location.replace(url.toString());
  }

  async function edit(body, done) {
    try {
      const result = await H.post("/api/alignment", Object.assign({}, sidePair, body));
      H.sayAfterReload(done(result));
      reloadAt(result.pair_ids && result.pair_ids[0]);
    } catch (err) {
      H.say("Not changed: " + err.message, true);
    }
  }

  function pairOf(row) {
    if (!row || !row.dataset.pairId) { H.say("This row has no link: select sentences and press l to link them", true); return null; }
    return row.dataset.pairId;
  }

  const actions = {
    link() {
      const src = selected("src"), tgt = selected("tgt");
      if (!src.length || !tgt.length) { H.say("Select sentences on both sides first (click them)", true); return; }
      H.enqueue(() => edit({ action: "link", src_ids: src, tgt_ids: tgt },
                           () => `Linked ${src.length}–${tgt.length} (u undoes it)`));
    },
    unlink() {
      const pairId = pairOf(rows[current]);
      if (pairId) H.enqueue(() => edit({ action: "unlink", pair_id: pairId }, () => "Unlinked (u undoes it)"));
    },
    merge() {
      const row = rows[current];
      let next = current + 1;
      while (next < rows.length && !visible(rows[next])) next += 1;
      if (next >= rows.length) { H.say("There is no row below to merge with", true); return; }
      const src = ids(row, "src").concat(ids(rows[next], "src"));
      const tgt = ids(row, "tgt").concat(ids(rows[next], "tgt"));
      if (!src.length || !tgt.length) { H.say("Merging these rows leaves one side empty", true); return; }
      H.enqueue(() => edit({ action: "link", src_ids: src, tgt_ids: tgt },
                           () => `Merged into ${src.length}–${tgt.length} (u undoes it)`));
    },
    split() {
      const pairId = pairOf(rows[current]);
      if (pairId) H.enqueue(() => edit({ action: "split", pair_id: pairId }, () => "Split (u undoes it)"));
    },
    "shift-up"() { shift("up"); },
    "shift-down"() { shift("down"); },
    realign() {
      const pairId = pairOf(rows[current]);
      if (!pairId) return;
      H.say("Realigning…");
      H.enqueue(() => edit({ action: "realign", pair_id: pairId },
                           (r) => `Realigned: this row is fixed, ${r.realigned} link(s) made after it (u undoes it)`));
    },
    accepted() { decide("accepted"); },
    rejected() { decide("rejected"); },
    async undo() {
      H.enqueue(async () => {
        try {
          const result = await H.post("/api/undo", {});
          if (!result.changes.length && !result.alignment) { H.say("Nothing to undo in this tab"); return; }
          H.sayAfterReload("Undone");
          reloadAt(null);
        } catch (err) {
          H.say("Not undone: " + err.message, true);
        }
      });
    },
  };

  function shift(direction) {
    const pairId = pairOf(rows[current]);
    if (pairId) H.enqueue(() => edit({ action: "shift", pair_id: pairId, direction }, () => `Target moved ${direction} (u undoes it)`));
  }

  function decide(decision) {
    const row = rows[current];
    const pairId = pairOf(row);
    if (!pairId) return;
    step(1);
    H.enqueue(async () => {
      try {
        const state = await H.post("/api/decisions", { pair_id: pairId, decision });
        row.dataset.status = state.status;
        row.className = row.className.replace(/\bstatus-\S+/, "status-" + state.status);
        row.querySelector('[data-role="status"]').textContent = state.status;
        H.say("Saved: " + state.status);
      } catch (err) {
        H.say("Not saved: " + err.message, true);
      }
    });
  }

  tools.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-edit]");
    if (button) actions[button.dataset.edit]();
  });

  document.addEventListener("click", (event) => {
    if (event.target.closest("#doc-tools, a, dialog")) return;
    const sentence = event.target.closest(".sent[data-alignable]");
    if (sentence) sentence.classList.toggle("selected");
    const row = event.target.closest(".drow[data-row]");
    if (row) focusRow(rows.indexOf(row));
  });

  document.getElementById("only-alone").addEventListener("change", (event) => {
    document.getElementById("doc-grid").classList.toggle("only-alone", event.target.checked);
  });

  document.addEventListener("keydown", (event) => {
    if (event.target.matches("input, select, textarea") || H.helpOpen()) return;
    const keys = { j: () => step(1), k: () => step(-1), l: actions.link, m: actions.merge, s: actions.split,
                   a: actions.accepted, r: actions.rejected, u: actions.undo };
    const key = H.command(event);
    if (key && keys[key]) { event.preventDefault(); keys[key](); }
    if (event.key === "Escape") document.querySelectorAll(".sent.selected").forEach((s) => s.classList.remove("selected"));
  });

  const at = new URL(window.location.href).searchParams.get("at") || window.location.hash.slice(1);
  const target = at.startsWith("row-") ? rows[Number(at.slice(4))] : at ? document.getElementById(at) : null;
  focusRow(target && rows.indexOf(target) >= 0 ? rows.indexOf(target) : 0);
})();
