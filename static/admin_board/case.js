// Keeps the case page's tally and quorum current while the case is open (polls every 5 s).
(function () {
  "use strict";
  var root = document.getElementById("board-case");
  if (!root || root.dataset.state !== "open") { return; }
  var url = root.dataset.statusUrl;

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        if (data.state !== "open") { window.location.reload(); return; }
        ["for", "against", "abstain", "not_voted"].forEach(function (key) {
          var cell = root.querySelector('[data-tally="' + key + '"]');
          if (cell) { cell.textContent = data[key]; }
        });
        var quorum = root.querySelector("[data-quorum]");
        if (quorum) {
          quorum.classList.toggle("ok", data.quorum_met);
          quorum.classList.toggle("missing", !data.quorum_met);
          quorum.querySelector("[data-quorum-text]").textContent = data.quorum_text;
          var label = quorum.querySelector("[data-quorum-label]");
          label.textContent = data.quorum_met ? label.dataset.labelOk : label.dataset.labelMissing;
        }
      })
      .catch(function () { /* the next poll tries again */ });
  }
  window.setInterval(refresh, 5000);
})();
