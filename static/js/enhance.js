// Optional enhancements; every page works without this file.
// No storage APIs are used: answers live on the server only.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function valuesOf(form, name) {
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    var values = [];
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) { values.push(input.value); }
      } else if (input.value.trim() !== "") {
        values.push(input.value.trim());
      }
    }
    return { inputs: inputs, values: values };
  }

  function holds(form, condition) {
    if (condition.any) { return condition.any.some(function (c) { return holds(form, c); }); }
    if (condition.all) { return condition.all.every(function (c) { return holds(form, c); }); }
    var found = valuesOf(form, condition.q);
    if (!found.inputs.length) { return true; } // answered on another page: the server decided
    var values = found.values;
    var single = values.length ? values[0] : null;
    var isBool = found.inputs.length === 1 && found.inputs[0].type === "checkbox";
    switch (condition.op) {
      case "eq": return single !== null && single === String(condition.v);
      case "ne": return single !== String(condition.v);
      case "in": return single !== null && condition.v.indexOf(single) >= 0;
      case "ge": return single !== null && Number(single) >= condition.v;
      case "gt": return single !== null && Number(single) > condition.v;
      case "contains": return values.indexOf(condition.v) >= 0;
      case "true": return isBool ? values.length > 0 : false;
      case "not_true": return isBool ? values.length === 0 : true;
    }
    return true;
  }

  function updateConditional(form) {
    var blocks = form.querySelectorAll("[data-when]");
    for (var i = 0; i < blocks.length; i++) {
      var block = blocks[i];
      block.hidden = !holds(form, JSON.parse(block.getAttribute("data-when")));
    }
  }

  function exclusive(event) {
    var box = event.target;
    if (box.type !== "checkbox" || !box.checked) { return; }
    var group = box.form.querySelectorAll('input[type="checkbox"][name="' + box.name + '"]');
    for (var i = 0; i < group.length; i++) {
      var other = group[i];
      if (other === box) { continue; }
      if (box.hasAttribute("data-exclusive") || other.hasAttribute("data-exclusive")) {
        other.checked = false;
      }
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
    // A Change link from the check page names the answer's input: put the cursor there.
    var target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (!summary && target && /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) { target.focus(); }
    var forms = document.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) {
      (function (form) {
        if (!form.querySelector("[data-when]")) { return; }
        updateConditional(form);
        form.addEventListener("change", function (event) {
          exclusive(event);
          updateConditional(form);
        });
      })(forms[i]);
    }
    document.addEventListener("change", function (event) {
      if (!event.target.form || event.target.form.querySelector("[data-when]")) { return; }
      exclusive(event);
    });
    var once = document.querySelectorAll("button[data-once]");
    for (var j = 0; j < once.length; j++) {
      once[j].form.addEventListener("submit", function (event) {
        var button = event.target.querySelector("button[data-once]");
        // A second click would be harmless (submit is idempotent) but is confusing.
        setTimeout(function () { button.disabled = true; }, 0);
      });
    }
    // "Copy the code": shown only where the browser can copy (no storage of our own).
    var copy = document.querySelectorAll("[data-copy]");
    for (var c = 0; c < copy.length; c++) {
      if (!navigator.clipboard) { break; }
      copy[c].hidden = false;
      copy[c].addEventListener("click", function (event) {
        var button = event.currentTarget;
        var text = document.getElementById(button.getAttribute("data-copy")).textContent.trim();
        navigator.clipboard.writeText(text).then(function () {
          button.parentNode.querySelector(".copy-status").textContent = button.getAttribute("data-copied");
        });
      });
    }
    var print = document.querySelectorAll("[data-print]");
    for (var k = 0; k < print.length; k++) {
      print[k].hidden = false;
      print[k].addEventListener("click", function () { window.print(); });
    }
  });
})();
