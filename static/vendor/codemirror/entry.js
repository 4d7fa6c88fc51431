// Bundle entry for static/vendor/codemirror-<version>.bundle.min.js (built by build.sh).
// Everything static/js/editor.js needs is exposed as window.CodeMirrorTutor; nothing else
// is global. Add an export here (and rebuild) rather than loading CodeMirror another way.
import { basicSetup } from "codemirror";
import { EditorState, EditorSelection, Compartment, Prec } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection, highlightSpecialChars, placeholder, hoverTooltip, showTooltip
} from "@codemirror/view";
import {
  defaultKeymap, history, historyKeymap, indentMore, indentLess, insertTab,
  toggleTabFocusMode, indentWithTab
} from "@codemirror/commands";
import {
  indentUnit, bracketMatching, syntaxHighlighting, defaultHighlightStyle, HighlightStyle
} from "@codemirror/language";
import { setDiagnostics, lintGutter, linter, forEachDiagnostic, lintKeymap } from "@codemirror/lint";
import { yaml } from "@codemirror/lang-yaml";
import {
  snippet, startCompletion, closeCompletion, acceptCompletion, completionStatus,
  currentCompletions, selectedCompletion
} from "@codemirror/autocomplete";
import { tags } from "@lezer/highlight";

window.CodeMirrorTutor = {
  basicSetup, EditorState, EditorSelection, Compartment, Prec,
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection, highlightSpecialChars, placeholder, hoverTooltip, showTooltip,
  snippet, startCompletion, closeCompletion, acceptCompletion, completionStatus,
  currentCompletions, selectedCompletion,
  defaultKeymap, history, historyKeymap, indentMore, indentLess, insertTab,
  toggleTabFocusMode, indentWithTab,
  indentUnit, bracketMatching, syntaxHighlighting, defaultHighlightStyle, HighlightStyle, tags,
  setDiagnostics, lintGutter, linter, forEachDiagnostic, lintKeymap,
  yaml
};
