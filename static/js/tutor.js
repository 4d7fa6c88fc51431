// LFS158 Tutor: small progressive enhancements. Every page works without it.
(function () {
  "use strict";

  // Django's JavaScript catalog (/jsi18n/) defines gettext on pages not in English.
  var gettext = window.gettext || function (text) { return text; };

  // One polite live region tells screen reader users what a button did.
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

  function addCopyButtons(root) {
    root.querySelectorAll(".code-block").forEach(function (block) {
      if (block.querySelector(".copy-button") || !navigator.clipboard) return;
      var pre = block.querySelector("pre");
      if (!pre) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-button";
      button.textContent = gettext("Copy");
      button.setAttribute("aria-label", gettext("Copy code to clipboard"));
      button.addEventListener("click", function () {
        var text = pre.innerText;
        if (pre.dataset.lang === "console") {
          // Copy only the commands of a console session, not their output.
          text = text.split("\n").filter(function (l) { return l.startsWith("$ "); })
            .map(function (l) { return l.slice(2); }).join("\n");
        }
        navigator.clipboard.writeText(text).then(function () {
          button.textContent = gettext("Copied");
          button.classList.add("copied");
          announce(gettext("Code copied to clipboard"));
          setTimeout(function () {
            button.textContent = gettext("Copy");
            button.classList.remove("copied");
          }, 1500);
        }, function () {
          button.textContent = gettext("Press Ctrl+C");
          announce(gettext("Could not copy: select the code and press Ctrl+C"));
        });
      });
      block.appendChild(button);
    });
  }

  // <button data-copy="#id">: copies the text of that element (a join code, a link). The
  // button is hidden until this script shows it, since it needs the clipboard API.
  function addCopyTargets(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      if (button.dataset.copyReady || !navigator.clipboard) return;
      button.dataset.copyReady = "1";
      button.hidden = false;
      var label = button.textContent;
      button.addEventListener("click", function () {
        var target = document.querySelector(button.dataset.copy);
        if (!target) return;
        var text = (target.value !== undefined ? target.value : target.textContent).trim();
        navigator.clipboard.writeText(text).then(function () {
          button.textContent = gettext("Copied");
          announce(gettext("Copied:") + " " + text);
          setTimeout(function () { button.textContent = label; }, 1500);
        }, function () {
          button.textContent = gettext("Press Ctrl+C");
          announce(gettext("Could not copy: select the text and press Ctrl+C"));
        });
      });
    });
  }

  // The time zone page: offer the browser's own zone.
  function offerBrowserZone() {
    var box = document.querySelector("[data-browser-time-zone]");
    var select = document.getElementById("id_time_zone");
    var zone = window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!box || !select || !zone || !select.querySelector('option[value="' + zone + '"]')) return;
    box.querySelector("[data-zone]").textContent = zone;
    box.hidden = false;
    box.querySelector("button").addEventListener("click", function () {
      select.value = zone;
      select.focus();
    });
  }

  // "Run" beside the commands of a lab, and of a chapter's "Try it" boxes, when the page
  // has a browser terminal (static/js/terminal.js types them into it). A YAML block
  // becomes "Apply": `kubectl apply -f -` with the manifest as a here-document.
  var RUNNABLE = { bash: "command", sh: "command", shell: "command", console: "console", yaml: "yaml", yml: "yaml" };

  function commandText(pre) {
    var kind = RUNNABLE[pre.dataset.lang];
    var text = pre.innerText.replace(/\s+$/, "");
    // The labs write LAB_NAMESPACE where the student's namespace goes: the terminal knows it.
    var terminal = document.querySelector("[data-terminal]");
    var namespace = terminal && terminal.dataset.terminalNamespace;
    if (namespace) text = text.replace(/\bLAB_NAMESPACE\b/g, namespace);
    if (kind === "console") {
      text = text.split("\n").filter(function (l) { return l.startsWith("$ "); })
        .map(function (l) { return l.slice(2); }).join("\n");
    } else if (kind === "yaml") {
      var end = "EOF";
      while (text.split("\n").indexOf(end) !== -1) end += "_";
      text = "kubectl apply -f - <<'" + end + "'\n" + text + "\n" + end;
    }
    return text ? text + "\n" : "";
  }

  function addRunButtons(root) {
    if (!document.querySelector("[data-terminal]")) return;
    root.querySelectorAll("[data-runnable] .code-block, .callout-try .code-block").forEach(function (block) {
      var pre = block.querySelector("pre");
      if (!pre || block.querySelector(".run-button") || !RUNNABLE[pre.dataset.lang]) return;
      var yaml = RUNNABLE[pre.dataset.lang] === "yaml";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "run-button";
      button.textContent = yaml ? gettext("Apply") : gettext("Run");
      button.setAttribute("aria-label", yaml
        ? gettext("Apply this manifest in the terminal (kubectl apply)")
        : gettext("Run this in the terminal"));
      button.addEventListener("click", function () {
        var text = commandText(pre);
        if (!text) return;
        document.dispatchEvent(new CustomEvent("tutor:terminal-run", { detail: { text: text } }));
        announce(yaml ? gettext("Manifest sent to the terminal") : gettext("Command sent to the terminal"));
      });
      block.appendChild(button);
    });
  }

  // A box that scrolls (a long code block or table at phone width) must be reachable by
  // keyboard to be scrolled: while it overflows and holds nothing focusable, it takes a
  // Tab stop and a name (WCAG 2.1.1; axe's scrollable-region-focusable). Checked again
  // when the window changes size, a <details> opens, or htmx swaps content in.
  var SCROLLERS = "main pre, main table, main .table-scroll, main .lab-brief";
  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex], [contenteditable]";

  function scrollName(box) {
    if (box.tagName === "PRE") return "Code" + (box.dataset.lang ? " (" + box.dataset.lang + ")" : "") + ", scrollable";
    var caption = box.querySelector("caption");
    return (caption ? caption.textContent.trim() + ", " : "") + "scrollable";
  }

  function markScrollable(root) {
    var boxes = root.querySelectorAll ? root.querySelectorAll(SCROLLERS) : [];
    boxes.forEach(function (box) {
      var ours = box.dataset.scrollFocus === "1";
      var scrolls = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      var reachable = !!box.querySelector(FOCUSABLE) || (!ours && box.hasAttribute("tabindex"));
      if (scrolls && !ours && !reachable) {
        box.dataset.scrollFocus = "1";
        box.setAttribute("tabindex", "0");
        // A table keeps its own role (its caption names it); other boxes become named regions.
        if (box.tagName !== "TABLE") box.setAttribute("role", "region");
        if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
          box.setAttribute("aria-label", scrollName(box));
          box.dataset.scrollLabel = "1";
        }
      } else if (!scrolls && ours && document.activeElement !== box) {
        delete box.dataset.scrollFocus;
        box.removeAttribute("tabindex");
        if (box.tagName !== "TABLE") box.removeAttribute("role");
        if (box.dataset.scrollLabel) { box.removeAttribute("aria-label"); delete box.dataset.scrollLabel; }
      }
    });
  }

  var scrollCheckQueued = false;
  function queueScrollCheck() {
    if (scrollCheckQueued) return;
    scrollCheckQueued = true;
    window.requestAnimationFrame(function () { scrollCheckQueued = false; markScrollable(document); });
  }
  window.addEventListener("resize", queueScrollCheck);
  window.addEventListener("load", queueScrollCheck);
  // A box that was focused when the window widened gives its Tab stop back on leaving it.
  document.addEventListener("focusout", function (event) {
    if (event.target.dataset && event.target.dataset.scrollFocus) queueScrollCheck();
  });
  document.addEventListener("toggle", queueScrollCheck, true);

  // The "Mark as done" form is swapped out by htmx together with its button.
  // Keep keyboard and screen reader users in place: focus the new button.
  var refocusDoneToggle = false;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var toggle = document.getElementById("done-toggle");
    refocusDoneToggle = !!toggle && toggle.contains(event.detail.elt) &&
      (toggle.contains(document.activeElement) || document.activeElement === document.body);
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!refocusDoneToggle) return;
    refocusDoneToggle = false;
    var button = document.querySelector("#done-toggle button");
    if (button) button.focus();
  });

  // A lab page's live checks pause while the page sits in the background; coming
  // back to it resumes them (the paused panel listens for "tutor-visible").
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && document.body) {
      document.body.dispatchEvent(new CustomEvent("tutor-visible"));
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    addCopyButtons(document);
    addCopyTargets(document);
    offerBrowserZone();
    addRunButtons(document);
    markScrollable(document);
  });
  document.addEventListener("htmx:load", function (event) {
    addCopyButtons(event.target);
    addCopyTargets(event.target);
    addRunButtons(event.target);
    queueScrollCheck();
  });
})();
