// The cabinet screen's keypad: digits into the code field (the form works without this
// script: the field takes the device's own keyboard). Holds no secret: the screen is
// paired by an httpOnly cookie the script cannot read.
(function () {
  "use strict";
  var input = document.getElementById("code-input");
  if (!input) return;
  var max = parseInt(input.getAttribute("maxlength"), 10) || 16;
  document.querySelectorAll(".keypad button").forEach(function (button) {
    button.addEventListener("click", function () {
      var key = button.getAttribute("data-key");
      if (key === "clear") input.value = "";
      else if (key === "back") input.value = input.value.slice(0, -1);
      else if (input.value.length < max) input.value += key;
      input.focus();
    });
  });
  input.addEventListener("input", function () {
    input.value = input.value.replace(/[^0-9 ]/g, "");
  });
  // After a door opened (or an error), go back to an empty keypad for the next person.
  if (document.getElementById("opened") || document.getElementById("screen-error")) {
    window.setTimeout(function () { window.location.replace(window.location.pathname); }, 30000);
  }
})();
