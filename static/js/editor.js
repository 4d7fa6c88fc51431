// LFS158 Tutor: YAML editor for manifest exercises.
//
// Enhances every <textarea data-editor="yaml"> with CodeMirror 6 (the local bundle
// static/vendor/codemirror-*.bundle.min.js, exposed as window.CodeMirrorTutor) and checks
// the text as the student types. The textarea stays in the form and is kept in sync, so
// the page works the same without JavaScript. No eval, no inline scripts or styles.
//
// Textarea attributes (all optional except data-editor):
//   data-validate-url      POST endpoint: form field `manifest` (or data-validate-field), answers
//                          {"valid": bool, "findings": [{severity, code, path, line, column, message}]}
//   data-findings          id of the element that receives the <ol> of findings
//   data-status            id of the element that receives the status text
//   data-keyboard-hint     id of the hint explaining Tab / Escape-then-Tab (aria-describedby)
//   data-initial-findings  id of a <script type="application/json"> with findings to show at load
//   data-csrf              CSRF token, used when there is no `csrftoken` cookie
//   data-csp-nonce         CSP nonce for CodeMirror's <style> elements (see scriptNonce)
//   data-validate-field    the name of the form field the text is sent in (default `manifest`)
//
// The textarea gets an "input" event whenever the editor changes it, so that htmx triggers
// on it (a live preview) work as they do on a plain textarea.
//
// window.TutorEditor.showFindings(textareaId, findings) shows findings from elsewhere
// (e.g. rendered by the server after a submit); window.TutorEditor.get(textareaId) returns
// {view, textarea} for tests and other scripts.
(function () {
  "use strict";

  var DEBOUNCE_MS = 400;
  var INDENT = "  ";
  var DEFAULT_HINT = "In the editor, Tab indents by two spaces and Shift+Tab outdents. " +
    "To leave the editor with the keyboard, press Escape, then Tab (or Shift+Tab).";

  var CM = window.CodeMirrorTutor || null;
  // CodeMirror injects its styles as <style> elements: under a Content-Security-Policy
  // without 'unsafe-inline' styles they need a nonce (else the editor renders and behaves
  // wrongly). Taken from the textarea's data-csp-nonce, this script's nonce attribute,
  // or <meta name="csp-nonce" content="...">.
  var scriptNonce = (document.currentScript && document.currentScript.nonce) || "";
  var editors = Object.create(null); // textarea id -> entry

  // ---------------------------------------------------------------- helpers

  function byId(id) { return id ? document.getElementById(id) : null; }

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split(";") : [];
    for (var i = 0; i < parts.length; i++) {
      var kv = parts[i].trim();
      if (kv.slice(0, name.length + 1) === name + "=") {
        try { return decodeURIComponent(kv.slice(name.length + 1)); } catch (e) { return kv.slice(name.length + 1); }
      }
    }
    return "";
  }

  function csrfToken(textarea) {
    var fromCookie = cookie("csrftoken");
    if (fromCookie) return fromCookie;
    if (textarea.dataset.csrf) return textarea.dataset.csrf;
    var form = textarea.form;
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  // Messages mark code with backticks ("`replica` is not a field"): show those parts as
  // <code>, the rest as text. Built from text nodes, so nothing in a message is markup.
  function codeSpans(text) {
    var fragment = document.createDocumentFragment();
    var parts = String(text).split(/`([^`\n]+)`/);
    parts.forEach(function (part, index) {
      if (!part) return;
      if (index % 2 === 1) {
        var code = document.createElement("code");
        code.textContent = part;
        fragment.appendChild(code);
      } else {
        fragment.appendChild(document.createTextNode(part));
      }
    });
    return fragment;
  }

  function normalizeFindings(findings) {
    if (findings && !Array.isArray(findings) && Array.isArray(findings.findings)) findings = findings.findings;
    if (!Array.isArray(findings)) return [];
    return findings.filter(function (f) { return f && typeof f === "object"; }).map(function (f) {
      var line = parseInt(f.line, 10);
      var column = parseInt(f.column, 10);
      return {
        severity: f.severity === "warning" ? "warning" : (f.severity === "info" ? "info" : "error"),
        code: f.code ? String(f.code) : "",
        path: f.path ? String(f.path) : "",
        line: line > 0 ? line : null,
        column: column > 0 ? column : 1,
        message: f.message ? String(f.message) : "Problem"
      };
    });
  }

  function summary(findings) {
    if (!findings.length) return "No problems found";
    var errors = 0, warnings = 0;
    findings.forEach(function (f) { if (f.severity === "error") errors++; else warnings++; });
    return plural(errors, "error") + ", " + plural(warnings, "warning");
  }

  // Finding (1-based line/column) -> {from, to} in a CodeMirror document. Clamped: a line
  // past the end goes to the last line, a column past the end of its line to the line end.
  function findingRange(doc, f) {
    var lineNo = Math.min(Math.max(f.line || 1, 1), doc.lines);
    var line = doc.line(lineNo);
    var from = Math.min(line.from + (f.column || 1) - 1, line.to);
    return { from: from, to: line.to };
  }

  // --------------------------------------------------------- adapters
  // An entry wraps either a CodeMirror view or, when the bundle did not load, the plain
  // textarea, so validation and the findings list work either way.

  function textareaAdapter(textarea) {
    return {
      getText: function () { return textarea.value; },
      setDiagnostics: function () {},
      jumpTo: function (f) {
        var lines = textarea.value.split("\n");
        var lineNo = Math.min(Math.max(f.line || 1, 1), lines.length);
        var pos = 0;
        for (var i = 0; i < lineNo - 1; i++) pos += lines[i].length + 1;
        pos += Math.min((f.column || 1) - 1, lines[lineNo - 1].length);
        textarea.focus();
        textarea.setSelectionRange(pos, pos);
      }
    };
  }

  function cmAdapter(view) {
    return {
      getText: function () { return view.state.doc.toString(); },
      setDiagnostics: function (findings) {
        var doc = view.state.doc;
        var diagnostics = findings.map(function (f) {
          var r = findingRange(doc, f);
          var message = f.message + (f.code ? " [" + f.code + "]" : "");
          return {
            from: r.from, to: r.to, severity: f.severity,
            // Plain text for screen readers and copy; shown with its code spans.
            message: message.replace(/`([^`\n]+)`/g, "$1"),
            renderMessage: function () {
              var span = document.createElement("span");
              span.appendChild(codeSpans(message));
              return span;
            },
            source: f.path || undefined
          };
        });
        view.dispatch(CM.setDiagnostics(view.state, diagnostics));
      },
      jumpTo: function (f) {
        var r = findingRange(view.state.doc, f);
        view.dispatch({
          selection: { anchor: r.from },
          effects: CM.EditorView.scrollIntoView(r.from, { y: "center" })
        });
        view.focus();
      }
    };
  }

  // ------------------------------------------------------ findings & status

  function setStatus(entry, text, kind) {
    if (!entry.statusEl) return;
    entry.statusEl.textContent = text;
    entry.statusEl.classList.remove("editor-status-ok", "editor-status-problems",
      "editor-status-checking", "editor-status-failed");
    if (kind) entry.statusEl.classList.add("editor-status-" + kind);
  }

  function renderList(entry, findings) {
    var box = entry.findingsEl;
    if (!box) return;
    while (box.firstChild) box.removeChild(box.firstChild);
    box.classList.toggle("has-findings", findings.length > 0);
    if (!findings.length) return;
    var ol = document.createElement("ol");
    ol.className = "editor-findings-list";
    findings.forEach(function (f) {
      var li = document.createElement("li");
      li.className = "finding finding-" + f.severity;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "finding-button finding-" + f.severity;
      var sev = document.createElement("span");
      sev.className = "finding-severity";
      sev.textContent = f.severity === "error" ? "Error" : (f.severity === "warning" ? "Warning" : "Note");
      var text = document.createElement("span");
      text.className = "finding-text";
      if (f.line) text.appendChild(document.createTextNode("Line " + f.line + ": "));
      text.appendChild(codeSpans(f.message));
      button.appendChild(sev);
      button.appendChild(document.createTextNode(" "));
      button.appendChild(text);
      if (f.code) {
        var code = document.createElement("code");
        code.className = "finding-code";
        code.textContent = f.code;
        button.appendChild(document.createTextNode(" "));
        button.appendChild(code);
      }
      button.addEventListener("click", function () { entry.adapter.jumpTo(f); });
      li.appendChild(button);
      ol.appendChild(li);
    });
    box.appendChild(ol);
  }

  function applyFindings(entry, findings) {
    findings = normalizeFindings(findings);
    entry.findings = findings;
    entry.adapter.setDiagnostics(findings);
    renderList(entry, findings);
    setStatus(entry, summary(findings), findings.length ? "problems" : "ok");
  }

  // ------------------------------------------------------------- validation

  function scheduleValidation(entry) {
    if (!entry.textarea.dataset.validateUrl) return;
    // Whatever is in flight now describes an older text: drop it.
    entry.seq++;
    if (entry.controller) { entry.controller.abort(); entry.controller = null; }
    clearTimeout(entry.timer);
    entry.timer = setTimeout(function () { validate(entry); }, DEBOUNCE_MS);
  }

  function validate(entry) {
    var seq = ++entry.seq;
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    entry.controller = controller;
    setStatus(entry, "Checking\u2026", "checking");
    var body = new URLSearchParams();
    body.set(entry.textarea.dataset.validateField || "manifest", entry.adapter.getText());
    var stale = function () { return seq !== entry.seq; };
    fetch(entry.textarea.dataset.validateUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": csrfToken(entry.textarea),
        "X-Requested-With": "fetch",
        "Accept": "application/json"
      },
      body: body,
      signal: controller ? controller.signal : undefined
    }).then(function (res) {
      var type = res.headers.get("Content-Type") || "";
      if (type.indexOf("json") === -1) {
        return { res: res, data: null };
      }
      return res.json().then(function (data) { return { res: res, data: data }; },
        function () { return { res: res, data: null }; });
    }).then(function (r) {
      if (stale()) return;
      entry.controller = null;
      if (r.res.status === 429) {
        // Too many checks from this browser: say so, and check again when the server allows.
        var wait = parseInt(r.res.headers.get("Retry-After") || "", 10);
        if (!(wait > 0)) wait = 10;
        setStatus(entry, (r.data && r.data.message) ||
          ("Checking paused: too many checks. Checking again in " + wait + " s."), "failed");
        clearTimeout(entry.timer);
        entry.timer = setTimeout(function () { validate(entry); }, wait * 1000);
      } else if (r.res.status === 413) {
        setStatus(entry, (r.data && r.data.message) ||
          "The manifest is too large to check (the limit is 256 KiB).", "failed");
      } else if (r.data && Array.isArray(r.data.findings)) {
        applyFindings(entry, r.data.findings);
        if (!r.data.findings.length && r.data.valid === false) {
          setStatus(entry, "The manifest is not valid", "problems");
        }
      } else if (!r.res.ok) {
        setStatus(entry, "Could not check: HTTP " + r.res.status +
          (r.res.statusText ? " " + r.res.statusText : ""), "failed");
      } else {
        setStatus(entry, "Could not check: unexpected answer from the server", "failed");
      }
    }).catch(function (err) {
      if (stale() || (err && err.name === "AbortError")) return;
      entry.controller = null;
      setStatus(entry, "Could not check: " + (err && err.message ? err.message : "network error"), "failed");
    });
  }

  // ---------------------------------------------------------------- editor

  var darkHighlight = null;
  function darkExtensions() {
    if (!darkHighlight) {
      var t = CM.tags;
      darkHighlight = CM.HighlightStyle.define([
        { tag: t.definition(t.propertyName), color: "#8fb3ff" },
        { tag: [t.string, t.attributeValue], color: "#f4a98f" },
        { tag: t.special(t.string), color: "#f2c35b" },
        { tag: [t.keyword, t.meta], color: "#d3a4ff" },
        { tag: [t.labelName, t.atom, t.bool], color: "#79d4c4" },
        { tag: t.typeName, color: "#5fd08f" },
        { tag: t.comment, color: "#a3aec0", fontStyle: "italic" },
        { tag: [t.separator, t.punctuation, t.squareBracket, t.brace], color: "#b8c2d3" },
        { tag: t.invalid, color: "#ff8a80" }
      ]);
    }
    return [
      CM.EditorView.theme({
        "&": { backgroundColor: "var(--code-bg, #0b1017)", color: "var(--fg, #e4e9f1)" },
        ".cm-content": { caretColor: "#ffffff" },
        ".cm-cursor, .cm-dropCursor": { borderLeftColor: "#ffffff" },
        "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection":
          { backgroundColor: "#2f4a7a" },
        ".cm-activeLine": { backgroundColor: "#ffffff0d" },
        ".cm-activeLineGutter": { backgroundColor: "#ffffff12" },
        ".cm-gutters": { backgroundColor: "var(--bg-card, #18202b)", color: "var(--fg-muted, #9aa6b8)",
          borderRight: "1px solid var(--border, #2b3645)" },
        "&.cm-focused .cm-matchingBracket": { backgroundColor: "#3d5a3d", outline: "1px solid #5fd08f" },
        "&.cm-focused .cm-nonmatchingBracket": { backgroundColor: "#5a2b2b" },
        ".cm-tooltip": { backgroundColor: "var(--bg-card, #18202b)", color: "var(--fg, #e4e9f1)",
          border: "1px solid var(--border, #2b3645)" },
        ".cm-panels": { backgroundColor: "var(--bg-soft, #151c26)", color: "var(--fg, #e4e9f1)" }
      }, { dark: true }),
      CM.syntaxHighlighting(darkHighlight)
    ];
  }

  // Tab inserts two spaces at each cursor (indents the lines of a selection); Shift+Tab
  // outdents. Escape then Tab leaves the editor (CodeMirror's built-in tab-focus mode), as
  // does Ctrl+M (Shift+Alt+M on macOS), which toggles that mode.
  function insertIndent(view) {
    if (view.state.readOnly) return false;
    if (view.state.selection.ranges.some(function (r) { return !r.empty; })) return CM.indentMore(view);
    view.dispatch(view.state.replaceSelection(INDENT), { scrollIntoView: true, userEvent: "input" });
    return true;
  }

  function labelFor(textarea) {
    var label = textarea.labels && textarea.labels[0];
    if (!label && textarea.id) label = document.querySelector('label[for="' + CSS.escape(textarea.id) + '"]');
    return label || null;
  }

  function enhance(textarea, index) {
    if (!textarea.id) textarea.id = "yaml-editor-" + (index + 1);
    if (editors[textarea.id]) return editors[textarea.id];

    var entry = {
      textarea: textarea,
      findingsEl: byId(textarea.dataset.findings),
      statusEl: byId(textarea.dataset.status),
      findings: [],
      seq: 0,
      timer: null,
      controller: null,
      view: null,
      adapter: null
    };
    editors[textarea.id] = entry;

    var hint = byId(textarea.dataset.keyboardHint);
    if (entry.statusEl && !entry.statusEl.hasAttribute("role") && !entry.statusEl.hasAttribute("aria-live")) {
      entry.statusEl.setAttribute("role", "status");
    }

    if (!CM) {
      // The bundle did not load: keep the plain textarea, still check as the student types.
      entry.adapter = textareaAdapter(textarea);
      textarea.addEventListener("input", function () { scheduleValidation(entry); });
      return entry;
    }

    if (hint) {
      if (!hint.textContent.trim()) hint.textContent = DEFAULT_HINT;
      hint.hidden = false;
    }

    var describedBy = [];
    if (textarea.getAttribute("aria-describedby")) describedBy.push(textarea.getAttribute("aria-describedby"));
    if (hint && hint.id && describedBy.join(" ").split(/\s+/).indexOf(hint.id) === -1) describedBy.push(hint.id);

    var label = labelFor(textarea);
    if (label && !label.id) label.id = textarea.id + "-label";
    var contentAttrs = { "aria-multiline": "true", spellcheck: "false", autocapitalize: "off", autocorrect: "off" };
    if (label) contentAttrs["aria-labelledby"] = label.id;
    else if (textarea.getAttribute("aria-label")) contentAttrs["aria-label"] = textarea.getAttribute("aria-label");
    if (describedBy.length) contentAttrs["aria-describedby"] = describedBy.join(" ");
    if (textarea.required) {
      // A hidden required control would block the form without telling anyone why.
      textarea.required = false;
      contentAttrs["aria-required"] = "true";
    }
    if (textarea.readOnly || textarea.disabled) contentAttrs["aria-readonly"] = "true";

    var dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
    var themeSlot = new CM.Compartment();

    var extensions = [
      CM.keymap.of([{ key: "Tab", run: insertIndent, shift: CM.indentLess }]),
      CM.basicSetup,
      CM.yaml(),
      CM.lintGutter(),
      CM.EditorState.tabSize.of(2),
      CM.indentUnit.of(INDENT),
      CM.EditorView.contentAttributes.of(contentAttrs),
      CM.EditorView.editorAttributes.of({ class: "cm-tutor" }),
      themeSlot.of(dark && dark.matches ? darkExtensions() : []),
      CM.EditorView.updateListener.of(function (update) {
        if (!update.docChanged) return;
        textarea.value = update.state.doc.toString();
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
        scheduleValidation(entry);
      })
    ];
    if (textarea.readOnly || textarea.disabled) {
      extensions.push(CM.EditorState.readOnly.of(true));
    }
    if (textarea.placeholder) extensions.push(CM.placeholder(textarea.placeholder));
    var nonceMeta = document.querySelector('meta[name="csp-nonce"]');
    var nonce = textarea.dataset.cspNonce || scriptNonce || (nonceMeta && nonceMeta.content) || "";
    if (nonce && CM.EditorView.cspNonce) extensions.push(CM.EditorView.cspNonce.of(nonce));

    var view = new CM.EditorView({
      state: CM.EditorState.create({ doc: textarea.value, extensions: extensions })
    });
    entry.view = view;
    entry.adapter = cmAdapter(view);

    var wrap = document.createElement("div");
    wrap.className = "editor-wrap";
    wrap.appendChild(view.dom);
    textarea.parentNode.insertBefore(wrap, textarea.nextSibling);
    textarea.hidden = true;
    textarea.classList.add("editor-source");

    if (dark) {
      var onScheme = function () {
        view.dispatch({ effects: themeSlot.reconfigure(dark.matches ? darkExtensions() : []) });
      };
      if (dark.addEventListener) dark.addEventListener("change", onScheme);
      else if (dark.addListener) dark.addListener(onScheme);
    }

    // The label points at the hidden textarea; send its clicks to the editor instead.
    if (label) label.addEventListener("click", function (e) { e.preventDefault(); view.focus(); });

    // Browser form restore or a reset may change the textarea behind the editor's back.
    if (textarea.form) {
      textarea.form.addEventListener("reset", function () {
        setTimeout(function () {
          view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: textarea.value } });
        }, 0);
      });
    }
    return entry;
  }

  function readInitialFindings(entry) {
    var id = entry.textarea.dataset.initialFindings;
    var el = byId(id);
    if (!el) return;
    try {
      var data = JSON.parse(el.textContent || "null");
      if (data) applyFindings(entry, data);
    } catch (e) {
      if (window.console) console.warn("editor.js: could not read initial findings from #" + id, e);
    }
  }

  function init() {
    CM = window.CodeMirrorTutor || null; // the bundle may have loaded after this file
    var areas = document.querySelectorAll('textarea[data-editor="yaml"]');
    for (var i = 0; i < areas.length; i++) {
      var entry = enhance(areas[i], i);
      if (entry && !entry.initialized) {
        entry.initialized = true;
        readInitialFindings(entry);
      }
    }
  }

  window.TutorEditor = {
    showFindings: function (textareaId, findings) {
      var entry = editors[textareaId];
      if (!entry) {
        var textarea = byId(textareaId);
        if (!textarea) return false;
        entry = enhance(textarea, 0);
      }
      applyFindings(entry, findings);
      return true;
    },
    get: function (textareaId) {
      var entry = editors[textareaId];
      return entry ? { view: entry.view, textarea: entry.textarea, findings: entry.findings.slice() } : null;
    },
    init: init
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
