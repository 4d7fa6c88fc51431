"""A malformed rule in a content file is refused with a message that says what to fix."""

from __future__ import annotations

import pytest

from engine.assertions import RuleError, compile_rule
from engine.assertions.cron import parse_schedule
from engine.assertions.images import parse_image
from engine.assertions.quantity import parse_quantity

SELECT = {"kind": "Deployment", "name": "web"}


@pytest.mark.parametrize(
    ("rule", "lab", "words"),
    [
        ({"expr": "spec.replicas", "equals": 1, "in": [1]}, False, "exactly one of equals"),
        ({"expr": "spec.replicas", "as": "colour", "equals": 1}, False, "`as` must be one of"),
        (
            {"expr": "spec.x", "as": "quantity", "equals": "two gigs"},
            False,
            "cannot be read `as: quantity`",
        ),
        (
            {"expr": "spec.x", "as": "cron", "equals": "every 5 minutes"},
            False,
            "cannot be read `as: cron`",
        ),
        (
            {"expr": "spec.x", "as": "hostname", "min": 3},
            False,
            "needs `as:` number, quantity, version",
        ),
        ({"expr": "data.nodes", "fact": "nodeCount"}, False, "only for labs"),
        ({"expr": "data.nodes", "fact": "podCount"}, True, "`fact` must be one of"),
        ({"expr": "spec.x", "image": {"repository": "nginx:1.27"}}, False, "without a tag"),
        ({"expr": "spec.x", "image": {"repository": "nginx", "tag": 1.27}}, False, "quoted"),
        (
            {"expr": "spec.x", "image": {"repository": "nginx", "colour": "blue"}},
            False,
            "does not take colour",
        ),
        ({"service": {"port": 80, "targetport": 80}}, False, "does not take `targetport`"),
        ({"service": {"only": True}}, False, "needs `service.selects`"),
        ({"service": {"endpoints": {"min": 1}}}, False, "only for labs"),
        ({"probe": {"type": "ready"}}, False, "`probe.type` must be one of"),
        ({"references": {"kinds": ["Pod"]}}, False, "`references.kinds` lists some of"),
        ({"permissions": {"allows": []}}, False, "`permissions.allows` lists"),
        (
            {"permissions": {"allows": [{"resources": "pods", "verbs": ["get"]}]}},
            False,
            "must be a list",
        ),
        ({"rollout": {"revision": {"min": 3}}}, False, "only for labs"),
        ({"rollout": {}}, True, "needs at least one of"),
        ({"tolerates": {"key": "x", "effect": "NoScheduled"}}, False, "names a taint"),
        ({"binds": {"name": "pv"}}, False, "judges a PersistentVolumeClaim"),
        (
            {"count": {"equals": 1}, "equals": 2},
            False,
            "`equals` does not belong to a `count` rule",
        ),
        ({"selects": {"kind": "Deployment", "only": "yes"}}, False, "`only: true|false`"),
    ],
)
def test_it_refuses_a_malformed_rule(rule, lab, words):
    with pytest.raises(RuleError) as caught:
        compile_rule({"id": "r", "title": "a rule", "select": SELECT, **rule}, lab=lab)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("access", "words"),
    [
        ({"user": "bob", "verb": "list", "resource": "pods"}, "needs `allowed: true`"),
        (
            {"allowed": [{"verb": "list", "resource": "pods"}]},
            "exactly one of `user` or `serviceAccount`",
        ),
        ({"allowed": [{"user": "bob", "resource": "pods"}]}, "needs a `verb`"),
        (
            {"denied": [{"user": "bob", "verb": "get", "resource": "pods", "who": "x"}]},
            "does not take `who`",
        ),
        ({"allowed": []}, "lists of questions"),
    ],
)
def test_it_refuses_a_malformed_access_rule(access, words):
    with pytest.raises(RuleError) as caught:
        compile_rule({"id": "r", "title": "access", "access": access}, lab=True)
    assert words in str(caught.value)


def test_the_old_forms_still_compile():
    old = [
        {
            "id": "a",
            "title": "aa",
            "access": {"user": "bob", "verb": "list", "resource": "pods", "allowed": True},
        },
        {
            "id": "b",
            "title": "bb",
            "select": SELECT,
            "selects": {"kind": "Deployment", "name": "web"},
        },
        {"id": "c", "title": "cc", "select": SELECT, "expr": "spec.replicas", "in": [1, 2]},
        {"id": "d", "title": "dd", "select": SELECT, "expr": "metadata.name", "matches": "^w"},
    ]
    for raw in old:
        compile_rule(raw, lab=True)
    assert compile_rule(old[0], lab=False).assertion == "access"


@pytest.mark.parametrize(
    ("text", "value"),
    [("2Gi", 2 * 1024**3), ("2048Mi", 2 * 1024**3), ("500m", 0.5), ("1e3", 1000), ("1.5k", 1500),
     ("20", 20), (20, 20), ("+1Ki", 1024)],
)  # fmt: skip
def test_quantities_read_as_numbers(text, value):
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["", "Gi", "2 Gi", "2gi", "two", True, None, "1..5"])
def test_what_is_not_a_quantity(text):
    assert parse_quantity(text) is None


@pytest.mark.parametrize(
    ("text", "repository", "tag"),
    [
        ("nginx", "docker.io/library/nginx", "latest"),
        ("library/nginx:1.27", "docker.io/library/nginx", "1.27"),
        ("index.docker.io/library/nginx:1.27", "docker.io/library/nginx", "1.27"),
        ("public.ecr.aws/docker/library/busybox:1.37", "docker.io/library/busybox", "1.37"),
        (
            "registry.k8s.io/e2e-test-images/agnhost:2.40",
            "registry.k8s.io/e2e-test-images/agnhost",
            "2.40",
        ),
        ("localhost:5000/web:dev", "localhost:5000/web", "dev"),
    ],
)
def test_image_references_are_normalised(text, repository, tag):
    ref = parse_image(text)
    assert ref is not None and (ref.repository, ref.tag) == (repository, tag)


@pytest.mark.parametrize("text", ["", "Nginx:1.27", "nginx:", "nginx@sha256:xyz", "a b", 7])
def test_what_is_not_an_image(text):
    assert parse_image(text) is None


@pytest.mark.parametrize(
    "text", ["* * * *", "60 * * * *", "*/0 * * * *", "5-1 * * * *", "@often", "* * * * * *", ""]
)
def test_schedules_the_controller_refuses(text):
    assert parse_schedule(text) is None


def test_schedules_that_fire_at_the_same_times_are_equal():
    assert parse_schedule("@hourly") == parse_schedule("0 * * * *")
    assert parse_schedule("0 9 * * MON-FRI") == parse_schedule("0 9 * * 1-5")
    assert parse_schedule("0 0 * * 7") == parse_schedule("0 0 * * 0")
    assert parse_schedule("0 0 1 * 1") != parse_schedule("0 0 1 * *")
