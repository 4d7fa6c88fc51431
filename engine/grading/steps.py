"""Lab solutions played as a student would type them, without a shell or a kubectl binary.

A lab file lists steps: `apply:` (manifests), `patch:` (a merge patch of one
object), `delete:` (one object, `{apiVersion, kind, name}`; the step waits
until it is gone, as `kubectl delete` does) and `kubectl:` (one kubectl
command from a small, validated set).
This module reads a `kubectl:` command into a ``Command`` and builds the
objects and patches kubectl would send; ``labs.grader`` sends them through
the Kubernetes client. Nothing here runs code or touches a cluster.

Supported (flags in any order, `--flag=value` or `--flag value`):

    create deployment NAME --image=IMAGE [--replicas=N] [--port=N]
    create configmap NAME --from-literal=KEY=VALUE...
    create secret generic NAME --from-literal=KEY=VALUE... [--type=TYPE]
    create service clusterip|nodeport NAME --tcp=PORT[:TARGET]... [--node-port=N]
    create service externalname NAME --external-name=HOST
    create serviceaccount NAME
    create role NAME --verb=VERB,... --resource=RESOURCE,... [--resource-name=NAME]
    create rolebinding NAME --role=ROLE|--clusterrole=ROLE [--user=U] [--group=G] [--serviceaccount=NS:NAME]
    create job NAME --image=IMAGE [-- COMMAND...]
    create cronjob NAME --image=IMAGE --schedule=SCHEDULE [--restart=OnFailure|Never] [-- COMMAND...]
    create ingress NAME [--class=CLASS] --rule=HOST/PATH=SERVICE:PORT...
    create quota NAME --hard=KEY=VALUE,...
    run NAME --image=IMAGE [--labels=K=V,...] [--port=N] [--env=K=V] [--restart=Never] [--command] [-- ARGS...]
    expose TYPE NAME [--port=N] [--target-port=PORT] [--type=TYPE] [--name=NAME] [--protocol=TCP]
    scale TYPE NAME --replicas=N
    set image TYPE/NAME CONTAINER=IMAGE...
    label|annotate TYPE NAME KEY=VALUE... [KEY-] [--overwrite]
    patch TYPE NAME -p PATCH [--type=strategic|merge|json]
    rollout undo TYPE/NAME [--to-revision=N]
    rollout status TYPE/NAME [--timeout=SECONDS]
    delete TYPE NAME

`TYPE NAME` may also be written `TYPE/NAME`. `-n`/`--namespace` is refused:
the grader's namespace is used. `{{ namespace }}`, `{{ nodeCount }}` and
`{{ serverVersion }}` in a step or a manifest are replaced with the cluster's
values before the step is read, and `{{ uid:Kind/name }}` with the uid of that
object of the namespace (never in a start state).
"""

from __future__ import annotations

import base64
import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.assertions.compare import FACTS
from engine.assertions.images import parse_image

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
# `{{ uid:Kind/name }}`: the uid of an object the lab made (a recorded answer, an owner
# reference), which only the cluster knows.
UID_PLACEHOLDER = re.compile(r"^uid:([A-Za-z]+)/([a-z0-9][a-z0-9.-]*)$")
# Values used to check a lab file's steps before any cluster is known.
SAMPLE_FACTS = {"namespace": "lab-namespace", "nodeCount": 1, "serverVersion": "v1.35.0"}
SAMPLE_UID = "00000000-0000-4000-8000-000000000000"

