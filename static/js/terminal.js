// LFS158 Tutor: the browser terminal (xterm.js) in any element with data-terminal.
//
// The element (workspaces/templates/workspaces/_terminal.html) carries:
//   data-terminal-url   the WebSocket path (/ws/terminal/)
//   data-terminal-from  the page it was opened from (for the session log)
//   data-xterm-src      the xterm.js bundle, loaded when the terminal first opens
//   data-terminal-lazy  present: open only when asked (a chapter's "Run" buttons)
// Inside it, elements with data-terminal-part="..." (state, banner, screen, ...) and
// buttons with data-terminal-action="...". The shell's output arrives as binary
// WebSocket messages; events as JSON (workspaces/terminal/consumer.py).
//
// Other scripts type into it with a "tutor:terminal-run" event on document
// (detail: {text}), which opens a lazy terminal first. Keyboard: everything goes to
// the shell; Escape then Tab (or Shift+Tab) leaves the terminal, as in the editor.
(function () {
  "use strict";

  // xterm.js adds <style> elements; under the site's policy (no inline styles) they
  // need this page's nonce, which this script tag carries.
  var scriptNonce = (document.currentScript && document.currentScript.nonce) || "";
  var RECONNECT_DELAYS = [500, 1000, 2000, 4000, 8000, 10000];
  var ESCAPE_THEN_TAB_MS = 1000;

  // Django's JavaScript catalog (/jsi18n/) defines gettext on pages not in English;
  // without it, the English words are the ones written here. (What the server sends
  // arrives already in the page's language: workspaces/terminal/words.py.)
  function gettext(text) { return window.gettext ? window.gettext(text) : text; }
  function ngettext(singular, plural, count) {
    if (window.ngettext) return window.ngettext(singular, plural, count);
    return count === 1 ? singular : plural;
  }
  function interpolate(format, values) {
    if (window.interpolate) return window.interpolate(format, values, true);
    return format.replace(/%\((\w+)\)s/g, function (_, name) { return String(values[name]); });
  }

  function loadXterm(src) {
    if (window.XtermTutor) return Promise.resolve(window.XtermTutor);
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      if (scriptNonce) script.nonce = scriptNonce;
      script.onload = function () { resolve(window.XtermTutor); };
      script.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(script);
    });
  }

  function withStyleNonce(fn) {
    if (!scriptNonce) return fn();
    var create = document.createElement;
    document.createElement = function (tag, options) {
      var element = create.call(document, tag, options);
      if (String(tag).toLowerCase() === "style") element.setAttribute("nonce", scriptNonce);
      return element;
    };
    try { return fn(); } finally { document.createElement = create; }
  }

  function TerminalPanel(root) {
    this.root = root;
    this.part = function (name) { return root.querySelector('[data-terminal-part="' + name + '"]'); };
    this.url = root.dataset.terminalUrl;
    this.from = root.dataset.terminalFrom || location.pathname;
    this.ws = null;
    this.term = null;
    this.queue = [];
    this.connected = false;
    this.closing = false; // closed on purpose: no automatic reconnect
    this.attempt = 0;
    this.escapeAt = 0;
    this.started = false;
    var self = this;
    root.querySelectorAll("[data-terminal-action]").forEach(function (button) {
      button.addEventListener("click", function () { self.action(button.dataset.terminalAction, button); });
    });
  }

  TerminalPanel.prototype.start = function () {
    var self = this;
    if (this.started) return this.ready;
    this.started = true;
    this.root.hidden = false;
    this.setState(gettext("Loading the terminal…"));
    this.ready = loadXterm(this.root.dataset.xtermSrc).then(function (X) {
      self.build(X);
      self.connect();
    }, function () {
      self.showBanner(gettext("The terminal could not load. Reload the page to try again."), null);
    });
    return this.ready;
  };

  TerminalPanel.prototype.build = function (X) {
    var self = this;
    var screen = this.part("screen");
    var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
    this.term = new X.Terminal({
      screenReaderMode: true,
      cursorBlink: true,
      scrollback: 5000,
      fontFamily: 'ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, Consolas, monospace',
      fontSize: 14,
      theme: dark ? { background: "#0b0f14", foreground: "#e4e9f1" }
                  : { background: "#1b2330", foreground: "#f5f7fb", cursor: "#f5f7fb" }
    });
    this.fit = new X.FitAddon();
    this.term.loadAddon(this.fit);
    this.term.loadAddon(new X.WebLinksAddon(function (event, uri) {
      var opened = window.open(uri, "_blank", "noopener,noreferrer");
      if (opened) opened.opener = null;
    }));
    withStyleNonce(function () { self.term.open(screen); });
    var keys = this.part("keys");
    if (this.term.textarea) {
      this.term.textarea.setAttribute("aria-label", gettext("Terminal input"));
      if (keys && keys.id) this.term.textarea.setAttribute("aria-describedby", keys.id);
    }
    this.term.attachCustomKeyEventHandler(function (event) { return self.key(event); });
    this.term.onData(function (data) { self.send({ type: "input", data: data }); });
    this.term.onResize(function (size) { self.send({ type: "resize", cols: size.cols, rows: size.rows }); });
    this.refit();
    if (window.ResizeObserver) {
      new ResizeObserver(function () { self.refit(); }).observe(screen);
    }
  };

  // Escape then Tab leaves the terminal; the Escape is held back for a moment so
  // that leaving sends nothing to the shell (vi still gets it when another key follows).
  TerminalPanel.prototype.key = function (event) {
    if (event.type !== "keydown") return true;
    var now = Date.now();
    if (event.key === "Escape" && !event.ctrlKey && !event.altKey && !event.metaKey) {
      this.escapeAt = now;
      var self = this;
      clearTimeout(this.escapeTimer);
      this.escapeTimer = setTimeout(function () {
        if (self.escapeAt) { self.escapeAt = 0; self.send({ type: "input", data: "\x1b" }); }
      }, ESCAPE_THEN_TAB_MS);
      return false;
    }
    if (this.escapeAt) {
      var pending = now - this.escapeAt < ESCAPE_THEN_TAB_MS;
      this.escapeAt = 0;
      clearTimeout(this.escapeTimer);
      if (event.key === "Tab" && pending) return false; // the browser moves the focus on
      if (pending) this.send({ type: "input", data: "\x1b" });
    }
    return true;
  };

  TerminalPanel.prototype.refit = function () {
    if (!this.term || !this.part("screen").offsetParent) return;
    try { this.fit.fit(); } catch (e) { /* not laid out yet */ }
  };

  TerminalPanel.prototype.connect = function () {
    var self = this;
    this.closing = false;
    this.hideBanner();
    this.setState(this.attempt ? gettext("Reconnecting…") : gettext("Connecting…"));
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var size = this.term ? "cols=" + this.term.cols + "&rows=" + this.term.rows : "";
    var ws = new WebSocket(scheme + location.host + this.url + "?" + size +
      "&from=" + encodeURIComponent(this.from));
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onmessage = function (message) {
      if (typeof message.data !== "string") {
        self.term.write(new Uint8Array(message.data));
        return;
      }
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      self.event(event);
    };
    ws.onclose = function () {
      self.connected = false;
      if (self.ws !== ws || self.closing) return;
      var delay = RECONNECT_DELAYS[Math.min(self.attempt, RECONNECT_DELAYS.length - 1)];
      self.attempt += 1;
      self.setState(gettext("Connection lost: reconnecting…"));
      self.reconnectTimer = setTimeout(function () { self.connect(); }, delay);
    };
  };

  TerminalPanel.prototype.event = function (event) {
    switch (event.type) {
      case "attached":
        this.connected = true;
        this.attempt = 0;
        this.term.reset(); // the replay that follows redraws the scrollback
        this.setRole(event.role);
        this.setState(event.state === "running" ? this.stateText(event.role) : event.status);
        this.setWatchers(event.watchers || []);
        if (event.state === "running") this.afterRunning();
        break;
      case "status":
        this.setState(event.message);
        break;
      case "running":
        this.setState(this.stateText(this.role));
        this.afterRunning();
        break;
      case "watchers":
        this.setWatchers(event.names || []);
        break;
      case "idle-warning":
        var minutes = Math.max(1, Math.round(event.seconds / 60));
        this.notice("idle", interpolate(ngettext(
          "No typing for a while: this terminal stops in about %(minutes)s minute. Type anything, or press Keep working.",
          "No typing for a while: this terminal stops in about %(minutes)s minutes. Type anything, or press Keep working.",
          minutes), { minutes: minutes }));
        break;
      case "input-dropped":
        this.setState(gettext("Typing or pasting too fast: some input was dropped."));
        break;
      case "taken-over":
        this.closing = true;
        this.showBanner(gettext("This terminal is now open in another tab (one terminal per " +
          "student: the newest tab takes it over)."), "take-back");
        break;
      case "ended":
        this.closing = true;
        this.showBanner(gettext("This terminal session has ended.") + " " + (event.message || ""), "restart");
        break;
      case "unavailable":
        this.closing = true;
        var self = this;
        if (event.code === 4025) {
          this.setState(event.message);
          this.reconnectTimer = setTimeout(function () { self.connect(); }, 3000);
        } else {
          this.showBanner(event.message, "restart");
        }
        break;
    }
  };

  TerminalPanel.prototype.afterRunning = function () {
    this.notice("idle", "");
    while (this.queue.length) this.send(this.queue.shift());
  };

  TerminalPanel.prototype.stateText = function (role) {
    return role === "watcher" ? gettext("Watching (read-only)") : gettext("Connected");
  };

  TerminalPanel.prototype.setRole = function (role) {
    this.role = role;
    this.root.classList.toggle("is-watching", role === "watcher");
    if (this.term) this.term.options.disableStdin = role === "watcher";
  };

  TerminalPanel.prototype.setWatchers = function (names) {
    if (this.role === "watcher") return;
    this.notice("watchers", names.length ? interpolate(ngettext(
      "Watched: %(names)s is watching this terminal (read-only).",
      "Watched: %(names)s are watching this terminal (read-only).",
      names.length), { names: names.join(", ") }) : "");
  };

  TerminalPanel.prototype.notice = function (name, text) {
    var element = this.part(name);
    if (!element) return;
    var textElement = element.querySelector("[data-terminal-text]") || element;
    textElement.textContent = text;
    element.hidden = !text;
  };

  TerminalPanel.prototype.setState = function (text) {
    var state = this.part("state");
    if (state) state.textContent = text;
  };

  TerminalPanel.prototype.showBanner = function (text, button) {
    var banner = this.part("banner");
    banner.querySelector("[data-terminal-text]").textContent = text;
    banner.querySelectorAll("[data-terminal-action]").forEach(function (b) {
      b.hidden = b.dataset.terminalAction !== button;
    });
    banner.hidden = false;
    this.setState(text);
    this.connected = false;
  };

  TerminalPanel.prototype.hideBanner = function () {
    this.part("banner").hidden = true;
  };

  TerminalPanel.prototype.send = function (message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN && this.connected) {
      this.ws.send(JSON.stringify(message));
      return true;
    }
    return false;
  };

  // Type text into the shell (a "Run" button): sent once the shell runs.
  TerminalPanel.prototype.run = function (text) {
    var message = { type: "input", data: text };
    if (!this.connected || !this.send(message)) this.queue.push(message);
    if (this.term) this.term.focus();
  };

  TerminalPanel.prototype.action = function (name, button) {
    if (name === "maximise") {
      var on = !this.root.classList.contains("is-maximised");
      this.root.classList.toggle("is-maximised", on);
      document.body.classList.toggle("terminal-maximised", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.textContent = on ? gettext("Restore") : gettext("Maximise");
      this.refit();
      if (this.term) this.term.focus();
    } else if (name === "restart" || name === "take-back") {
      clearTimeout(this.reconnectTimer);
      this.attempt = 0;
      this.connect();
      if (this.term) this.term.focus();
    } else if (name === "keepalive") {
      this.send({ type: "keepalive" });
      this.notice("idle", "");
    } else if (name === "stop") {
      this.send({ type: "stop" });
    } else if (name === "open") {
      this.start().then(function () {});
    } else if (name === "close-drawer") {
      this.root.hidden = true;
    }
  };

  var panels = [];
  function init() {
    document.querySelectorAll("[data-terminal]").forEach(function (root) {
      var panel = new TerminalPanel(root);
      root.terminalPanel = panel;
      panels.push(panel);
      if (!("terminalLazy" in root.dataset)) panel.start();
    });
  }

  document.addEventListener("tutor:terminal-run", function (event) {
    var panel = panels[0];
    if (!panel) return;
    panel.start();
    panel.root.hidden = false;
    panel.run(event.detail.text);
  });

  // Split between the instructions and the terminal: drag, or arrow keys on the bar.
  function initSplit(split) {
    var bar = split.querySelector("[data-split-bar]");
    if (!bar) return;
    function set(percent) {
      percent = Math.max(25, Math.min(75, Math.round(percent)));
      split.style.setProperty("--split", percent + "%");
      bar.setAttribute("aria-valuenow", String(percent));
      panels.forEach(function (p) { p.refit(); });
    }
    bar.addEventListener("keydown", function (event) {
      var now = Number(bar.getAttribute("aria-valuenow")) || 50;
      if (event.key === "ArrowLeft" || event.key === "ArrowUp") { set(now - 5); event.preventDefault(); }
      if (event.key === "ArrowRight" || event.key === "ArrowDown") { set(now + 5); event.preventDefault(); }
      if (event.key === "Home") { set(25); event.preventDefault(); }
      if (event.key === "End") { set(75); event.preventDefault(); }
    });
    bar.addEventListener("pointerdown", function (event) {
      bar.setPointerCapture(event.pointerId);
      function move(e) {
        var box = split.getBoundingClientRect();
        set(((e.clientX - box.left) / box.width) * 100);
      }
      function up() {
        bar.removeEventListener("pointermove", move);
        bar.removeEventListener("pointerup", up);
      }
      bar.addEventListener("pointermove", move);
      bar.addEventListener("pointerup", up);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      init();
      document.querySelectorAll("[data-split]").forEach(initSplit);
    });
  } else {
    init();
    document.querySelectorAll("[data-split]").forEach(initSplit);
  }
})();
