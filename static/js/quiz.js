// LFS158 Tutor: quiz enhancements. Every quiz works without this file.
//
// - Ordering questions get Up and Down buttons beside each item; the numbered
//   selects (which are what the form sends) are kept in step with the list.
// - An answer the server refuses (4xx) shows its message under the form
//   instead of failing silently, since htmx does not swap error responses.
// - After an answer is swapped in, focus moves to its result.
(function () {
  "use strict";

  // Django's JavaScript catalog (/jsi18n/) defines gettext on pages not in English.
  var gettext = window.gettext || function (text) { return text; };
  var interpolate = window.interpolate || function (format, values) {
    var i = 0;
    return format.replace(/%s/g, function () { return String(values[i++]); });
  };

  var announcer = null;
  function announce(text) {
    if (!announcer) {
      announcer = document.createElement("p");
      announcer.className = "visually-hidden";
      announcer.setAttribute("role", "status");
      document.body.appendChild(announcer);
    }
    announcer.textContent = "";
    setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function renumber(list) {
    var items = list.querySelectorAll(":scope > li");
    items.forEach(function (li, index) {
      var select = li.querySelector("select");
      if (select) select.value = String(index + 1);
      var up = li.querySelector(".move-up");
      var down = li.querySelector(".move-down");
      if (up) up.disabled = index === 0;
      if (down) down.disabled = index === items.length - 1;
    });
  }

  function itemText(li) {
    var text = li.querySelector(".ordering-text");
    return text ? text.textContent.trim() : "";
  }

  function move(list, li, to) {
    var items = Array.prototype.slice.call(list.querySelectorAll(":scope > li"));
    var from = items.indexOf(li);
    if (to < 0 || to >= items.length || to === from) return;
    list.removeChild(li);
    var rest = Array.prototype.slice.call(list.querySelectorAll(":scope > li"));
    list.insertBefore(li, rest[to] || null);
    renumber(list);
    announce(interpolate(gettext("Moved to position %s of %s:"), [to + 1, items.length]) + " " + itemText(li));
  }

  function button(label, className, text) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button secondary small-button " + className;
    b.setAttribute("aria-label", label);
    b.textContent = text;
    return b;
  }

  function enhanceOrdering(root) {
    root.querySelectorAll("ol[data-ordering]:not([data-enhanced])").forEach(function (list) {
      list.setAttribute("data-enhanced", "");
      var how = list.parentNode.querySelector(".ordering-how");
      if (how) how.textContent = gettext("Put the items in order, first at the top: move an item with its Up and Down buttons, or give it a position.");
      list.querySelectorAll(":scope > li").forEach(function (li) {
        var name = itemText(li);
        var controls = document.createElement("span");
        controls.className = "ordering-controls";
        var up = button(gettext("Move up:") + " " + name, "move-up", "↑ " + gettext("Up"));
        var down = button(gettext("Move down:") + " " + name, "move-down", "↓ " + gettext("Down"));
        up.addEventListener("click", function () {
          var items = Array.prototype.slice.call(list.querySelectorAll(":scope > li"));
          move(list, li, items.indexOf(li) - 1);
          (up.disabled ? down : up).focus();
        });
        down.addEventListener("click", function () {
          var items = Array.prototype.slice.call(list.querySelectorAll(":scope > li"));
          move(list, li, items.indexOf(li) + 1);
          (down.disabled ? up : down).focus();
        });
        controls.appendChild(up);
        controls.appendChild(down);
        li.appendChild(controls);
        var select = li.querySelector("select");
        if (select) {
          select.addEventListener("change", function () {
            move(list, li, parseInt(select.value, 10) - 1);
            select.focus();
          });
        }
      });
      renumber(list);
    });
  }

  document.addEventListener("htmx:responseError", function (event) {
    var form = event.detail.elt && event.detail.elt.closest ? event.detail.elt.closest(".answer-form") : null;
    if (!form) return;
    var box = form.querySelector(".answer-error");
    if (!box) return;
    var text = event.detail.xhr ? event.detail.xhr.responseText : "";
    box.textContent = text || gettext("The answer could not be saved. Try again.");
    box.hidden = false;
  });
  document.addEventListener("htmx:sendError", function (event) {
    var form = event.detail.elt && event.detail.elt.closest ? event.detail.elt.closest(".answer-form") : null;
    var box = form && form.querySelector(".answer-error");
    if (!box) return;
    box.textContent = gettext("The server could not be reached: check your connection and try again.");
    box.hidden = false;
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var section = event.detail.elt;
    if (!section || !section.classList || !section.classList.contains("quiz-question")) return;
    var verdict = section.querySelector(".feedback-verdict");
    if (verdict) {
      verdict.setAttribute("tabindex", "-1");
      verdict.focus();
    }
  });

  document.addEventListener("DOMContentLoaded", function () { enhanceOrdering(document); });
  document.addEventListener("htmx:load", function (event) { enhanceOrdering(event.target); });
})();
