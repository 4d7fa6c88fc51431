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
//   data-complete-url      POST manifest, line, column[, kubernetes_version]: completion at the cursor
//                          (lessons/editor_views.py; {% editor_assist %} writes these six)
//   data-hover-url         POST the same: {"hover": {key, type, required, description, link, ...}}
//   data-version-url       POST kubernetes_version: remembers the student's choice
//   data-versions          the Kubernetes versions to offer ("1.25 1.26 ..."), with
//   data-version           the chosen one and data-version-default the course's
//
// Findings may carry quick fixes ({title, edits: [{line, column, end_line, end_column, text}]}):
// they are offered in the lint tooltip and panel (Ctrl+Shift+M) and as buttons in the list.
// Ctrl+Space opens completion; Ctrl+K then Ctrl+I shows the help for the key at the cursor.
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

  // Django's JavaScript catalog (/jsi18n/) defines gettext on pages not in English; looked up
  // when a text is shown, so the words are English whenever the catalogue is not there.
  function gettext(text) { return window.gettext ? window.gettext(text) : text; }
  function ngettext(singular, plural, n) {
    return window.ngettext ? window.ngettext(singular, plural, n) : (n === 1 ? singular : plural);
  }
  function pgettext(context, text) { return window.pgettext ? window.pgettext(context, text) : text; }
  // "%(name)s" placeholders (a translation may reorder them), as Django's interpolate(..., true).
  function format(text, values) {
    return String(text).replace(/%\((\w+)\)s/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }

  function defaultHint() {
    return gettext("In the editor, Tab indents by two spaces and Shift+Tab outdents. " +
      "To leave the editor with the keyboard, press Escape, then Tab (or Shift+Tab). " +
      "Ctrl+M switches Tab between indenting and moving on.");
  }
  function tabMovesText() {
    return gettext("Tab now moves out of the editor. Press Ctrl+M to make it indent again.");
  }
  function tabIndentsText() {
    return gettext("Tab indents again. Press Escape, then Tab, to leave the editor.");
  }
  function assistHint() {
    return gettext("Ctrl+Space suggests what may go at the cursor; Ctrl+K then Ctrl+I explains " +
      "the key at the cursor; Ctrl+Shift+M lists the problems with their fixes.");
  }

  // CodeMirror's own words (search panel, problems panel, folding, completion), in the
  // page's language when the catalogue is loaded ("$" is where CodeMirror puts a number).
  function cmPhrases() {
    if (!window.pgettext) return null;
    return {
      "Find": pgettext("code editor", "Find"),
      "Replace": pgettext("code editor", "Replace"),
      "next": pgettext("code editor", "next"),
      "previous": pgettext("code editor", "previous"),
      "all": pgettext("code editor", "all"),
      "match case": pgettext("code editor", "match case"),
      "regexp": pgettext("code editor", "regexp"),
      "by word": pgettext("code editor", "by word"),
      "replace": pgettext("code editor", "replace"),
      "replace all": pgettext("code editor", "replace all"),
      "close": pgettext("code editor", "close"),
      "Go to line": pgettext("code editor", "Go to line"),
      "go": pgettext("code editor", "go"),
      "Diagnostics": pgettext("code editor", "Diagnostics"),
      "No diagnostics": pgettext("code editor", "No diagnostics"),
      "Folded lines": pgettext("code editor", "Folded lines"),
      "Unfolded lines": pgettext("code editor", "Unfolded lines"),
      "to": pgettext("code editor", "to"),
      "folded code": pgettext("code editor", "folded code"),
      "unfold": pgettext("code editor", "unfold"),
      "Fold line": pgettext("code editor", "Fold line"),
      "Unfold line": pgettext("code editor", "Unfold line"),
      "Selection deleted": pgettext("code editor", "Selection deleted"),
      "Control character": pgettext("code editor", "Control character"),
      "Completions": pgettext("code editor", "Completions"),
      "current match": pgettext("code editor", "current match"),
      "on line": pgettext("code editor", "on line"),
      "replaced match on line $": pgettext("code editor", "replaced match on line $"),
      "replaced $ matches": pgettext("code editor", "replaced $ matches")
    };
  }

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
        message: f.message ? String(f.message) : gettext("Problem"),
        fixes: Array.isArray(f.fixes) ? f.fixes.filter(function (x) {
          return x && typeof x.title === "string" && Array.isArray(x.edits);
        }) : []
      };
    });
  }

  function summary(findings) {
    if (!findings.length) return gettext("No problems found");
    var errors = 0, warnings = 0;
    findings.forEach(function (f) { if (f.severity === "error") errors++; else warnings++; });
    return format(ngettext("%(count)s error", "%(count)s errors", errors), { count: errors }) + ", " +
      format(ngettext("%(count)s warning", "%(count)s warnings", warnings), { count: warnings });
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

  // A fix's edits (1-based line/column, end exclusive) as offsets into `text`.
  function fixChanges(text, fix) {
    var lines = text.split("\n");
    var starts = [0];
    for (var i = 0; i < lines.length; i++) starts.push(starts[i] + lines[i].length + 1);
    var offset = function (line, column) {
      var l = Math.min(Math.max(line, 1), lines.length);
      return Math.min(starts[l - 1] + Math.max(column, 1) - 1, text.length);
    };
    return fix.edits.map(function (e) {
      return { from: offset(e.line, e.column), to: offset(e.end_line, e.end_column), insert: String(e.text || "") };
    }).sort(function (a, b) { return a.from - b.from; });
  }

  function textareaAdapter(textarea) {
    return {
      getText: function () { return textarea.value; },
      applyFix: function (fix) {
        var text = textarea.value;
        fixChanges(text, fix).reverse().forEach(function (c) {
          text = text.slice(0, c.from) + c.insert + text.slice(c.to);
        });
        textarea.value = text;
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
        textarea.focus();
      },
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

  function cmAdapter(view, onFix) {
    return {
      getText: function () { return view.state.doc.toString(); },
      applyFix: function (fix) {
        var changes = fixChanges(view.state.doc.toString(), fix);
        var last = changes[changes.length - 1];
        view.dispatch({ changes: changes, userEvent: "input.fix" });
        if (last) {
          view.dispatch({ selection: { anchor: Math.min(last.from + last.insert.length, view.state.doc.length) } });
        }
        view.focus();
      },
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
            source: f.path || undefined,
            actions: f.fixes.map(function (fix) {
              return { name: fix.title, apply: function () { onFix(fix); } };
            })
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
      sev.textContent = f.severity === "error" ? gettext("Error")
        : (f.severity === "warning" ? gettext("Warning") : gettext("Note"));
      var text = document.createElement("span");
      text.className = "finding-text";
      if (f.line) text.appendChild(document.createTextNode(format(gettext("Line %(line)s: "), { line: f.line })));
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
      f.fixes.forEach(function (fix) {
        var fixButton = document.createElement("button");
        fixButton.type = "button";
        fixButton.className = "finding-fix";
        fixButton.textContent = format(gettext("Fix: %(title)s"), { title: fix.title });
        fixButton.addEventListener("click", function () { applyFix(entry, fix); });
        li.appendChild(fixButton);
      });
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
    setStatus(entry, gettext("Checking\u2026"), "checking");
    var body = new URLSearchParams();
    body.set(entry.textarea.dataset.validateField || "manifest", entry.adapter.getText());
    if (entry.version) body.set("kubernetes_version", entry.version);
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
          format(gettext("Checking paused: too many checks. Checking again in %(seconds)s s."),
            { seconds: wait }), "failed");
        clearTimeout(entry.timer);
        entry.timer = setTimeout(function () { validate(entry); }, wait * 1000);
      } else if (r.res.status === 413) {
        setStatus(entry, (r.data && r.data.message) ||
          gettext("The manifest is too large to check (the limit is 256 KiB)."), "failed");
      } else if (r.data && Array.isArray(r.data.findings)) {
        applyFindings(entry, r.data.findings);
        if (!r.data.findings.length && r.data.valid === false) {
          setStatus(entry, gettext("The manifest is not valid"), "problems");
        }
      } else if (!r.res.ok) {
        setStatus(entry, format(gettext("Could not check: HTTP %(status)s"), {
          status: r.res.status + (r.res.statusText ? " " + r.res.statusText : "")
        }), "failed");
      } else {
        setStatus(entry, gettext("Could not check: unexpected answer from the server"), "failed");
      }
    }).catch(function (err) {
      if (stale() || (err && err.name === "AbortError")) return;
      entry.controller = null;
      setStatus(entry, format(gettext("Could not check: %(reason)s"), {
        reason: err && err.message ? err.message : gettext("network error")
      }), "failed");
    });
  }

  // ----------------------------------------------------- help while writing

  // Said to screen readers (a polite live region per editor) and shown to everyone.
  function announce(entry, text) {
    if (!entry.liveEl) return;
    entry.liveEl.textContent = "";
    setTimeout(function () { entry.liveEl.textContent = text; }, 30);
  }

  function applyFix(entry, fix) {
    entry.adapter.applyFix(fix);
    announce(entry, format(gettext("Applied: %(title)s. Checking again."), { title: fix.title }));
    scheduleValidation(entry);
  }

  function post(entry, url, fields) {
    var body = new URLSearchParams();
    Object.keys(fields).forEach(function (k) { body.set(k, fields[k]); });
    if (entry.version) body.set("kubernetes_version", entry.version);
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(entry.textarea), "X-Requested-With": "fetch", "Accept": "application/json" },
      body: body
    }).then(function (res) {
      return res.ok ? res.json() : null;
    }).catch(function () { return null; });
  }

  var COMPLETION_TYPES = { property: "property", enum: "enum", keyword: "keyword", snippet: "text" };

  function infoNode(text) {
    return function () {
      var div = document.createElement("div");
      div.className = "editor-completion-info";
      div.textContent = text;
      return div;
    };
  }

  function completionSource(entry) {
    return function (context) {
      var word = context.matchBefore(/[\w.\-\/]*/);
      if (!context.explicit && (!word || word.from === word.to)) return null;
      var line = context.state.doc.lineAt(context.pos);
      return post(entry, entry.textarea.dataset.completeUrl, {
        manifest: context.state.doc.toString(),
        line: line.number,
        column: context.pos - line.from + 1
      }).then(function (data) {
        if (context.aborted || !data || !Array.isArray(data.options) || !data.options.length) return null;
        var options = data.options.map(function (o) {
          var option = {
            label: String(o.label),
            type: COMPLETION_TYPES[o.type] || "text",
            detail: o.detail ? String(o.detail) : undefined,
            boost: o.boost || 0
          };
          if (o.info) option.info = infoNode(String(o.info));
          option.apply = o.type === "snippet" ? CM.snippet(String(o.apply)) : String(o.apply);
          return option;
        });
        announce(entry, format(ngettext(
          "%(count)s suggestion. Up and Down arrows to choose, Enter to accept, Escape to close.",
          "%(count)s suggestions. Up and Down arrows to choose, Enter to accept, Escape to close.",
          options.length), { count: options.length }));
        return {
          from: line.from + Math.max(0, Math.min((data.column || 1) - 1, line.length)),
          options: options,
          validFor: /^[\w.\-\/]*$/
        };
      });
    };
  }

  function hoverNode(h) {
    var dom = document.createElement("div");
    dom.className = "editor-hover";
    var head = document.createElement("p");
    head.className = "editor-hover-head";
    var key = document.createElement("code");
    key.textContent = h.key;
    head.appendChild(key);
    head.appendChild(document.createTextNode(" \u2014 " + format(
      h.required ? gettext("%(type)s, required") : gettext("%(type)s, optional"), { type: h.type })));
    dom.appendChild(head);
    if (h.description) {
      var desc = document.createElement("p");
      desc.className = "editor-hover-description";
      desc.textContent = h.description;
      dom.appendChild(desc);
    }
    var path = document.createElement("p");
    path.className = "editor-hover-path";
    path.textContent = format(gettext("Path: %(path)s"), { path: h.path });
    dom.appendChild(path);
    if (h.link) {
      var p = document.createElement("p");
      var a = document.createElement("a");
      a.href = h.link;
      a.textContent = format(gettext("Taught in %(where)s"), { where: h.link_title || gettext("the course") });
      p.appendChild(a);
      dom.appendChild(p);
    }
    return dom;
  }

  function hoverText(h) {
    var head = format(h.required ? gettext("%(type)s, required") : gettext("%(type)s, optional"),
      { type: h.type });
    return h.key + ": " + head + ". " + (h.description || "") +
      (h.link_title ? " " + format(gettext("Taught in %(where)s"), { where: h.link_title }) + "." : "");
  }

  function fetchHover(entry, state, pos) {
    var line = state.doc.lineAt(pos);
    return post(entry, entry.textarea.dataset.hoverUrl, {
      manifest: state.doc.toString(),
      line: line.number,
      column: pos - line.from + 1
    }).then(function (data) { return data && data.hover ? { hover: data.hover, line: line } : null; });
  }

  function hoverExtension(entry) {
    return CM.hoverTooltip(function (view, pos) {
      return fetchHover(entry, view.state, pos).then(function (found) {
        if (!found) return null;
        var h = found.hover;
        return {
          pos: found.line.from + h.column - 1,
          end: found.line.from + h.end_column - 1,
          above: true,
          create: function () { return { dom: hoverNode(h) }; }
        };
      });
    }, { hoverTime: 350 });
  }

  // Keyboard and screen readers: the help for the key at the cursor, in the help box.
  function showFieldHelp(entry) {
    var view = entry.view;
    fetchHover(entry, view.state, view.state.selection.main.head).then(function (found) {
      if (!entry.helpEl) return;
      while (entry.helpEl.firstChild) entry.helpEl.removeChild(entry.helpEl.firstChild);
      if (!found) {
        entry.helpEl.hidden = false;
        entry.helpEl.textContent = gettext("No field help here: put the cursor on a key such as replicas.");
        announce(entry, entry.helpEl.textContent);
        return;
      }
      entry.helpEl.hidden = false;
      entry.helpEl.appendChild(hoverNode(found.hover));
      announce(entry, hoverText(found.hover));
    });
    return true;
  }

  function versionSelector(entry) {
    var textarea = entry.textarea;
    var versions = (textarea.dataset.versions || "").split(/\s+/).filter(Boolean);
    if (!versions.length) return null;
    entry.version = textarea.dataset.version || textarea.dataset.versionDefault || versions[versions.length - 1];
    var box = document.createElement("div");
    box.className = "editor-version";
    var label = document.createElement("label");
    label.htmlFor = textarea.id + "-version";
    label.textContent = gettext("Kubernetes version");
    var select = document.createElement("select");
    select.id = textarea.id + "-version";
    versions.slice().reverse().forEach(function (v) {
      var option = document.createElement("option");
      option.value = v;
      option.textContent = v === textarea.dataset.versionDefault
        ? format(gettext("%(version)s (the course's)"), { version: v }) : v;
      option.selected = v === entry.version;
      select.appendChild(option);
    });
    select.addEventListener("change", function () {
      entry.version = select.value;
      if (textarea.dataset.versionUrl) post(entry, textarea.dataset.versionUrl, {});
      announce(entry, format(gettext("Checking against Kubernetes %(version)s."), { version: entry.version }));
      if (textarea.dataset.validateUrl) { clearTimeout(entry.timer); validate(entry); }
    });
    box.appendChild(label);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(select);
    return box;
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
  // outdents. After Escape, Tab (or Shift+Tab) leaves the editor, however long the student
  // waits (CodeMirror's own Escape mode lasts two seconds): until they type another key or
  // the editor gets the focus again. Ctrl+M (Shift+Alt+M on macOS) switches Tab between
  // indenting and leaving, and says which it does now in the status line.
  function tabKeys(entry) {
    function leaves() { return entry.tabMovesFocus || entry.escaped; }
    function toggle(view) {
      entry.tabMovesFocus = !entry.tabMovesFocus;
      entry.escaped = false;
      if (entry.statusEl) entry.statusEl.textContent = entry.tabMovesFocus ? tabMovesText() : tabIndentsText();
      return true;
    }
    return [
      CM.Prec.highest(CM.keymap.of([
        { key: "Tab", run: function (view) { return leaves() ? false : insertIndent(view); },
          shift: function (view) { return leaves() ? false : CM.indentLess(view); } },
        { key: "Ctrl-m", mac: "Shift-Alt-m", run: toggle, preventDefault: true }
      ])),
      CM.EditorView.domEventObservers({
        keydown: function (event) {
          // An Escape that closed something (a completion list, the search panel) was
          // handled, and does not arm Tab: the next Tab still indents.
          if (event.key === "Escape") setTimeout(function () { entry.escaped = !event.defaultPrevented; }, 0);
          else if (["Tab", "Shift", "Control", "Alt", "Meta", "CapsLock"].indexOf(event.key) < 0) entry.escaped = false;
        },
        focus: function () { entry.escaped = false; }
      })
    ];
  }

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
      adapter: null,
      version: "",
      liveEl: null,
      helpEl: null,
      tabMovesFocus: false,  // Ctrl+M: Tab leaves the editor until pressed again
      escaped: false         // Escape was the last key: the next Tab leaves the editor
    };
    editors[textarea.id] = entry;

    var live = document.createElement("div");
    live.className = "visually-hidden editor-live";
    live.id = textarea.id + "-live";
    live.setAttribute("aria-live", "polite");
    live.setAttribute("role", "status");
    textarea.parentNode.insertBefore(live, textarea);
    entry.liveEl = live;
    var selector = versionSelector(entry);
    if (selector) textarea.parentNode.insertBefore(selector, textarea);

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
      if (!hint.textContent.trim()) hint.textContent = defaultHint();
      if (textarea.dataset.completeUrl && hint.textContent.indexOf("Ctrl+Space") === -1) {
        hint.textContent += " " + assistHint();
      }
      hint.hidden = false;
    }

    var describedBy = [];
    if (textarea.getAttribute("aria-describedby")) describedBy.push(textarea.getAttribute("aria-describedby"));
    if (hint && hint.id && describedBy.join(" ").split(/\s+/).indexOf(hint.id) === -1) describedBy.push(hint.id);

    var label = labelFor(textarea);
    if (label && !label.id) label.id = textarea.id + "-label";
    // tabindex: the editor's content is focusable anyway (contenteditable); said outright, tools
    // such as axe see that its scrolling area can be reached by keyboard.
    var contentAttrs = { "aria-multiline": "true", spellcheck: "false", autocapitalize: "off", autocorrect: "off",
      tabindex: "0" };
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

    var assist = [];
    if (textarea.dataset.completeUrl) {
      // One source for the editor's life: CodeMirror tells sources apart by identity.
      var languageData = [{ autocomplete: completionSource(entry) }];
      assist.push(CM.EditorState.languageData.of(function () { return languageData; }));
    }
    if (textarea.dataset.hoverUrl) {
      assist.push(hoverExtension(entry));
      assist.push(CM.keymap.of([{ key: "Ctrl-k Ctrl-i", run: function () { return showFieldHelp(entry); } }]));
      var help = document.createElement("div");
      help.className = "editor-field-help";
      help.id = textarea.id + "-help";
      help.hidden = true;
      entry.helpEl = help;
    }

    var extensions = [
      tabKeys(entry),
      assist,
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
    var phrases = cmPhrases();
    if (phrases && CM.EditorState.phrases) extensions.push(CM.EditorState.phrases.of(phrases));
    if (textarea.placeholder) extensions.push(CM.placeholder(textarea.placeholder));
    var nonceMeta = document.querySelector('meta[name="csp-nonce"]');
    var nonce = textarea.dataset.cspNonce || scriptNonce || (nonceMeta && nonceMeta.content) || "";
    if (nonce && CM.EditorView.cspNonce) extensions.push(CM.EditorView.cspNonce.of(nonce));

    var view = new CM.EditorView({
      state: CM.EditorState.create({ doc: textarea.value, extensions: extensions })
    });
    entry.view = view;
    entry.adapter = cmAdapter(view, function (fix) { applyFix(entry, fix); });

    var wrap = document.createElement("div");
    wrap.className = "editor-wrap";
    wrap.appendChild(view.dom);
    textarea.parentNode.insertBefore(wrap, textarea.nextSibling);
    if (entry.helpEl) wrap.parentNode.insertBefore(entry.helpEl, wrap.nextSibling);
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
