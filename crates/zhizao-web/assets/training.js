// Training pages: a lesson video reports the furthest point watched (so progress survives a
// closed tab and a video counts once 90 % is watched); the sign-in screen shows the code of the
// minute and fetches the next one when it changes.
(function () {
  "use strict";

  var video = document.getElementById("lesson-video");
  if (video && video.dataset.enrolled === "true") {
    var furthest = Number(video.dataset.start) || 0;
    var reported = furthest;
    var send = function () {
      var seconds = Math.floor(furthest);
      if (seconds <= reported) return;
      reported = seconds;
      var body = new URLSearchParams({ csrf_token: video.dataset.csrf, seconds: String(seconds) });
      fetch(video.dataset.progress, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (state) {
          if (state && state.done && !document.getElementById("lesson-done")) {
            var badge = document.createElement("span");
            badge.className = "badge ok";
            badge.id = "lesson-done";
            badge.textContent = "✓";
            video.insertAdjacentElement("afterend", badge);
          }
        })
        .catch(function () { reported = 0; });
    };
    video.addEventListener("loadedmetadata", function () {
      if (furthest > 0 && furthest < video.duration) video.currentTime = furthest;
    });
    video.addEventListener("timeupdate", function () {
      // Only continuous watching counts: a jump forward does not.
      if (video.currentTime > furthest && video.currentTime - furthest < 5) furthest = video.currentTime;
      if (furthest - reported >= 15) send();
    });
    video.addEventListener("pause", send);
    video.addEventListener("ended", function () { furthest = video.duration; send(); });
    window.addEventListener("pagehide", send);
  }

  var screen = document.getElementById("sign-in-screen");
  var qr = document.getElementById("qr");
  if (screen && qr) {
    var code = document.getElementById("code");
    var countdown = document.getElementById("countdown");
    var signed = document.getElementById("signed-count");
    var changesAt = 0;
    var tick = function () {
      var left = Math.max(0, Math.ceil((changesAt - Date.now()) / 1000));
      countdown.textContent = left + " " + screen.dataset.changes;
    };
    var load = function () {
      fetch(screen.dataset.codeUrl, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.json(); })
        .then(function (state) {
          if (!state.open) {
            qr.textContent = "";
            code.textContent = state.message || "";
            setTimeout(load, 30000);
            return;
          }
          // The SVG is made by the server from the sign-in link; nothing else is inserted.
          qr.innerHTML = state.svg;
          code.textContent = state.code;
          signed.textContent = state.signed_in;
          changesAt = Date.now() + state.changes_in_ms;
          tick();
          setTimeout(load, state.changes_in_ms + 300);
        })
        .catch(function () { setTimeout(load, 5000); });
    };
    setInterval(tick, 1000);
    load();
  }
})();
