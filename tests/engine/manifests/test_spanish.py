"""The validator speaks the reader's language: Spanish under translation.override("es"),
English by default, and English when no translator is installed (the engine alone).

The project installs Django's gettext into engine.i18n at start-up (tutor/apps.py); the
Spanish catalogue is compiled here when it is missing or older than its .po (as `make`
does), so that running this file alone tests the translation as shipped.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

import engine.i18n
from engine.manifests import validate_text
from engine.manifests.assist import complete, hover
from engine.manifests.findings import Finding

PO = settings.BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"

GOOD = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
"""
# The notes' signature mistake: everything under `spec:` lost its indentation.
FLAT = GOOD.replace("\n  replicas", "\nreplicas").replace(
    "  selector:\n    matchLabels:\n      app: web\n  template:",
    "selector:\n  matchLabels:\n    app: web\ntemplate:",
)
UNKNOWN_FIELD = GOOD.replace("replicas:", "replica:")
REMOVED_API = GOOD.replace("apps/v1", "extensions/v1beta1")
WRONG_TYPE = GOOD.replace("replicas: 2", "replicas: two")


@pytest.fixture(scope="module", autouse=True)
def compiled_messages() -> None:
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        call_command("compilemessages", locale=["es"], verbosity=0, ignore_patterns=[".venv"])


def findings(text: str, language: str) -> list[Finding]:
    with translation.override(language):
        return validate_text(text).all_findings


def only(text: str, language: str, code: str) -> Finding:
    found = [f for f in findings(text, language) if f.code == code]
    assert found, f"no {code} finding in {[f.code for f in findings(text, language)]}"
    return found[0]


def titles(finding: Finding) -> list[str]:
    return [fix["title"] for fix in finding.fixes]


def test_the_signature_mistake_in_spanish_with_its_fixes():
    spanish = [f for f in findings(FLAT, "es") if f.code == "misplaced-key"]
    assert [f.path for f in spanish] == ["replicas", "selector", "template"]
    assert spanish[0].message == (
        "`replicas` está en el nivel superior; va dentro de `spec:` — sángralo."
    )
    assert titles(spanish[0]) == [
        "Sangrar replicas bajo spec:",
        "Sangrar las 3 claves del nivel superior bajo sus padres",
    ]
    english = [f for f in findings(FLAT, "en") if f.code == "misplaced-key"]
    assert english[0].message == (
        "`replicas` is at the top level; it belongs under `spec:` — indent it."
    )
    assert titles(english[0]) == [
        "Indent replicas under spec:",
        "Indent all 3 top-level keys under their parents",
    ]
    # The fixes come from what the validator knows, not from the words: the same edits.
    assert [f.fixes[0]["edits"] for f in spanish] == [f.fixes[0]["edits"] for f in english]


def test_an_unknown_field_with_did_you_mean_in_spanish():
    spanish = only(UNKNOWN_FIELD, "es", "unknown-field")
    assert spanish.message == (
        "`replica` no es un campo de DeploymentSpec — ¿querías decir `replicas`?"
    )
    assert titles(spanish) == ["Renombrar replica a replicas"]
    english = only(UNKNOWN_FIELD, "en", "unknown-field")
    assert (
        english.message == "`replica` is not a field of DeploymentSpec — did you mean `replicas`?"
    )
    assert titles(english) == ["Rename replica to replicas"]
    assert spanish.fixes[0]["edits"] == english.fixes[0]["edits"]
    assert spanish.fixes[0]["edits"][0]["text"] == "replicas"


def test_a_removed_api_version_in_spanish():
    spanish = only(REMOVED_API, "es", "removed-api")
    assert spanish.message == (
        "`extensions/v1beta1` Deployment se eliminó en Kubernetes 1.16 (estás escribiendo "
        "para la 1.35). Usa `apiVersion: apps/v1`. `spec.selector` ahora es obligatorio y "
        "debe coincidir con `spec.template.metadata.labels`."
    )
    assert titles(spanish) == ["Usar apiVersion: apps/v1"]
    english = only(REMOVED_API, "en", "removed-api")
    assert english.message.startswith(
        "`extensions/v1beta1` Deployment was removed in Kubernetes 1.16 (you are writing for 1.35)."
    )
    assert titles(english) == ["Use apiVersion: apps/v1"]
    assert spanish.fixes[0]["edits"] == english.fixes[0]["edits"]


