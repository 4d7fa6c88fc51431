"""The assertion language of exercises, quiz manifests and labs (engine.assertions)."""

from __future__ import annotations

import pytest

from engine.assertions import compile_rules, evaluate


def test_the_assertion_language():
    objects = [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"tier": "front"}},
         "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                  "template": {"metadata": {"labels": {"app": "web"}},
                               "spec": {"containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "busybox"}]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "other"}, "spec": {"selector": {"app": "db"}}},
    ]  # fmt: skip
    rules = compile_rules([
        {"id": "one", "title": "t", "select": {"kind": "Deployment"}, "count": {"equals": 1}},
        {"id": "labels", "title": "t", "select": {"kind": "Deployment", "labels": {"tier": "front"}}, "count": {"min": 1}},
        {"id": "subset", "title": "t", "select": {"kind": "Deployment"}, "match": {"spec": {"template": {"spec": {"containers": [{"image": "busybox"}]}}}}},
        {"id": "no-host", "title": "t", "select": {"kind": "Deployment"}, "absent": {"spec": {"template": {"spec": {"hostNetwork": True}}}}},
        {"id": "two", "title": "t", "select": {"kind": "Deployment"}, "expr": "length(spec.template.spec.containers)", "min": 2},
        {"id": "image", "title": "t", "select": {"kind": "Deployment"}, "expr": "spec.template.spec.containers[0].image", "matches": "nginx(:.*)?"},
        {"id": "svc", "title": "t", "select": {"kind": "Service", "name": "web"}, "selects": {"kind": "Deployment", "name": "web"}},
        {"id": "bad-svc", "title": "t", "select": {"kind": "Service", "name": "other"}, "selects": {"kind": "Deployment", "name": "web"}},
        {"id": "no-job", "title": "t", "select": {"kind": "Job"}, "absent": {}},
        {"id": "replicas", "title": "t", "select": {"kind": "Deployment"}, "match": {"spec": {"replicas": 4}}},
    ])  # fmt: skip
    results = {r.id: r for r in evaluate(rules, objects)}
    assert [k for k, r in results.items() if not r.passed] == ["bad-svc", "replicas"]
    assert "`spec.replicas` should be 4, found 3" in results["replicas"].message
    assert 'selects {"app": "db"}' in results["bad-svc"].message


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"id": "Bad", "select": {"kind": "Pod"}, "count": {"min": 1}}, "lowercase"),
        ({"id": "a", "select": {"kind": "Pod"}}, "exactly one"),
        ({"id": "a", "select": {"kind": "Pod"}, "count": {"min": 1}, "match": {}}, "exactly one"),
        ({"id": "a", "select": {}, "count": {"min": 1}}, "kind"),
        ({"id": "a", "select": {"kind": "Pod"}, "expr": "spec.[", "equals": 1}, "JMESPath"),
        (
            {"id": "a", "select": {"kind": "Pod"}, "expr": "spec", "matches": "("},
            "regular expression",
        ),
        ({"id": "a", "select": {"kind": "Pod"}, "count": {"min": -1}}, ">= 0"),
    ],
)
def test_malformed_rules_are_refused_with_a_reason(raw, message):
    from engine.assertions import RuleError

    with pytest.raises(RuleError, match=message):
        compile_rules([raw])
