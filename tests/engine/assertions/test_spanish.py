"""The grader's verdicts in the reader's language: Spanish under translation.override("es").

The engine builds its messages through ``engine.i18n``, which the project wires to
Django's gettext at start-up; the same verdicts stay English when no language is
active. The Spanish catalogue is compiled here if missing or stale (as `make` does).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from engine.assertions import compile_rules, evaluate
from engine.commands import differences, parse
from engine.yaml import YamlProblem, load_document

PO = settings.BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "generation": 2},
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]},
        },
    },
    "status": {
        "observedGeneration": 2,
        "replicas": 3,
        "updatedReplicas": 1,
        "availableReplicas": 1,
    },
}
SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web"},
    "spec": {"selector": {"app": "wbe"}, "ports": [{"port": 80}]},
}
ROLE = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "Role",
    "metadata": {"name": "pod-reader"},
    "rules": [{"apiGroups": [""], "resources": ["pods", "secrets"], "verbs": ["get", "list"]}],
}
BINDING = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "RoleBinding",
    "metadata": {"name": "read-pods", "namespace": "default"},
    "subjects": [{"kind": "User", "name": "bob", "apiGroup": "rbac.authorization.k8s.io"}],
    "roleRef": {"kind": "Role", "name": "pod-reader", "apiGroup": "rbac.authorization.k8s.io"},
}
OBJECTS = [DEPLOYMENT, SERVICE, ROLE, BINDING]

RULES: dict[str, dict[str, Any]] = {
    "service": {"select": {"kind": "Service", "name": "web"}, "service": {"selects": {"kind": "Deployment", "name": "web"}}},
    "image": {"select": {"kind": "Deployment", "name": "web"}, "expr": "spec.template.spec.containers[0].image", "image": {"repository": "nginx", "tag": "1.27"}},
    "permissions": {"select": {"kind": "Role", "name": "pod-reader"}, "permissions": {"allows": [{"resources": ["pods"], "verbs": ["get", "list"]}], "only": True}},
    "access": {"access": {"user": "bob", "verb": "list", "resource": "secrets", "namespace": "default", "allowed": False}},
    "rollout": {"select": {"kind": "Deployment", "name": "web"}, "rollout": {"complete": True}},
    "count": {"select": {"kind": "ConfigMap", "name": "settings"}, "count": {"equals": 1}},
}  # fmt: skip

# What each failing verdict says: in English (unchanged), and in Spanish.
EXPECTED = {
    "service": (
        'Service "web": it selects {"app": "wbe"}, but the Pods of Deployment "web" are labelled {"app": "web"}',
        'Service "web": selecciona {"app": "wbe"}, pero los Pods de Deployment "web" tienen las etiquetas {"app": "web"}',
    ),
    "image": (
        'Deployment "web": nginx:1.25 has the tag 1.25, not 1.27.',
        'Deployment "web": nginx:1.25 tiene la etiqueta 1.25, no 1.27.',
    ),
    "permissions": (
        'Role "pod-reader" allows more than needed: get, list on secrets.',
        'Role "pod-reader" permite más de lo necesario: get, list sobre secrets.',
    ),
    "access": (
        "Expected: user bob may not list secrets in namespace default; these objects say yes",
        "Se esperaba: el usuario bob no puede list secrets en el espacio de nombres default; "
        "estos objetos dicen que sí",
    ),
    "rollout": (
        'Deployment "web": its rollout is not complete (1 of 3 updated, 1 available; `kubectl rollout status`).',
        'Deployment "web": su despliegue no ha terminado (1 de 3 actualizadas, 1 disponibles; `kubectl rollout status`).',
    ),
    "count": (
        'Expected exactly 1 ConfigMap "settings", found 0.',
        'Se esperaba exactamente 1 ConfigMap "settings"; se encontraron 0.',
    ),
}  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def compiled_messages() -> None:
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        call_command("compilemessages", locale=["es"], verbosity=0, ignore_patterns=[".venv"])


def verdicts() -> dict[str, str]:
    rules = compile_rules([{"id": key, **raw} for key, raw in RULES.items()], lab=True)
    results = evaluate(rules, [dict(o) for o in OBJECTS])
    assert not any(r.passed for r in results), [r.message for r in results if r.passed]
    return {r.id: r.message for r in results}


@pytest.mark.parametrize("rule_id", sorted(EXPECTED))
def test_a_failing_check_speaks_spanish_under_es(rule_id: str):
    english, spanish = EXPECTED[rule_id]
    with translation.override("es"):
        message = verdicts()[rule_id]
    assert spanish in message, message
    assert english not in message


@pytest.mark.parametrize("rule_id", sorted(EXPECTED))
def test_the_same_check_stays_english_by_default(rule_id: str):
    english, _spanish = EXPECTED[rule_id]
    with translation.override("en"):
        assert english in verdicts()[rule_id]
    translation.deactivate_all()  # no language at all: the engine's own English
    try:
        assert english in verdicts()[rule_id]
    finally:
        translation.activate(settings.LANGUAGE_CODE)


def test_nothing_is_cached_across_languages():
    """English, then Spanish, then English again: each run speaks the language active then."""
    with translation.override("en"):
        first = verdicts()
    with translation.override("es"):
        second = verdicts()
    with translation.override("en"):
        third = verdicts()
    assert first == third and first != second


def test_a_passing_check_speaks_spanish_too():
    fixed = {**SERVICE, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}
    rules = compile_rules([{"id": "service", **RULES["service"]}])
    with translation.override("es"):
        (result,) = evaluate(rules, [DEPLOYMENT, fixed])
    assert result.passed
    assert result.message == 'Service "web" llega a sus Pods como se esperaba.'


def test_command_question_feedback_in_spanish():
    with translation.override("es"):
        problems = differences(parse("kubectl describe pods"), parse("kubectl get pods -o wide"))
    assert problems == [
        "Después de `kubectl`, el comando debería decir `get pods`, no `describe pods`.",
        "Falta `--output=wide`.",
    ]
    english = differences(parse("kubectl describe pods"), parse("kubectl get pods -o wide"))
    assert english[0] == "After `kubectl` the command should say `get pods`, not `describe pods`."


def test_the_yaml_readers_advice_in_spanish():
    with translation.override("es"), pytest.raises(YamlProblem) as raised:
        load_document("a:\n\tb: 1\n")
    assert "tabulador" in raised.value.message, raised.value.message
    with pytest.raises(YamlProblem) as english:
        load_document("a:\n\tb: 1\n")
    assert "tab" in english.value.message and "tabulador" not in english.value.message