def test_a_removed_ingress_still_offers_to_rewrite_its_backends_in_spanish():
    ingress = (
        "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n"
        "  rules:\n    - http:\n        paths:\n          - path: /\n            backend:\n"
        "              serviceName: web\n              servicePort: 80\n"
    )
    spanish = only(ingress, "es", "removed-api")
    english = only(ingress, "en", "removed-api")
    assert "Cada backend pasa a ser" in spanish.message
    assert titles(spanish) == ["Usar apiVersion: networking.k8s.io/v1 y reescribir los backends"]
    assert titles(english) == ["Use apiVersion: networking.k8s.io/v1 and rewrite the backends"]
    assert spanish.fixes[0]["edits"] == english.fixes[0]["edits"]


def test_a_wrong_type_in_spanish():
    assert only(WRONG_TYPE, "es", "wrong-type").message == (
        '`replicas` debe ser un número entero, no el texto "two".'
    )
    assert only(WRONG_TYPE, "en", "wrong-type").message == (
        '`replicas` must be a whole number, not the text "two".'
    )


def test_a_missing_field_fix_and_plural_words_in_spanish():
    missing = GOOD.replace("          image: nginx:1.27\n", "")
    spanish = only(missing, "es", "missing-image")
    assert spanish.message.startswith("El contenedor web no tiene `image`")
    assert titles(spanish) == ["Añadir image"]
    many = "".join(
        f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_{i}\n" for i in range(5)
    )
    with translation.override("es"):
        capped = validate_text(many, max_findings=2).overflow[0].message
    assert capped == (
        "…y 3 problemas más (3 errores) a partir de aquí, sin listar: corrige primero los de arriba."
    )


def test_the_default_is_english_and_nothing_is_kept_across_languages():
    # The same text checked in turn: each answer is in the language active at the time.
    for language, word in (("es", "¿querías decir"), ("en", "did you mean"), ("es", "¿querías")):
        assert word in only(UNKNOWN_FIELD, language, "unknown-field").message
    assert "did you mean" in validate_text(UNKNOWN_FIELD).all_findings[0].message


def test_completion_and_hover_words_in_spanish_the_schema_descriptions_stay_upstream_english():
    with translation.override("es"):
        skeletons = [o.label for o in complete("", 1, 1).options][:2]
        ports = complete("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - ", 5, 7)
        port_hover = hover(
            "apiVersion: v1\nkind: Service\nspec:\n  ports:\n    - targetPort: 80\n", 5, 8
        )
    assert skeletons == ["Deployment (objeto completo)", "Service (objeto completo)"]
    name = next(o for o in ports.options if o.label == "name")
    assert name.detail == "string · obligatorio"
    assert port_hover is not None and port_hover.type == "número o texto"
    assert port_hover.description.startswith("Number or name of the port")
    english = hover("apiVersion: v1\nkind: Service\nspec:\n  ports:\n    - targetPort: 80\n", 5, 8)
    assert english is not None and english.type == "number or text"


@pytest.fixture
def engine_alone() -> Iterator[None]:
    """engine.i18n as it is before the project installs a translator, restored after."""
    installed = (engine.i18n._gettext, engine.i18n._ngettext)
    engine.i18n.install(str, engine.i18n._english_plural)
    try:
        yield
    finally:
        engine.i18n.install(*installed)


def test_without_an_installed_translator_the_engine_speaks_english(engine_alone):
    with translation.override("es"):
        unknown = only(UNKNOWN_FIELD, "es", "unknown-field")
        flat = [f for f in validate_text(FLAT).all_findings if f.code == "misplaced-key"]
    assert (
        unknown.message == "`replica` is not a field of DeploymentSpec — did you mean `replicas`?"
    )
    assert titles(unknown) == ["Rename replica to replicas"]
    assert titles(flat[0])[1] == "Indent all 3 top-level keys under their parents"
    assert engine.i18n.ngettext("{count} error", "{count} errors", 1) == "{count} error"


def test_the_installed_translator_is_back_after_the_engine_alone_test():
    assert engine.i18n._gettext is not str
    assert "¿querías decir" in only(UNKNOWN_FIELD, "es", "unknown-field").message