# kubectl's names of the kinds a lab step may touch: (apiVersion, kind).
_KIND_NAMES: tuple[tuple[tuple[str, ...], tuple[str, str]], ...] = (
    (("deployment", "deployments", "deploy"), ("apps/v1", "Deployment")),
    (("replicaset", "replicasets", "rs"), ("apps/v1", "ReplicaSet")),
    (("statefulset", "statefulsets", "sts"), ("apps/v1", "StatefulSet")),
    (("daemonset", "daemonsets", "ds"), ("apps/v1", "DaemonSet")),
    (("pod", "pods", "po"), ("v1", "Pod")),
    (("service", "services", "svc"), ("v1", "Service")),
    (("configmap", "configmaps", "cm"), ("v1", "ConfigMap")),
    (("secret", "secrets"), ("v1", "Secret")),
    (("serviceaccount", "serviceaccounts", "sa"), ("v1", "ServiceAccount")),
    (("persistentvolumeclaim", "persistentvolumeclaims", "pvc"), ("v1", "PersistentVolumeClaim")),
    (("resourcequota", "resourcequotas", "quota"), ("v1", "ResourceQuota")),
    (("job", "jobs"), ("batch/v1", "Job")),
    (("cronjob", "cronjobs", "cj"), ("batch/v1", "CronJob")),
    (("ingress", "ingresses", "ing"), ("networking.k8s.io/v1", "Ingress")),
    (("role", "roles"), ("rbac.authorization.k8s.io/v1", "Role")),
    (("rolebinding", "rolebindings"), ("rbac.authorization.k8s.io/v1", "RoleBinding")),
)
# kubectl's names of the kinds a lab step may touch (`deploy`, `deployment.apps`): (apiVersion, kind).
KINDS: dict[str, tuple[str, str]] = {
    alias: target
    for names, target in _KIND_NAMES
    for name in names
    for alias in (name, f"{name}.{target[0].split('/')[0]}")
}
SCALABLE = {"Deployment", "ReplicaSet", "StatefulSet"}
WORKLOADS = {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Pod", "Job", "CronJob"}
_RESOURCE_GROUPS = {
    "deployments": "apps", "replicasets": "apps", "statefulsets": "apps", "daemonsets": "apps",
    "jobs": "batch", "cronjobs": "batch", "ingresses": "networking.k8s.io",
    "roles": "rbac.authorization.k8s.io", "rolebindings": "rbac.authorization.k8s.io",
    "endpointslices": "discovery.k8s.io",
}  # fmt: skip


class StepError(ValueError):
    """A step in a lab file cannot be played; the message says why."""


@dataclass(frozen=True)
class Ref:
    api_version: str
    kind: str
    name: str


@dataclass
class Command:
    """One kubectl command, read and checked."""

    verb: str  # create, run, expose, scale, set-image, label, annotate, patch, rollout-undo, rollout-status, delete
    text: str
    target: Ref | None = None
    obj: dict[str, Any] | None = None  # what `create` and `run` send
    options: dict[str, Any] = field(default_factory=dict)


def fill(text: str, facts: dict[str, Any], uid: Callable[[str, str], str] | None = None) -> str:
    """Replace `{{ fact }}` and `{{ uid:Kind/name }}` placeholders; an unknown name is an error.

    ``uid(kind, name)`` looks an object's uid up; without it a sample uid is used.
    """

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in FACTS:
            return str(facts[name])
        wanted = UID_PLACEHOLDER.match(name)
        if wanted:
            return uid(wanted.group(1), wanted.group(2)) if uid else SAMPLE_UID
        raise StepError(
            f"unknown placeholder {{{{ {name} }}}} (known: {', '.join(FACTS)}, uid:Kind/name)"
        )

    return PLACEHOLDER.sub(value, text)


def check_placeholders(text: str) -> None:
    fill(text, SAMPLE_FACTS)


# ---------------------------------------------------------------- reading


class _Args:
    """kubectl's argument conventions: positionals, `--flag=value`, `--flag value`, `--`."""

    def __init__(self, tokens: list[str], flags: dict[str, bool]) -> None:
        # flags: name -> takes a value
        self.positional: list[str] = []
        self.values: dict[str, list[str]] = {}
        self.after_dashes: list[str] = []
        i = 0
        while i < len(tokens):
            word = tokens[i]
            if word == "--":
                self.after_dashes = tokens[i + 1 :]
                break
            if word.startswith("-") and len(word) > 1 and not re.fullmatch(r"-[0-9].*", word):
                name, eq, value = word.partition("=")
                if name in ("-n", "--namespace", "--all-namespaces", "-A"):
                    raise StepError("steps run in the grader's namespace: leave out -n/--namespace")
                if name not in flags:
                    raise StepError(f"the flag {name} is not supported here")
                if flags[name]:
                    if not eq:
                        i += 1
                        if i >= len(tokens):
                            raise StepError(f"{name} needs a value")
                        value = tokens[i]
                    self.values.setdefault(name, []).append(value)
                else:
                    if eq:
                        raise StepError(f"{name} takes no value")
                    self.values.setdefault(name, []).append("true")
            else:
                self.positional.append(word)
            i += 1

    def one(self, name: str, default: str | None = None) -> str | None:
        values = self.values.get(name)
        if not values:
            return default
        if len(values) > 1:
            raise StepError(f"{name} is given twice")
        return values[0]

    def need(self, name: str) -> str:
        value = self.one(name)
        if value is None or value == "":
            raise StepError(f"{name} is required")
        return value

    def many(self, name: str) -> list[str]:
        return self.values.get(name, [])

    def has(self, name: str) -> bool:
        return name in self.values


def _name(text: str, what: str = "name") -> str:
    if not re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", text) or len(text) > 253:
        raise StepError(f"{text!r} is not a valid {what}")
    return text


def _int(text: str | None, what: str, low: int = 0, high: int = 1_000_000) -> int:
    if text is None or not text.isdigit() or not low <= int(text) <= high:
        raise StepError(f"{what} must be a whole number from {low} to {high}, not {text!r}")
    return int(text)


def _kind(text: str) -> tuple[str, str]:
    if text.lower() not in KINDS:
        raise StepError(f"unknown resource type {text!r}")
    return KINDS[text.lower()]


def _target(args: list[str], what: str) -> tuple[Ref, list[str]]:
    """`TYPE NAME` or `TYPE/NAME` at the start of the positionals, and what follows."""
    if not args:
        raise StepError(f"{what} needs TYPE NAME (or TYPE/NAME)")
    if "/" in args[0]:
        kind_text, _sep, name = args[0].partition("/")
        rest = args[1:]
    else:
        if len(args) < 2:
            raise StepError(f"{what} needs TYPE NAME (or TYPE/NAME)")
        kind_text, name, rest = args[0], args[1], args[2:]
    api_version, kind = _kind(kind_text)
    return Ref(api_version, kind, _name(name)), rest


def _pairs(items: list[str], what: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise StepError(f"{what} takes KEY=VALUE, not {item!r}")
        pairs[key] = value
    return pairs


def _image(text: str) -> str:
    if parse_image(text) is None:
        raise StepError(f"{text!r} is not an image reference")
    return text


def container_name(image: str) -> str:
    """The container name kubectl derives from an image: `registry/x/nginx:1.27` -> `nginx`."""
    base = image.split("@")[0].rsplit("/", 1)[-1].split(":")[0]
    return re.sub(r"[^a-z0-9-]", "-", base.lower()).strip("-") or "container"


def parse_command(text: str) -> Command:
    """Read one kubectl command of a lab step (with or without the leading `kubectl`)."""
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise StepError(f"cannot read the command: {exc}") from exc
    if tokens and tokens[0] == "kubectl":
        tokens = tokens[1:]
    if not tokens:
        raise StepError("the command is empty")
    verb, rest = tokens[0], tokens[1:]
    if verb == "create":
        return _create(text, rest)
    if verb == "run":
        return _run(text, rest)
    if verb == "expose":
        return _expose(text, rest)
    if verb == "scale":
        args = _Args(rest, {"--replicas": True})
        target, extra = _target(args.positional, "scale")
        if extra or target.kind not in SCALABLE:
            raise StepError("scale takes one Deployment, ReplicaSet or StatefulSet")
        return Command("scale", text, target, options={"replicas": _int(args.need("--replicas"), "--replicas", 0, 1000)})  # fmt: skip
    if verb == "set" and rest[:1] == ["image"]:
        args = _Args(rest[1:], {})
        target, extra = _target(args.positional, "set image")
        if target.kind not in WORKLOADS or not extra:
            raise StepError("set image takes a workload and CONTAINER=IMAGE")
        images = _pairs(extra, "set image")
        return Command("set-image", text, target, options={"images": {c: _image(i) for c, i in images.items()}})  # fmt: skip
    if verb in ("label", "annotate"):
        args = _Args(rest, {"--overwrite": False})
        target, extra = _target(args.positional, verb)
        if not extra:
            raise StepError(f"{verb} needs KEY=VALUE (or KEY- to remove)")
        changes: dict[str, str | None] = {}
        for item in extra:
            if item.endswith("-") and "=" not in item:
                changes[item[:-1]] = None
            else:
                changes.update(_pairs([item], verb))
        return Command(verb, text, target, options={"changes": changes, "overwrite": args.has("--overwrite")})  # fmt: skip
    if verb == "patch":
        args = _Args(rest, {"-p": True, "--patch": True, "--type": True})
        target, extra = _target(args.positional, "patch")
        if extra:
            raise StepError("patch takes one object")
        body_text = args.one("-p") or args.one("--patch")
        if body_text is None:
            raise StepError("patch needs -p PATCH")
        kind = args.one("--type", "strategic")
        if kind not in ("strategic", "merge", "json"):
            raise StepError("--type must be strategic, merge or json")
        try:
            body = json.loads(body_text)
        except ValueError as exc:
            raise StepError(f"the patch is not JSON: {exc}") from exc
        if not isinstance(body, list if kind == "json" else dict):
            raise StepError("a json patch is a list of operations; the others are an object")
        return Command("patch", text, target, options={"type": kind, "body": body})
    if verb == "rollout" and rest[:1] in (["undo"], ["status"]):
        flags = {"--to-revision": True} if rest[0] == "undo" else {"--timeout": True}
        args = _Args(rest[1:], flags)
        target, extra = _target(args.positional, f"rollout {rest[0]}")
        if extra or target.kind != "Deployment":
            raise StepError(f"rollout {rest[0]} takes one Deployment")
        if rest[0] == "undo":
            revision = args.one("--to-revision")
            return Command("rollout-undo", text, target,
                           options={"revision": _int(revision, "--to-revision", 1) if revision else None})  # fmt: skip
        timeout = (args.one("--timeout") or "60s").rstrip("s")
        return Command("rollout-status", text, target, options={"timeout": _int(timeout, "--timeout", 1, 300)})  # fmt: skip
    if verb == "delete":
        args = _Args(rest, {})
        target, extra = _target(args.positional, "delete")
        if extra:
            raise StepError("delete takes one object")
        return Command("delete", text, target)
    raise StepError(f"`kubectl {verb}` is not one of the supported steps")


def _meta(name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": _name(name)}
    if labels:
        meta["labels"] = labels
    return meta


def _create(text: str, rest: list[str]) -> Command:
    if not rest:
        raise StepError("create needs a kind")
    what, rest = rest[0], rest[1:]
    if what in ("secret", "service") and rest:
        what, rest = f"{what} {rest[0]}", rest[1:]
    flags: dict[str, dict[str, bool]] = {
        "deployment": {"--image": True, "--replicas": True, "--port": True},
        "configmap": {"--from-literal": True},
        "cm": {"--from-literal": True},
        "secret generic": {"--from-literal": True, "--type": True},
        "service clusterip": {"--tcp": True},
        "service nodeport": {"--tcp": True, "--node-port": True},
        "service externalname": {"--external-name": True},
        "serviceaccount": {}, "sa": {},
        "role": {"--verb": True, "--resource": True, "--resource-name": True},
        "rolebinding": {"--role": True, "--clusterrole": True, "--user": True, "--group": True, "--serviceaccount": True},
        "job": {"--image": True},
        "cronjob": {"--image": True, "--schedule": True, "--restart": True},
        "ingress": {"--class": True, "--rule": True},
        "quota": {"--hard": True}, "resourcequota": {"--hard": True},
    }  # fmt: skip
    if what not in flags:
        raise StepError(f"`create {what}` is not supported (supported: {', '.join(sorted(flags))})")
    args = _Args(rest, flags[what])
    if len(args.positional) != 1:
        raise StepError(f"create {what} needs exactly one NAME")
    name = _name(args.positional[0])
    obj: dict[str, Any]
    if what == "deployment":
        images = args.many("--image")
        if not images:
            raise StepError("--image is required")
        containers: list[dict[str, Any]] = [
            {"name": container_name(_image(i)), "image": i} for i in images
        ]
        if args.has("--port"):
            containers[0]["ports"] = [
                {"containerPort": _int(args.one("--port"), "--port", 1, 65535)}
            ]
        labels = {"app": name}
        obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta(name, labels),
               "spec": {"replicas": _int(args.one("--replicas", "1"), "--replicas", 0, 1000),
                        "selector": {"matchLabels": labels},
                        "template": {"metadata": {"labels": labels}, "spec": {"containers": containers}}}}  # fmt: skip
    elif what in ("configmap", "cm"):
        obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(name),
               "data": _pairs(args.many("--from-literal"), "--from-literal")}  # fmt: skip
    elif what == "secret generic":
        data = _pairs(args.many("--from-literal"), "--from-literal")
        obj = {"apiVersion": "v1", "kind": "Secret", "metadata": _meta(name),
               "type": args.one("--type", "Opaque"),
               "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}  # fmt: skip
    elif what.startswith("service "):
        obj = _service(name, what.split(" ")[1], args)
    elif what in ("serviceaccount", "sa"):
        obj = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(name)}
    elif what == "role":
        obj = _role(name, args)
    elif what == "rolebinding":
        obj = _rolebinding(name, args)
    elif what in ("job", "cronjob"):
        image = _image(args.need("--image"))
        container: dict[str, Any] = {"name": name, "image": image}
        if args.after_dashes:
            container["command"] = args.after_dashes
        restart = args.one("--restart", "OnFailure" if what == "cronjob" else "Never")
        if restart not in ("OnFailure", "Never"):
            raise StepError("--restart must be OnFailure or Never")
        pod = {"spec": {"restartPolicy": restart, "containers": [container]}}
        if what == "job":
            obj = {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "metadata": _meta(name),
                "spec": {"template": pod},
            }
        else:
            obj = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": _meta(name),
                   "spec": {"schedule": args.need("--schedule"),
                            "jobTemplate": {"metadata": {"name": name}, "spec": {"template": pod}}}}  # fmt: skip
    elif what == "ingress":
        obj = _ingress(name, args)
    else:
        hard = {}
        for item in args.many("--hard"):
            hard.update(_pairs(item.split(","), "--hard"))
        if not hard:
            raise StepError("--hard is required")
        obj = {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": _meta(name),
            "spec": {"hard": hard},
        }
    return Command("create", text, Ref(obj["apiVersion"], obj["kind"], name), obj=obj)


