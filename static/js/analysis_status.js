// Live status on an analysis page: poll the API while the analysis is queued or
// running, reload once it has finished. Without JavaScript, a reload does the same.
(function () {
  "use strict";
  const badge = document.querySelector("[data-live-status]");
  if (!badge) return;
  const url = badge.getAttribute("data-live-status");
  let delay = 1000;

  function check() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (analysis) {
        if (analysis && (analysis.status === "succeeded" || analysis.status === "failed")) {
          window.location.reload();
          return;
        }
        if (analysis) badge.textContent = analysis.status.charAt(0).toUpperCase() + analysis.status.slice(1);
        delay = Math.min(delay * 1.5, 10000);
        window.setTimeout(check, delay);
      })
      .catch(function () { window.setTimeout(check, 5000); });
  }
  // The notification socket announces finished analyses too; react at once when it does.
  document.addEventListener("biostat:analysis.finished", check);
  window.setTimeout(check, delay);
})();
