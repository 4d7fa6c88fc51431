"""Warnings that need more than one document: how the objects of a file fit together."""

from __future__ import annotations

from typing import Any

from engine.i18n import _
from engine.manifests.findings import Document, Finding, shown
from engine.manifests.server_rules import TEMPLATE_PATHS, _get, _items, selector_matches


def pod_templates(
    documents: list[Document],
) -> list[tuple[Document, dict[str, Any], dict[str, Any]]]:
    """(document, pod labels, pod spec) for every Pod and Pod template in the file."""
    found = []
    for doc in documents:
        kind = _kind(doc)
        if kind == "Pod":
            labels = _get(doc.data, ("metadata", "labels"))
            spec = doc.data.get("spec")
        elif kind in TEMPLATE_PATHS:
            template = _get(doc.data, TEMPLATE_PATHS[kind])
            labels = _get(template, ("metadata", "labels"))
            spec = _get(template, ("spec",))
        else:
            continue
        found.append(
            (
                doc,
                labels if isinstance(labels, dict) else {},
                spec if isinstance(spec, dict) else {},
            )
        )
    return found


def check(documents: list[Document]) -> dict[int, list[Finding]]:
    out: dict[int, list[Finding]] = {}
    templates = pod_templates(documents)
    by_name: dict[tuple[str, str], Document] = {}
    for doc in documents:
        name = _get(doc.data, ("metadata", "name"))
        if isinstance(name, str) and _kind(doc):
            by_name[(_kind(doc), name)] = doc
    for doc in documents:
        kind = _kind(doc)
        found: list[Finding] = []
        if kind == "Service" and templates:
            _service_hints(doc, templates, found)
        for _doc, _labels, spec in [t for t in templates if t[0] is doc]:
            _key_ref_hints(doc, spec, by_name, found)
        if found:
            out[doc.index] = found
    return out


def _service_hints(
    doc: Document,
    templates: list[tuple[Document, dict[str, Any], dict[str, Any]]],
    out: list[Finding],
) -> None:
    selector = _get(doc.data, ("spec", "selector"))
    if not isinstance(selector, dict) or not selector:
        return
    matched = [t for t in templates if selector_matches({"matchLabels": selector}, t[1])]
    if not matched:
        wanted = shown(", ".join(f"{shown(k)}: {shown(v)}" for k, v in selector.items()), 200)
        out.append(
            doc.finding(
                "warning",
                "service-selects-nothing",
                ("spec", "selector"),
                _(
                    "This Service selects Pods labelled {labels}, but no Pod or Pod template in "
                    "this file has those labels, so it would have no endpoints. Check the labels "
                    "on both sides."
                ).format(labels=wanted),
            )
        )
        return
    declared = {
        name
        for _, _, spec in matched
        for _, container in _items(spec.get("containers"))
        for _, port in _items(container.get("ports"))
        if isinstance(name := port.get("name"), str)
    }
    for index, port in _items(_get(doc.data, ("spec", "ports"))):
        target = port.get("targetPort")
        if isinstance(target, str) and not target.isdigit() and target not in declared:
            names = shown(", ".join(sorted(f"`{n}`" for n in declared if n)), 200) or _("none")
            out.append(
                doc.finding(
                    "warning",
                    "unknown-target-port",
                    ("spec", "ports", index, "targetPort"),
                    _(
                        'targetPort "{value}" is a port name, but no selected container declares '
                        "a port with that name (declared names: {names}). Traffic would not "
                        "arrive."
                    ).format(value=shown(target), names=names),
                )
            )


def _key_ref_hints(
    doc: Document,
    spec: dict[str, Any],
    by_name: dict[tuple[str, str], Document],
    out: list[Finding],
) -> None:
    base = TEMPLATE_PATHS.get(_kind(doc), ())
    spec_path = (*base, "spec") if base else ("spec",)
    for field in ("initContainers", "containers"):
        for index, container in _items(spec.get(field)):
            for env_index, env in _items(container.get("env")):
                for ref_kind, ref_field in (
                    ("ConfigMap", "configMapKeyRef"),
                    ("Secret", "secretKeyRef"),
                ):
                    ref = _get(env, ("valueFrom", ref_field))
                    if not isinstance(ref, dict):
                        continue
                    ref_name, key = ref.get("name"), ref.get("key")
                    if not isinstance(ref_name, str) or not isinstance(key, str):
                        continue  # the schema reports a name or key that is not text
                    target = by_name.get((ref_kind, ref_name))
                    if target is None or ref.get("optional") is True:
                        continue
                    keys = {
                        k
                        for section in ("data", "stringData")
                        if isinstance(values := target.data.get(section), dict)
                        for k in values
                    }
                    if key not in keys:
                        path = (
                            *spec_path,
                            field,
                            index,
                            "env",
                            env_index,
                            "valueFrom",
                            ref_field,
                            "key",
                        )
                        listed = shown(", ".join(f"`{k}`" for k in sorted(keys)), 200) or _(
                            "no keys"
                        )
                        out.append(
                            doc.finding(
                                "warning",
                                "unknown-config-key",
                                path,
                                _(
                                    'The {kind} "{name}" in this file has no key `{key}` '
                                    "(it has {keys}); the Pod would not start."
                                ).format(
                                    kind=ref_kind, name=shown(ref_name), key=shown(key), keys=listed
                                ),
                            )
                        )


def _kind(doc: Document) -> str:
    """The document's kind, or "" when it is missing or not text."""
    kind = doc.data.get("kind")
    return kind if isinstance(kind, str) else ""
