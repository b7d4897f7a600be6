/*
 * Small enhancements; every page works without this file.
 * - Close an open header menu (details) when clicking elsewhere or pressing Escape.
 */
(function () {
  "use strict";
  function closeMenus(except) {
    document.querySelectorAll("details.kp-menu[open]").forEach(function (menu) {
      if (menu !== except) { menu.removeAttribute("open"); }
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest("details.kp-menu"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      var open = document.querySelector("details.kp-menu[open]");
      if (open) { open.removeAttribute("open"); open.querySelector("summary").focus(); }
    }
  });
})();