def _service(name: str, kind: str, args: _Args) -> dict[str, Any]:
    if kind == "externalname":
        host = args.need("--external-name")
        return {"apiVersion": "v1", "kind": "Service", "metadata": _meta(name, {"app": name}),
                "spec": {"type": "ExternalName", "externalName": host}}  # fmt: skip
    ports = []
    for item in args.many("--tcp"):
        port, _sep, target = item.partition(":")
        entry: dict[str, Any] = {"name": f"{port}-{target or port}", "protocol": "TCP",
                                 "port": _int(port, "--tcp port", 1, 65535)}  # fmt: skip
        entry["targetPort"] = int(target) if target.isdigit() else (target or entry["port"])
        ports.append(entry)
    if not ports:
        raise StepError("--tcp=PORT[:TARGET] is required")
    if args.has("--node-port"):
        ports[0]["nodePort"] = _int(args.one("--node-port"), "--node-port", 30000, 32767)
    spec = {"type": {"clusterip": "ClusterIP", "nodeport": "NodePort"}[kind], "ports": ports,
            "selector": {"app": name}}  # fmt: skip
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(name, {"app": name}),
        "spec": spec,
    }


def _role(name: str, args: _Args) -> dict[str, Any]:
    verbs = [v for item in args.many("--verb") for v in item.split(",") if v]
    resources = [r for item in args.many("--resource") for r in item.split(",") if r]
    if not verbs or not resources:
        raise StepError("create role needs --verb and --resource")
    by_group: dict[str, list[str]] = {}
    for resource in resources:
        plural, _sep, group = resource.partition(".")
        base = plural.split("/")[0]
        by_group.setdefault(group or _RESOURCE_GROUPS.get(base, ""), []).append(plural)
    names = [n for item in args.many("--resource-name") for n in item.split(",") if n]
    rules = []
    for group, plurals in by_group.items():
        rule: dict[str, Any] = {"apiGroups": [group], "resources": plurals, "verbs": verbs}
        if names:
            rule["resourceNames"] = names
        rules.append(rule)
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": _meta(name), "rules": rules}  # fmt: skip


