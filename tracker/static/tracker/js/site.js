// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Filters apply only on the form's button or Enter, never on change: a
  // keyboard user moving through a drop-down must not be sent to a new page
  // (WCAG 3.2.2), and two quick changes must not lose one.

  // Leave filters set to "Any" out of the address, so it stays short enough
  // to read, share and cite.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.filters")) {
      return;
    }
    Array.prototype.forEach.call(form.elements, function (element) {
      var blank = (element.tagName === "SELECT" || element.type === "search" ||
        element.type === "text" || element.type === "number") && element.value.trim() === "";
      if (element.name && blank) {
        element.disabled = true;
      }
    });
  });

  // On a phone the filter form would push the results below the fold: fold
  // it into its "Filter (n)" button; the filters in use show as chips above
  // the results, each removable.
  var narrow = window.matchMedia && window.matchMedia("(max-width: 37.5rem)").matches;
  if (narrow) {
    document.querySelectorAll("details[data-phone-collapse]").forEach(function (panel) {
      panel.open = false;
    });
  }

  // After filtering, the form's action brings the reader to #results: move
  // focus there too, so a screen reader announces the new count and the next
  // Tab continues from the results.
  if (window.location.hash === "#results") {
    var heading = document.getElementById("results");
    if (heading) {
      heading.focus({ preventScroll: false });
      heading.scrollIntoView({ block: "start" });
    }
  }

  // Coming back with the Back button shows the page as it was left: enable
  // the fields disabled above again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form.filters [disabled]").forEach(function (element) {
      element.disabled = false;
    });
  });
})();
