"""Which objects a rule looks at: kind, apiVersion, name and labels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.i18n import _


@dataclass(frozen=True)
class Selector:
    kind: str
    api_version: str | None = None
    name: str | None = None
    labels: tuple[tuple[str, str], ...] = ()

    def picks(self, obj: dict[str, Any]) -> bool:
        if not isinstance(obj, dict) or obj.get("kind") != self.kind:
            return False
        if self.api_version and obj.get("apiVersion") != self.api_version:
            return False
        meta: dict[str, Any] = obj["metadata"] if isinstance(obj.get("metadata"), dict) else {}
        if self.name is not None and meta.get("name") != self.name:
            return False
        labels: dict[str, Any] = meta["labels"] if isinstance(meta.get("labels"), dict) else {}
        return all(k in labels and str(labels.get(k)) == v for k, v in self.labels)

    def describe(self) -> str:
        text = self.kind
        if self.name:
            text += f' "{self.name}"'
        if self.labels:
            labels = ", ".join(f"{k}={v}" for k, v in self.labels)
            text = _("{what} labelled {labels}").format(what=text, labels=labels)
        return text
