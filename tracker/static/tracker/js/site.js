// Progressive enhancement only: every page works without this file.
// Filter controls marked data-autosubmit apply themselves when changed,
// so a reader does not have to find the "Apply filters" button.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var control = event.target;
    if (!control.matches || !control.matches("[data-autosubmit]")) {
      return;
    }
    var form = control.form;
    if (!form) {
      return;
    }
    // A changed filter means a new result set: start again from page 1.
    var page = form.querySelector("input[name=page]");
    if (page) {
      page.remove();
    }
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
  });
})();
