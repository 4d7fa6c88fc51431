"""Completion and hover from the schemas, on text that is still being typed."""

from __future__ import annotations

import random
import time

from engine.manifests import validate_text
from engine.manifests.assist import SKELETONS, complete, hover


def labels(text: str, line: int, column: int, **kwargs) -> list[str]:
    return [o.label for o in complete(text, line, column, **kwargs).options]


POD = (
    """apiVersion: v1
kind: Pod
metadata:
  name: web  # a comment: ignored
  annotations:
    note: |
      spec:
        this is text, not a field
spec:
  containers:
  - name: a
    image: nginx
  - name: b
"""
    + " " * 4
    + "\n"
)


def test_keys_of_the_list_item_at_the_cursor_leave_out_its_own_present_keys():
    found = labels(POD, 14, 5)
    assert "image" in found and "name" not in found  # the second container has a name only
    assert found[0] == "name" or "image" in found


def test_text_blocks_and_comments_do_not_change_the_path():
    text = POD + "s"
    last = text.count("\n") + 1
    found = labels(text, last, 2)
    assert "spec" not in found and "metadata" not in found  # both present at the top level
    assert "containers" in labels(POD.replace("  containers:", "  c"), 10, 4)
    assert labels(POD, 8, 10) == []  # inside the `note: |` text block


def test_values_enum_api_versions_and_kinds():
    assert labels("apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  type: N", 6, 10) == [
        "ClusterIP", "NodePort", "LoadBalancer", "ExternalName",
    ]  # fmt: skip
    assert labels("kind: Deployment\napiVersion: a", 2, 14) == ["apps/v1"]
    kinds = labels("apiVersion: batch/v1\nkind: J", 2, 8)
    assert kinds == ["CronJob", "Job"]
    pull = labels(
        POD.replace("    image: nginx\n", "    image: nginx\n    imagePullPolicy: I\n"), 13, 23
    )
    assert pull == ["Always", "IfNotPresent", "Never"]


def test_an_empty_document_offers_whole_object_skeletons_that_are_valid_once_filled():
    found = labels("", 1, 1)
    assert found[:3] == [
        "Deployment (whole object)",
        "Service (whole object)",
        "Pod (whole object)",
    ]
    for kind, body in SKELETONS.items():
        filled = body.replace("${", "").replace("}", "")
        result = validate_text(filled)
        assert result.valid, (kind, [f.message for f in result.all_findings])


def test_the_version_decides_which_api_versions_are_offered():
    text = "kind: CronJob\napiVersion: b"
    assert labels(text, 2, 13, kubernetes_version="1.35") == ["batch/v1"]
    hpa = "kind: HorizontalPodAutoscaler\napiVersion: a"
    assert "autoscaling/v2beta2" in labels(hpa, 2, 13, kubernetes_version="1.25")
    assert "autoscaling/v2beta2" not in labels(hpa, 2, 13, kubernetes_version="1.35")


def test_hover_on_a_key_only():
    found = hover(POD, 12, 6)
    assert found is not None and found.key == "image"
    assert found.path == "spec.containers[].image"
    assert found.required is False and found.type == "string"
    assert hover(POD, 12, 12) is None  # on the value
    assert hover(POD, 7, 9) is None  # inside a text block
    assert hover("kind: Nothing\napiVersion: v9\nspec: {}\n", 3, 2) is None


def test_a_hostile_text_is_answered_quickly():
    deep = "".join(" " * i + f"k{i}:\n" for i in range(2000))
    wide = "apiVersion: v1\nkind: Pod\n" + "- " * 20000 + "a: b\n"
    for text in (deep, wide, "#" * 200_000, "'" * 100_000 + ": x"):
        start = time.perf_counter()
        complete(text, text.count("\n"), 1)
        hover(text, 1, 1)
        assert time.perf_counter() - start < 2


def test_any_half_typed_text_and_any_cursor_get_an_answer_never_an_exception():
    rng = random.Random(14)
    alphabet = " -:\n#|>'\"[]{}&*!%@`\t\\abcxyz0123"
    for _ in range(3000):
        chars = list(POD)
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(len(chars) + 1)
            if rng.random() < 0.5 and chars:
                del chars[min(at, len(chars) - 1)]
            else:
                chars.insert(at, rng.choice(alphabet))
        text = "".join(chars)
        line = rng.randint(-1, text.count("\n") + 3)
        column = rng.randint(-1, 40)
        result = complete(text, line, column, kubernetes_version="1.35")
        assert all(o.label for o in result.options)
        hover(text, line, column)
