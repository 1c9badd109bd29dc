// The consult summary's Print button (shown only when this file runs); the browser's own
// Print menu does the same without it.
(function () {
  "use strict";
  var button = document.querySelector("[data-print]");
  if (!button) { return; }
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