def _rolebinding(name: str, args: _Args) -> dict[str, Any]:
    role, cluster_role = args.one("--role"), args.one("--clusterrole")
    if (role is None) == (cluster_role is None):
        raise StepError("create rolebinding needs exactly one of --role or --clusterrole")
    subjects: list[dict[str, Any]] = [
        {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": u}
        for u in args.many("--user")
    ]
    subjects += [
        {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": g}
        for g in args.many("--group")
    ]
    for item in args.many("--serviceaccount"):
        namespace, sep, account = item.partition(":")
        if not sep or not account:
            raise StepError("--serviceaccount takes NAMESPACE:NAME (use {{ namespace }})")
        subjects.append({"kind": "ServiceAccount", "name": account, "namespace": namespace})
    if not subjects:
        raise StepError("create rolebinding needs --user, --group or --serviceaccount")
    ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role" if role else "ClusterRole",
           "name": role or cluster_role}  # fmt: skip
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": _meta(name),
            "subjects": subjects, "roleRef": ref}  # fmt: skip


def _ingress(name: str, args: _Args) -> dict[str, Any]:
    rules: dict[str, list[dict[str, Any]]] = {}
    for item in args.many("--rule"):
        match = re.fullmatch(r"([^/=]*)(/[^=]*)=([a-z0-9-]+):([0-9]+|[a-z0-9-]+)", item)
        if match is None:
            raise StepError(f"--rule takes HOST/PATH=SERVICE:PORT, not {item!r}")
        host, path, service, port = match.groups()
        exact = not path.endswith("*")
        port_ref: dict[str, Any] = {"number": int(port)} if port.isdigit() else {"name": port}
        rules.setdefault(host, []).append({
            "path": path.rstrip("*") or "/", "pathType": "Exact" if exact else "Prefix",
            "backend": {"service": {"name": service, "port": port_ref}},
        })  # fmt: skip
    if not rules:
        raise StepError("--rule is required")
    spec: dict[str, Any] = {"rules": [
        {**({"host": h} if h else {}), "http": {"paths": paths}} for h, paths in rules.items()
    ]}  # fmt: skip
    if args.has("--class"):
        spec["ingressClassName"] = args.one("--class")
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": _meta(name),
        "spec": spec,
    }


