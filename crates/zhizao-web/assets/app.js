// Progressive enhancement only: every page works without this script.
(function () {
  "use strict";
  // Ask before destructive actions.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // One navigation group open at a time, closed by a click elsewhere.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.nav-group[open]").forEach(function (group) {
      if (!group.contains(event.target)) { group.removeAttribute("open"); }
    });
  });
  // Filters submit themselves when a select changes.
  document.querySelectorAll("form.auto-submit select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // A page that refreshes itself (the dashboard's wall display), every data-refresh seconds.
  var refresh = document.querySelector("[data-refresh]");
  if (refresh) {
    var seconds = parseInt(refresh.getAttribute("data-refresh"), 10) || 60;
    window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
  }
  // Copy buttons for one-time secrets.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-copy"));
      if (target && navigator.clipboard) {
        navigator.clipboard.writeText(target.textContent.trim());
        button.textContent = button.getAttribute("data-copied") || "✓";
      }
    });
  });
})();
