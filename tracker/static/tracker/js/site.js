// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Filter controls marked data-autosubmit apply themselves when changed,
  // so a reader does not have to find the "Apply filters" button.
  document.addEventListener("change", function (event) {
    var control = event.target;
    if (!control.matches || !control.matches("[data-autosubmit]") || !control.form) {
      return;
    }
    if (control.form.requestSubmit) {
      control.form.requestSubmit();
    } else {
      control.form.submit();
    }
  });

  // Leave filters set to "Any" out of the address, so it stays short enough
  // to read, share and cite.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.filters")) {
      return;
    }
    Array.prototype.forEach.call(form.elements, function (element) {
      var blank = (element.tagName === "SELECT" || element.type === "search" ||
        element.type === "text") && element.value.trim() === "";
      if (element.name && blank) {
        element.disabled = true;
      }
    });
  });

  // On a phone the filter form would push the results below the fold: fold
  // it away until the reader opens it, unless filters are already in use.
  var narrow = window.matchMedia && window.matchMedia("(max-width: 50rem)").matches;
  if (narrow && !document.querySelector(".active-filters")) {
    document.querySelectorAll("details[data-phone-collapse]").forEach(function (panel) {
      panel.open = false;
    });
  }

  // Coming back with the Back button shows the page as it was left: enable
  // the fields disabled above again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form.filters [disabled]").forEach(function (element) {
      element.disabled = false;
    });
  });
})();