def _run(text: str, rest: list[str]) -> Command:
    args = _Args(rest, {"--image": True, "--labels": True, "-l": True, "--port": True, "--env": True,
                        "--restart": True, "--command": False})  # fmt: skip
    if len(args.positional) != 1:
        raise StepError("run needs exactly one NAME")
    name = _name(args.positional[0])
    labels = {"run": name}
    label_text = args.one("--labels") or args.one("-l")
    if label_text:
        labels = _pairs(label_text.split(","), "--labels")
    container: dict[str, Any] = {"name": name, "image": _image(args.need("--image"))}
    if args.has("--port"):
        container["ports"] = [{"containerPort": _int(args.one("--port"), "--port", 1, 65535)}]
    if args.has("--env"):
        container["env"] = [
            {"name": k, "value": v} for k, v in _pairs(args.many("--env"), "--env").items()
        ]
    if args.after_dashes:
        # Like kubectl: what follows `--` is the container's args, or its command with --command.
        container["command" if args.has("--command") else "args"] = args.after_dashes
    restart = args.one("--restart", "Always")
    if restart not in ("Always", "OnFailure", "Never"):
        raise StepError("--restart must be Always, OnFailure or Never")
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": _meta(name, labels),
           "spec": {"restartPolicy": restart, "containers": [container]}}  # fmt: skip
    return Command("create", text, Ref("v1", "Pod", name), obj=obj)


