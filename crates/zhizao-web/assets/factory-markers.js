// A marker run's page while it searches: polls the run every two seconds, moves the progress
// bar, shows each shorter marker as it is found, and reloads once the run has ended (the page
// then shows the final figures, the cut plan's tables and the downloads).
(function () {
  "use strict";
  var card = document.getElementById("run");
  if (!card) { return; }
  var api = card.getAttribute("data-api");
  var img = document.getElementById("marker-svg");
  var shownLength = null;
  function text(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = value; }
  }
  function percent(share) {
    return share === null || share === undefined ? "—" : (share * 100).toFixed(1);
  }
  function poll() {
    fetch(api, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (reply) { return reply.ok ? reply.json() : null; })
      .then(function (run) {
        if (!run) { setTimeout(poll, 5000); return; }
        if (run.status !== card.getAttribute("data-status") && run.status !== "queued" && run.status !== "running") {
          window.location.reload();
          return;
        }
        var progress = Math.floor(run.progress_per_mille / 10);
        var bar = document.getElementById("run-progress");
        if (bar) { bar.value = progress; }
        text("run-progress-text", progress + "%");
        if (run.length !== null && run.length !== shownLength && run.kind === "marker") {
          shownLength = run.length;
          text("run-length", run.length.toFixed(2));
          var perUnit = parseFloat(card.getAttribute("data-metres-per-unit"));
          text("run-length-m", isNaN(perUnit) ? "—" : (run.length * perUnit).toFixed(2));
          text("run-density", percent(run.density));
          text("run-waste", percent(run.density === null ? null : 1 - run.density));
          if (img) {
            // The same address each time: fetched anew and shown from memory.
            fetch(api + "/marker?format=svg", { credentials: "same-origin", cache: "no-store" })
              .then(function (reply) { return reply.ok ? reply.blob() : null; })
              .then(function (blob) {
                if (!blob) { return; }
                var old = img.getAttribute("data-object-url");
                var url = URL.createObjectURL(blob);
                img.setAttribute("data-object-url", url);
                img.src = url;
                img.hidden = false;
                if (old) { URL.revokeObjectURL(old); }
                var none = document.getElementById("no-marker");
                if (none) { none.hidden = true; }
              })
              .catch(function () {});
          }
        }
        if (run.status !== card.getAttribute("data-status")) {
          card.setAttribute("data-status", run.status);
        }
        setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
