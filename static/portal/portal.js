// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  function focusErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }

  function summaryCounter() {
    var area = document.querySelector("textarea[data-counter]");
    var counter = document.getElementById("summary-counter");
    if (!area || !counter) { return; }
    // The limit is the server's: the text is never cut here, the counter only warns.
    var max = parseInt(area.getAttribute("data-maxlength"), 10);
    if (isNaN(max)) { return; }
    var english = document.documentElement.lang === "en";
    var template = english ? "{n} of {max} characters used" : "{n} av {max} tegn brukt";
    var over = english ? "{n} characters, {over} too many: shorten the text before you save" : "{n} tegn, {over} for mange: kort ned teksten før du lagrer";
    function update() {
      var n = area.value.length;
      counter.textContent = n > max
        ? over.replace("{n}", n).replace("{over}", n - max)
        : template.replace("{n}", n).replace("{max}", max);
      counter.classList.toggle("over", n > max);
    }
    counter.hidden = false;
    area.setAttribute("aria-describedby", ((area.getAttribute("aria-describedby") || "") + " summary-counter").trim());
    area.addEventListener("input", update);
    update();
  }

  function parseNok(value) {
    var n = parseInt((value || "").replace(/[\s\u00a0\u202fkr.,-]/g, ""), 10);
    return isNaN(n) ? 0 : n;
  }

  // Written exactly as omstilling.formatting.format_kr writes it on the server: the digits grouped
  // with no-break spaces (format_nok), then the msgid "%(amount)s kr" with an ordinary space, which
  // the English catalogue translates as "NOK %(amount)s".
  function formatNok(n) {
    var digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0");
    var amount = n < 0 ? "-" + digits : digits;
    return document.documentElement.lang === "en" ? "NOK " + amount : amount + " kr";
  }

  function formsets() {
    document.querySelectorAll("[data-formset]").forEach(function (set) {
      var prefix = set.getAttribute("data-formset");
      var total = set.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
      var rows = set.querySelector("[data-formset-rows]");
      var template = set.querySelector("template[data-formset-template]");
      var add = set.querySelector("[data-formset-add]");
      var sum = set.querySelector("[data-total]");
      function recount() {
        if (!sum) { return; }
        var n = 0;
        set.querySelectorAll("input[name$='-amount']").forEach(function (input) { n += parseNok(input.value); });
        sum.textContent = formatNok(n);
      }
      if (add && template && total) {
        add.hidden = false;
        add.addEventListener("click", function () {
          var index = parseInt(total.value, 10);
          var html = template.innerHTML.replace(/__prefix__/g, String(index));
          rows.insertAdjacentHTML("beforeend", html);
          total.value = String(index + 1);
          var first = rows.lastElementChild.querySelector("input, select");
          if (first) { first.focus(); }
        });
      }
      set.addEventListener("input", recount);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary();
    summaryCounter();
    formsets();
  });
})();
