// The review app's only script (served from this server; the CSP allows nothing else).
(function () {
  "use strict";
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var reviewer = document.getElementById("reviewer");
  reviewer.value = localStorage.getItem("reviewer") || "";
  reviewer.addEventListener("change", function () { localStorage.setItem("reviewer", reviewer.value); });

  // (table sorting: sortable.js, shared with the static report)
  function send(kind, id, decision, note, done) {
    fetch("/decide", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify({ kind: kind, id: id, decision: decision, note: note, reviewer: reviewer.value }),
    }).then(function (r) { return r.json().then(function (j) { done(r.ok, j); }); })
      .catch(function () { done(false, { error: "the server did not answer" }); });
  }
  function label(d) { return d.replace("_", " "); }

  // an item page: decide with the buttons or the keyboard
  var box = document.querySelector(".decide");
  var note = document.getElementById("note");
  function decideHere(decision) {
    var msg = document.getElementById("decision-msg");
    send(box.dataset.kind, box.dataset.id, decision, note.value, function (ok, j) {
      var state = document.getElementById("decision-state");
      if (ok) {
        state.textContent = label(decision) + (reviewer.value ? " by " + reviewer.value : "");
        state.className = "state decision-" + decision;
        msg.textContent = "saved";
      } else { msg.textContent = "not saved: " + (j.error || "error"); }
    });
  }
  if (box) {
    box.querySelectorAll(".decide-button").forEach(function (b) {
      b.addEventListener("click", function () { decideHere(b.dataset.decision); });
    });
    note.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { note.blur(); }
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { note.blur(); decideHere("unsure"); }
    });
  }

  // the queue: j/k move, Enter opens, c/f/u decide the selected row
  var queue = document.getElementById("queue");
  var rows = queue ? Array.from(queue.rows).slice(1) : [];
  var at = -1;
  function select(i) {
    if (!rows.length) { return; }
    if (at >= 0 && rows[at]) { rows[at].classList.remove("selected"); }
    at = Math.max(0, Math.min(rows.length - 1, i));
    rows[at].classList.add("selected");
    rows[at].scrollIntoView({ block: "nearest" });
  }
  function decideRow(decision) {
    var r = rows[at];
    if (!r) { return; }
    send(r.dataset.kind, r.dataset.id, decision, "", function (ok) {
      if (ok) { r.cells[0].textContent = label(decision); r.cells[0].className = "decision decision-" + decision; }
    });
  }

  var keys = { c: "confirmed", f: "false_positive", u: "unsure" };
  document.addEventListener("keydown", function (e) {
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (queue) {
      if (e.key === "j") { select(at + 1); }
      else if (e.key === "k") { select(at - 1); }
      else if (e.key === "Enter" && rows[at]) { location.href = rows[at].dataset.href; }
      else if (keys[e.key]) { decideRow(keys[e.key]); }
      else { return; }
      e.preventDefault();
      return;
    }
    var next = document.getElementById("next"), prev = document.getElementById("prev");
    if (e.key === "j" && next) { location.href = next.href; }
    else if (e.key === "k" && prev) { location.href = prev.href; }
    else if (e.key === "q") { location.href = "/"; }
    else if (e.key === "n" && note) { note.focus(); }
    else if (keys[e.key] && box) { decideHere(keys[e.key]); }
    else { return; }
    e.preventDefault();
  });
  if (queue) { select(0); }
})();