def _expose(text: str, rest: list[str]) -> Command:
    flags = {"--port": True, "--target-port": True, "--type": True, "--name": True,
             "--protocol": True, "--selector": True, "--node-port": True}  # fmt: skip
    args = _Args(rest, flags)
    target, extra = _target(args.positional, "expose")
    if extra or target.kind not in {"Deployment", "ReplicaSet", "Pod", "Service", "StatefulSet"}:
        raise StepError("expose takes one Deployment, ReplicaSet, StatefulSet, Pod or Service")
    kind = args.one("--type", "ClusterIP")
    if kind not in ("ClusterIP", "NodePort", "LoadBalancer"):
        raise StepError("--type must be ClusterIP, NodePort or LoadBalancer")
    selector = args.one("--selector")
    options: dict[str, Any] = {
        "name": _name(args.one("--name") or target.name),
        "type": kind,
        "port": _int(args.one("--port"), "--port", 1, 65535) if args.has("--port") else None,
        "target_port": args.one("--target-port"),
        "protocol": args.one("--protocol", "TCP"),
        "selector": _pairs(selector.split(","), "--selector") if selector else None,
    }
    return Command("expose", text, target, options=options)


# ---------------------------------------------------------------- building from the cluster


def exposed_service(command: Command, target: dict[str, Any]) -> dict[str, Any]:
    """The Service `kubectl expose` makes for the object it read."""
    options = command.options
    spec = target.get("spec") or {}
    selector = options["selector"]
    if selector is None:
        if target.get("kind") == "Service":
            selector = spec.get("selector")
        elif target.get("kind") == "Pod":
            selector = (target.get("metadata") or {}).get("labels")
        else:
            wanted = spec.get("selector") or {}
            if wanted.get("matchExpressions"):
                raise StepError(
                    "expose cannot copy a selector with matchExpressions; pass --selector"
                )
            selector = wanted.get("matchLabels")
    if not selector:
        raise StepError(
            f"expose found no selector on {command.target.kind if command.target else 'it'}"
        )
    port = options["port"]
    if port is None:
        declared = _declared_ports(target)
        if len(declared) != 1:
            raise StepError("expose needs --port: the object declares no single port to copy")
        port = declared[0]
    entry: dict[str, Any] = {"port": port, "protocol": options["protocol"]}
    target_port = options["target_port"]
    entry["targetPort"] = (
        (int(target_port) if target_port.isdigit() else target_port) if target_port else port
    )
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": options["name"], "labels": (target.get("metadata") or {}).get("labels") or {}},
            "spec": {"type": options["type"], "selector": selector, "ports": [entry]}}  # fmt: skip


