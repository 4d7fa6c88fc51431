"""Labs that start broken: their start state, alternatives and steps are checked without a cluster."""

from __future__ import annotations

from pathlib import Path

import yaml

from labs.content import LABS, read_labs
from labs.footprint import describe, lab_footprint
from lessons.content import read_chapters
from tests.labs.start_state_fixtures import START, lab_data, write_start_state_lab
from tutor.content.registry import check_content


def read(root: Path):  # type: ignore[no-untyped-def]
    return read_labs(root, read_chapters(root).chapters)


def errors(root: Path) -> list[str]:
    return [str(e).removeprefix(f"{root.name}/") for e in read(root).errors]


def test_it_reads_a_troubleshooting_lab_with_its_start_state(tmp_path):
    write_start_state_lab(tmp_path)
    result = LABS.read(tmp_path, {"chapters": read_chapters(tmp_path).chapters})
    assert result.errors == []
    [lab] = result.sources
    assert lab.start_state == START
    assert lab.front["troubleshooting"] is True
    assert result.counts == {"labs_with_start_state": 1}


def test_check_content_counts_the_labs_with_a_start_state(tmp_path):
    write_start_state_lab(tmp_path)
    write_start_state_lab(tmp_path, slug="plain", start_state=None, troubleshooting=False)
    lab = tmp_path / "chapters" / "01-demo" / "labs" / "plain" / "lab.yaml"
    data = yaml.safe_load(lab.read_text())
    del data["start_state"], data["troubleshooting"]
    lab.write_text(yaml.safe_dump(data))
    report = check_content(tmp_path)
    assert report.counts["labs"] == 2
    assert report.counts["labs_with_start_state"] == 1
    assert set(report.as_dict()["counts"]) >= {
        "chapters",
        "questions",
        "exercises",
        "labs",
        "labs_with_start_state",
    }


def test_the_count_is_there_even_when_nothing_could_be_read(tmp_path):
    report = check_content(tmp_path / "missing")
    assert report.as_dict()["counts"]["labs_with_start_state"] == 0


def test_a_troubleshooting_lab_without_a_start_state_is_refused_at_its_line(tmp_path):
    path = write_start_state_lab(tmp_path)
    data = yaml.safe_load(path.read_text())
    del data["start_state"]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    [error] = errors(tmp_path)
    line = path.read_text().splitlines().index("troubleshooting: true") + 1
    assert error == (
        f"chapters/01-demo/labs/broken-web/lab.yaml:{line}: a troubleshooting lab needs a "
        "start_state: the broken objects the student fixes"
    )


def test_a_start_state_manifest_is_validated_like_the_solution(tmp_path):
    broken = START.replace("replicas: 2", "replica: 2")
    write_start_state_lab(tmp_path, start_state={"manifests": broken})
    [error] = errors(tmp_path)
    assert "start_state.manifests: line" in error and "[unknown-field]" in error
    assert error.startswith("chapters/01-demo/labs/broken-web/lab.yaml:")


def test_a_start_state_may_hold_no_cluster_wide_kind_but_a_volume(tmp_path):
    storage_class = (
        "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: fast\n"
        "provisioner: kubernetes.io/host-path\n"
    )
    write_start_state_lab(tmp_path, start_state={"manifests": START + "---\n" + storage_class})
    [error] = errors(tmp_path)
    assert "a StorageClass is cluster-wide and shared by every student" in error


def test_a_start_state_volume_may_not_name_a_namespace(tmp_path):
    volume = (
        "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: data\nspec:\n"
        "  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  storageClassName: manual\n"
        "  hostPath: {path: /tmp/data}\n  claimRef: {name: data, namespace: default}\n"
    )
    write_start_state_lab(tmp_path, start_state={"manifests": START + "---\n" + volume})
    [error] = errors(tmp_path)
    assert "sets claimRef.namespace; the tutor reserves the volume" in error


def test_steps_that_apply_manifests_are_validated_at_their_path(tmp_path):
    data = lab_data()
    data["alternatives"][0]["steps"][0]["apply"] = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selektor: {}\n"
        "  ports: [{port: 80}]\n"
    )
    write_start_state_lab(tmp_path, alternatives=data["alternatives"])
    [error] = errors(tmp_path)
    assert "alternatives.0.steps.0.apply: line 6" in error and "[unknown-field]" in error


def test_placeholders_are_known_names_and_never_in_a_start_state(tmp_path):
    write_start_state_lab(
        tmp_path,
        start_state={"manifests": START + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: where\ndata:\n  ns: '{{ namespace }}'\n"},
        solution={"manifests": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: answers\ndata:\n  a: '{{ colour }}'\n  b: '{{ uid:ServiceAccount/default }}'\n"},
    )  # fmt: skip
    found = errors(tmp_path)
    assert len(found) == 2
    assert any(
        "start_state.manifests: a start state holds no {{ placeholders }}" in e for e in found
    )
    assert any("solution.manifests: unknown placeholder {{ colour }}" in e for e in found)


def test_alternatives_and_mistakes_need_names_of_their_own(tmp_path):
    data = lab_data()
    data["alternatives"][0]["name"] = data["mistakes"][0]["name"]
    write_start_state_lab(tmp_path, alternatives=data["alternatives"])
    [error] = errors(tmp_path)
    assert "two alternatives or mistakes are named 'selector left alone'" in error


def test_a_step_is_exactly_one_of_patch_delete_and_apply(tmp_path):
    data = lab_data()
    data["solution"]["steps"] = [
        {"delete": {"apiVersion": "v1", "kind": "Service", "name": "web"}, "apply": START}
    ]
    write_start_state_lab(tmp_path, solution=data["solution"])
    assert errors(tmp_path) != []


def test_the_footprint_is_what_the_lab_file_names():
    data = lab_data()
    data["checks"] = [*data["checks"], {"id": "pods", "title": "Pods", "select": {"kind": "Pod", "labels": {"app": "web"}}, "count": {"min": 1}}]  # fmt: skip
    data["mistakes"].append({"name": "a second Service", "steps": [{"apply": "apiVersion: v1\nkind: Service\nmetadata:\n  name: web-2\nspec:\n  ports: [{port: 80}]\n"}], "failed_checks": ["endpoints"]})  # fmt: skip
    footprint = lab_footprint(data)
    assert [describe(e) for e in footprint] == [
        "Deployment web",
        "every Pod labelled app=web",
        "Service web",
        "Service web-2",
    ]
    # What Kubernetes keeps by itself (EndpointSlices) and what every namespace has are never in it.
    assert all(e["kind"] != "EndpointSlice" for e in footprint)
