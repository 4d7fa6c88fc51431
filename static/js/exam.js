// LFS158 Tutor: the exam's countdown. The server's clock decides; this only shows it,
// and reloads the page when the time is up (the page then shows the exam handed in).
(function () {
  "use strict";
  // Django's JavaScript catalog (/jsi18n/) defines gettext on pages not in English;
  // without it, the English words are the ones written here.
  function ngettext(singular, plural, count) {
    if (window.ngettext) return window.ngettext(singular, plural, count);
    return count === 1 ? singular : plural;
  }
  function gettext(text) { return window.gettext ? window.gettext(text) : text; }
  function interpolate(format, values) {
    if (window.interpolate) return window.interpolate(format, values, true);
    return format.replace(/%\((\w+)\)s/g, function (_, name) { return String(values[name]); });
  }
  function format(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return interpolate(gettext("%(time)s left"), { time: m + ":" + (s < 10 ? "0" : "") + s });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var clock = document.querySelector("[data-seconds-left]");
    if (!clock) return;
    var end = Date.now() + 1000 * parseInt(clock.dataset.secondsLeft, 10);
    var said = {};
    clock.setAttribute("aria-live", "off");
    // Screen readers hear the time at 5 minutes and 1 minute left, not every second.
    var announcer = document.createElement("span");
    announcer.className = "visually-hidden";
    announcer.setAttribute("role", "status");
    clock.parentNode.appendChild(announcer);
    function tick() {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      clock.textContent = format(left);
      [300, 60].forEach(function (mark) {
        if (left <= mark && !said[mark]) {
          said[mark] = true;
          var minutes = mark / 60;
          announcer.textContent = interpolate(
            ngettext("%(count)s minute left in the exam", "%(count)s minutes left in the exam", minutes),
            { count: minutes });
          clock.classList.add("exam-clock-warning");
        }
      });
      if (left === 0) {
        window.location.reload();
        return;
      }
      setTimeout(tick, 1000);
    }
    tick();
  });
})();
