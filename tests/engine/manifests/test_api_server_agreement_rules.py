"""Issue 14: the notes' signature mistake (lost indentation) and the gaps where the
validator disagreed with the API server (kind: List, nodePort 0, resource names,
ReplicationController selectors, generateName, duplicate keys)."""

from __future__ import annotations

from engine.manifests import validate_text

LOST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
name: web
labels:
  app: web
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
      image: nginx
"""

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
      resources:
        limits:
          memory: 64Mi
"""


def found(text: str) -> list[tuple[str, str, int]]:
    return [(f.severity, f.code, f.line) for f in validate_text(text).all_findings]


def test_top_level_keys_say_where_they_belong_at_their_line():
    result = validate_text(LOST)
    assert not result.valid
    first = result.all_findings[0]
    assert (first.code, first.line, first.column) == ("misplaced-key", 4, 1)
    assert first.message == "`name` is at the top level; it belongs under `metadata:` — indent it."
    assert [(f.code, f.line, f.message.split(";")[0]) for f in result.all_findings] == [
        ("misplaced-key", 4, "`name` is at the top level"),
        ("misplaced-key", 5, "`labels` is at the top level"),
        ("misplaced-key", 8, "`replicas` is at the top level"),
        ("misplaced-key", 9, "`selector` is at the top level"),
        ("misplaced-key", 12, "`template` is at the top level"),
    ]
    assert "belongs under `spec:`" in result.all_findings[2].message


def test_keys_that_belong_deeper_name_the_whole_path():
    text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\ncontainers: []\n"
    [finding] = [f for f in validate_text(text).all_findings if f.code == "misplaced-key"]
    assert "belongs under `spec.template.spec:`" in finding.message


def test_a_fully_flattened_manifest_is_explained_not_only_its_first_duplicate():
    flat = "\n".join(line.strip().removeprefix("- ") for line in LOST.splitlines()) + "\n"
    result = validate_text(flat)
    codes = [f.code for f in result.all_findings]
    assert "misplaced-key" in codes
    assert "duplicate-key" in codes
    dup = next(f for f in result.all_findings if f.code == "duplicate-key")
    assert dup.severity == "warning" and "kubectl keeps only this last one" in dup.message


def test_duplicate_keys_are_a_warning_and_the_last_value_is_kept():
    text = POD.replace("  name: web\nspec", "  name: old\n  name: web\nspec")
    result = validate_text(text)
    assert result.valid
    assert found(text) == [("warning", "duplicate-key", 5)]
    assert "first on line 4" in result.all_findings[0].message
    assert result.objects[0]["metadata"]["name"] == "web"


def test_kind_list_validates_each_item():
    good = "apiVersion: v1\nkind: List\nitems:\n" + "".join(
        "- " + line + "\n" if i == 0 else "  " + line + "\n"
        for i, line in enumerate(POD.splitlines())
    )
    assert validate_text(good).valid, validate_text(good).all_findings
    bad = good.replace("memory: 64Mi", "memry: 64Mi")
    [finding] = validate_text(bad).all_findings
    assert finding.code == "unknown-resource"
    assert finding.path == "items[0].spec.containers[0].resources.limits.memry"
    assert finding.line == next(i for i, x in enumerate(bad.splitlines(), 1) if "memry" in x)
    assert not validate_text("apiVersion: v1\nkind: List\nitems: 3\n").valid


def test_node_port_zero_means_unset_on_a_cluster_ip_service():
    service = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n"
        "    - port: 80\n      nodePort: 0\n"
    )
    assert validate_text(service).valid
    assert not validate_text(service.replace("nodePort: 0", "nodePort: 30080")).valid


def test_resource_names_are_checked_with_a_suggestion():
    result = validate_text(POD.replace("memory:", "memry:"))
    [finding] = result.all_findings
    assert finding.code == "unknown-resource"
    assert "did you mean `memory`?" in finding.message
    assert validate_text(POD.replace("memory: 64Mi", "nvidia.com/gpu: 1")).valid
    assert validate_text(POD.replace("memory: 64Mi", "hugepages-2Mi: 64Mi")).valid


def test_limit_range_resource_names_are_checked():
    text = (
        "apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: l\nspec:\n  limits:\n"
        "    - type: Container\n      default:\n        cpu: 500m\n        memroy: 1Gi\n"
    )
    assert found(text) == [("error", "unknown-resource", 10)]


def test_replication_controller_without_selector_or_template_labels():
    text = (
        "apiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: rc\nspec:\n"
        "  template:\n    spec:\n      containers:\n        - name: c\n          image: nginx\n"
    )
    assert [c for _, c, _ in found(text)] == ["missing-field"]
    labelled = text.replace(
        "    spec:\n      containers",
        "    metadata:\n      labels:\n        app: a\n    spec:\n      containers",
    )
    assert validate_text(labelled).valid


def test_generate_name_gets_a_hint_for_kubectl_apply():
    text = POD.replace("  name: web\nspec", "  generateName: web-\nspec")
    result = validate_text(text)
    [finding] = result.all_findings
    assert (finding.severity, finding.code) == ("warning", "generate-name")
    assert "kubectl create" in finding.message


def test_a_volume_mount_must_name_a_volume_of_the_pod():
    text = POD.replace(
        "      resources:",
        "      volumeMounts:\n        - name: data\n          mountPath: /d\n      resources:",
    )
    [finding] = validate_text(text).all_findings
    assert finding.code == "invalid-value" and '"data"' in finding.message
    with_volume = text + "  volumes:\n    - name: data\n      emptyDir: {}\n"
    assert validate_text(with_volume).valid


def test_volumes_need_access_modes_and_a_size():
    pv = "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pv\nspec:\n  hostPath:\n    path: /d\n"
    assert [c for _, c, _ in found(pv)] == ["missing-field", "missing-field"]
    done = pv + "  accessModes: [ReadWriteOnce]\n  capacity:\n    storage: 1Gi\n"
    assert validate_text(done).valid


def test_an_external_name_must_be_a_dns_name():
    service = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  type: ExternalName\n"
        "  externalName: db.example.com.\n"
    )
    assert validate_text(service).valid
    [finding] = validate_text(
        service.replace("db.example.com.", "https://db.example.com")
    ).all_findings
    assert (finding.code, finding.line) == ("invalid-value", 7)
    assert "https://" in finding.message
