// LFS158 Tutor: small progressive enhancements. Every page works without it.
(function () {
  "use strict";

  function addCopyButtons(root) {
    root.querySelectorAll(".code-block").forEach(function (block) {
      if (block.querySelector(".copy-button") || !navigator.clipboard) return;
      var pre = block.querySelector("pre");
      if (!pre) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-button";
      button.textContent = "Copy";
      button.setAttribute("aria-label", "Copy code to clipboard");
      button.addEventListener("click", function () {
        var text = pre.innerText;
        if (pre.dataset.lang === "console") {
          // Copy only the commands of a console session, not their output.
          text = text.split("\n").filter(function (l) { return l.startsWith("$ "); })
            .map(function (l) { return l.slice(2); }).join("\n");
        }
        navigator.clipboard.writeText(text).then(function () {
          button.textContent = "Copied";
          button.classList.add("copied");
          setTimeout(function () {
            button.textContent = "Copy";
            button.classList.remove("copied");
          }, 1500);
        }, function () {
          button.textContent = "Press Ctrl+C";
        });
      });
      block.appendChild(button);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { addCopyButtons(document); });
  document.addEventListener("htmx:load", function (event) { addCopyButtons(event.target); });
})();
