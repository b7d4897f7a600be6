/*
 * Small enhancements; every page works without this file.
 * - Close an open header menu (details) when clicking elsewhere or pressing Escape.
 * - [data-dialog]: show a component (the service picker) in a modal dialog opened by a button,
 *   instead of inline. The dialog stays inside its form, so its inputs are submitted as before.
 *   Keyboard: Tab stays inside the open dialog; Escape closes it and focus returns to its button.
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

  function enhanceDialog(element) {
    if (element.dataset.dialogReady || typeof HTMLDialogElement === "undefined") { return; }
    element.dataset.dialogReady = "1";
    var dialog = document.createElement("dialog");
    dialog.className = "kp-dialog";
    var title = element.querySelector("h1, h2, h3");
    if (title) {
      if (!title.id) { title.id = element.id + "-title"; }
      dialog.setAttribute("aria-labelledby", title.id);
    }
    var opener = document.createElement("button");
    opener.type = "button";
    opener.className = "utrecht-button utrecht-button--secondary-action";
    opener.textContent = element.dataset.dialogOpenLabel || "Open";
    var closer = document.createElement("button");
    closer.type = "button";
    closer.className = "utrecht-button utrecht-button--subtle kp-dialog__close";
    closer.textContent = element.dataset.dialogCloseLabel || "Close";
    element.parentNode.insertBefore(opener, element);
    element.parentNode.insertBefore(dialog, element);
    dialog.appendChild(closer);
    dialog.appendChild(element);
    opener.addEventListener("click", function () {
      dialog.showModal();
      var search = element.querySelector("input[type=search]");
      if (search) { search.focus(); }
    });
    closer.addEventListener("click", function () { dialog.close(); });
    // However the dialog closes (its close button, Escape), focus returns to the button that
    // opens it; also when the page opened it (after a search without JavaScript, or an error).
    dialog.addEventListener("close", function () { opener.focus(); });
    // Tab and Shift+Tab go round inside the dialog, so the confirm button below a long list of
    // services is one Shift+Tab away from the close button at the top.
    dialog.addEventListener("keydown", function (event) {
      if (event.key !== "Tab") { return; }
      var items = Array.prototype.filter.call(
        dialog.querySelectorAll("a[href], button, input, select, textarea, [tabindex]"),
        function (el) {
          return !el.disabled && el.type !== "hidden" && el.tabIndex >= 0 && el.getClientRects().length > 0;
        }
      );
      if (!items.length) { return; }
      var first = items[0], last = items[items.length - 1];
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault(); last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault(); first.focus();
      }
    });
    // Enter in the search field searches (htmx) instead of submitting the whole form.
    element.querySelectorAll("input[type=search]").forEach(function (input) {
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          event.preventDefault();
          input.dispatchEvent(new Event("search", { bubbles: true }));
        }
      });
    });
    if (element.hasAttribute("data-dialog-autoopen")) { dialog.showModal(); }
  }

  // [data-reveal-when="name=value"]: show the element only while that radio button is chosen.
  function enhanceReveal(element) {
    var parts = element.dataset.revealWhen.split("=");
    var form = element.closest("form");
    if (!form) { return; }
    function update() {
      var checked = form.querySelector('input[name="' + parts[0] + '"]:checked');
      element.hidden = !(checked && checked.value === parts[1]);
    }
    form.addEventListener("change", update);
    update();
  }

  // [data-print]: a print button, hidden until JavaScript can print.
  function enhancePrint(button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  }

  // input[data-filter-list="#id"]: filter the checklist items in #id as you type (checked
  // items stay visible, so nothing chosen disappears). Without JavaScript the form's own
  // search button asks the server instead; with it that button is not needed.
  function enhanceFilter(input) {
    var list = document.querySelector(input.dataset.filterList);
    if (!list) { return; }
    var status = list.querySelector("[data-filter-status]");
    var button = input.form && input.form.querySelector("[data-filter-button]");
    if (button) { button.hidden = true; }
    function update() {
      var q = input.value.trim().toLowerCase();
      var shown = 0;
      list.querySelectorAll("li.kp-checklist__item").forEach(function (item) {
        var label = item.querySelector("label");
        var text = (label ? label.textContent : item.textContent).toLowerCase();
        var checked = item.querySelector("input:checked");
        var match = !q || text.indexOf(q) !== -1 || !!checked;
        item.hidden = !match;
        if (match) { shown += 1; }
      });
      if (status) {
        status.textContent = q ? status.dataset.filterStatus.replace("{count}", shown) : "";
      }
    }
    input.addEventListener("input", update);
    input.addEventListener("search", update);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); update(); }
    });
    update();
  }

  // details[data-fold-wide]: the main menu's fold. Open on a wide screen (where CSS without
  // ::details-content cannot show it), folded on a phone.
  function enhanceFold(details) {
    var wide = window.matchMedia("(min-width: 50.0625rem)");
    function update() { if (wide.matches) { details.open = true; } }
    wide.addEventListener("change", update);
    update();
  }

  function enhance(root) {
    root.querySelectorAll("[data-fold-wide]").forEach(enhanceFold);
    root.querySelectorAll("[data-filter-list]").forEach(enhanceFilter);
    root.querySelectorAll("[data-print]").forEach(enhancePrint);
    root.querySelectorAll("[data-dialog]").forEach(enhanceDialog);
    root.querySelectorAll("[data-reveal-when]").forEach(enhanceReveal);
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
})();