def _declared_ports(target: dict[str, Any]) -> list[int]:
    spec = target.get("spec") or {}
    pod = spec if target.get("kind") == "Pod" else (spec.get("template") or {}).get("spec") or {}
    if target.get("kind") == "Service":
        return [
            p["port"]
            for p in spec.get("ports") or []
            if isinstance(p, dict) and isinstance(p.get("port"), int)
        ]
    return [
        p["containerPort"]
        for c in pod.get("containers") or []
        for p in (c.get("ports") or [])
        if isinstance(p, dict) and isinstance(p.get("containerPort"), int)
    ]


# Annotations `kubectl rollout undo` keeps from the Deployment rather than the ReplicaSet.
_UNDO_KEEPS = (
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
)


def undo_template(
    deployment: dict[str, Any], replica_sets: list[dict[str, Any]], revision: int | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """What `kubectl rollout undo` writes: an earlier revision's Pod template, and annotations.

    Like kubectl, the Deployment's annotations become the chosen ReplicaSet's
    (which it copied from the Deployment when that revision was made), except
    the Deployment controller's own bookkeeping, which stays.
    """

    def revision_of(obj: dict[str, Any]) -> int:
        value = ((obj.get("metadata") or {}).get("annotations") or {}).get(
            "deployment.kubernetes.io/revision", "0"
        )
        return int(value) if str(value).isdigit() else 0

    current = revision_of(deployment)
    history = sorted(replica_sets, key=revision_of)
    if revision is None:
        earlier = [rs for rs in history if revision_of(rs) < current]
        if not earlier:
            raise StepError("rollout undo: no earlier revision to go back to")
        chosen = earlier[-1]
    else:
        found = [rs for rs in history if revision_of(rs) == revision]
        if not found:
            raise StepError(f"rollout undo: no revision {revision}")
        chosen = found[0]
    template = json.loads(json.dumps((chosen.get("spec") or {}).get("template") or {}))
    (template.get("metadata") or {}).get("labels", {}).pop("pod-template-hash", None)
    own = (deployment.get("metadata") or {}).get("annotations") or {}
    annotations = {k: v for k, v in own.items() if k in _UNDO_KEEPS}
    for key, value in ((chosen.get("metadata") or {}).get("annotations") or {}).items():
        if key not in _UNDO_KEEPS:
            annotations[key] = value
    return template, annotations


# ---------------------------------------------------------------- a lab's steps


def check_step(step: Any) -> list[str]:
    """Problems with one step of a lab file (empty: it can be played)."""
    if not isinstance(step, dict) or len(step) != 1:
        return ["a step is one of `apply:`, `kubectl:`, `patch:` or `delete:`"]
    ((kind, value),) = step.items()
    try:
        if kind == "kubectl":
            if not isinstance(value, str):
                return ["`kubectl:` takes the command as a string"]
            parse_command(fill(value, SAMPLE_FACTS))
        elif kind == "apply":
            if not isinstance(value, str):
                return ["`apply:` takes manifests as a string"]
            check_placeholders(value)
        elif kind not in ("patch", "delete"):
            return [f"unknown step {kind!r}: use `apply:`, `kubectl:`, `patch:` or `delete:`"]
    except StepError as exc:
        return [str(exc)]
    return []
