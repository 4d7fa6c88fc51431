// Bundle entry for static/vendor/xterm-<version>.bundle.min.js (built by build.sh).
// Everything static/js/terminal.js needs is exposed as window.XtermTutor; nothing else
// is global. Add an export here (and rebuild) rather than loading xterm.js another way.
import { Terminal } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";
import { WebLinksAddon } from "@xterm/addon-web-links";

window.XtermTutor = { Terminal, FitAddon, WebLinksAddon };
