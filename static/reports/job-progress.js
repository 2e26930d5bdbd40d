// Follows a report job: polls its status and reloads the page once it is done or failed, so the
// server renders the download link or the error. Without JavaScript a <noscript> refresh does it.
(function () {
  "use strict";
  var bar = document.getElementById("report-job-bar");
  if (!bar) {
    return;
  }
  var url = bar.getAttribute("data-status-url");
  var percent = document.getElementById("report-job-percent");
  var state = document.getElementById("report-job-state");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (job) {
        bar.value = job.progress;
        bar.textContent = job.progress + " %";
        percent.textContent = job.progress + " %";
        state.textContent = job.state_label;
        if (job.state === "done" || job.state === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1000);
})();
