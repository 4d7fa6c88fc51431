"""Lab steps as students type them: read, checked and turned into what kubectl would send."""

from __future__ import annotations

import base64

import pytest

from engine.grading.steps import (
    StepError,
    check_step,
    container_name,
    exposed_service,
    fill,
    parse_command,
    undo_template,
)


def test_create_deployment_builds_what_kubectl_builds():
    command = parse_command(
        "kubectl create deployment web --image=registry.k8s.io/e2e-test-images/agnhost:2.40 --replicas=3 --port 5000"
    )
    obj = command.obj
    assert obj["metadata"]["labels"] == {"app": "web"}
    assert obj["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    assert obj["spec"]["replicas"] == 3
    [container] = obj["spec"]["template"]["spec"]["containers"]
    assert container == {
        "name": "agnhost",
        "image": "registry.k8s.io/e2e-test-images/agnhost:2.40",
        "ports": [{"containerPort": 5000}],
    }


def test_create_role_and_rolebinding():
    role = parse_command(
        "create role reader --verb=get,list --verb=watch --resource=pods,deployments.apps"
    ).obj
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch"]},
    ]
    binding = parse_command(
        "create rolebinding r --clusterrole=view --user=bob --serviceaccount=lab:app"
    ).obj
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "view",
    }
    assert [s["kind"] for s in binding["subjects"]] == ["User", "ServiceAccount"]


def test_create_secret_encodes_and_configmap_keeps_spaces():
    secret = parse_command("create secret generic db --from-literal=password=s3cret").obj
    assert base64.b64decode(secret["data"]["password"]) == b"s3cret"
    config = parse_command("create configmap c --from-literal='TEXT=Welcomes You'").obj
    assert config["data"] == {"TEXT": "Welcomes You"}


def test_create_ingress_reads_prefix_and_exact_rules():
    ingress = parse_command(
        'create ingress i --class=nginx --rule="a.com/x*=svc:80" --rule="a.com/y=svc:http"'
    ).obj
    [rule] = ingress["spec"]["rules"]
    assert rule["host"] == "a.com"
    assert [(p["path"], p["pathType"], p["backend"]["service"]["port"]) for p in rule["http"]["paths"]] == [
        ("/x", "Prefix", {"number": 80}), ("/y", "Exact", {"name": "http"}),
    ]  # fmt: skip


def test_run_passes_arguments_after_dashes_as_args():
    pod = parse_command("run debug --image=busybox:1.37 --labels=app=web,tier=x -- sleep 3600").obj
    assert pod["metadata"]["labels"] == {"app": "web", "tier": "x"}
    assert pod["spec"]["containers"][0]["args"] == ["sleep", "3600"]
    job = parse_command('create job pi --image=perl:5.40 -- perl -e "print 1"').obj
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["perl", "-e", "print 1"]


def test_expose_copies_the_selector_and_the_port():
    deployment = parse_command("create deployment web --image=nginx --port=80").obj
    service = exposed_service(
        parse_command("expose deploy/web --type=NodePort --name=web-svc"), deployment
    )
    assert service["spec"] == {"type": "NodePort", "selector": {"app": "web"},
                               "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}]}  # fmt: skip
    named = exposed_service(
        parse_command("expose deployment web --port=8080 --target-port=http"), deployment
    )
    assert named["spec"]["ports"][0]["targetPort"] == "http"


def test_rollout_undo_goes_back_one_revision_or_to_the_one_asked():
    def rs(revision, image, cause=None):  # type: ignore[no-untyped-def]
        annotations = {"deployment.kubernetes.io/revision": str(revision)}
        if cause:
            annotations["kubernetes.io/change-cause"] = cause
        return {"metadata": {"annotations": annotations},
                "spec": {"template": {"metadata": {"labels": {"app": "web", "pod-template-hash": "h"}},
                                      "spec": {"containers": [{"name": "nginx", "image": image}]}}}}  # fmt: skip

    deployment = {
        "metadata": {"annotations": {"deployment.kubernetes.io/revision": "3", "description": "x"}}
    }
    history = [rs(1, "nginx:1.26"), rs(2, "nginx:1.27", "update"), rs(3, "nginx:1.28")]
    template, annotations = undo_template(deployment, history, None)
    assert template["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert template["metadata"]["labels"] == {"app": "web"}
    assert annotations == {
        "deployment.kubernetes.io/revision": "3",
        "kubernetes.io/change-cause": "update",
    }
    template, _ = undo_template(deployment, history, 1)
    assert template["spec"]["containers"][0]["image"] == "nginx:1.26"
    with pytest.raises(StepError):
        undo_template(deployment, history, 7)


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("kubectl create deployment web --image=nginx -n prod", "leave out -n"),
        ("kubectl exec web -- sh", "not one of the supported steps"),
        ("kubectl delete all --all", "not supported here"),
        ("create deployment Web --image=nginx", "not a valid name"),
        ("create deployment web", "--image is required"),
        ("create clusterrole x --verb=get --resource=pods", "not supported"),
        ("scale deployment web", "--replicas is required"),
        ("scale configmap web --replicas=2", "takes one Deployment"),
        ("patch deployment web -p '{oops'", "not JSON"),
        ("set image deployment/web nginx=Nginx:1", "not an image reference"),
        ("create rolebinding r --role=a --clusterrole=b --user=bob", "exactly one of --role"),
        ("kubectl create configmap c --from-literal=novalue", "KEY=VALUE"),
        ("kubectl 'unterminated", "cannot read the command"),
    ],
)
def test_it_refuses_what_it_cannot_play(command, words):
    with pytest.raises(StepError) as caught:
        parse_command(command)
    assert words in str(caught.value)


def test_placeholders_are_the_cluster_facts_only():
    assert (
        fill(
            "nodes={{ nodeCount }} ns={{namespace}}",
            {"nodeCount": 2, "namespace": "lab", "serverVersion": "v1"},
        )
        == "nodes=2 ns=lab"
    )
    with pytest.raises(StepError):
        fill("{{ secretToken }}", {"namespace": "x"})


def test_a_step_is_checked_before_any_cluster_is_known():
    assert check_step({"kubectl": "kubectl scale deploy/web --replicas=3"}) == []
    assert check_step({"apply": "kind: ConfigMap\ndata: {ns: '{{ namespace }}'}\n"}) == []
    assert check_step({"kubectl": "kubectl get pods"}) == [
        "`kubectl get` is not one of the supported steps"
    ]
    assert check_step({"delete": {"apiVersion": "v1", "kind": "Service", "name": "web"}}) == []
    assert check_step({"shell": "rm -rf /"}) == [
        "unknown step 'shell': use `apply:`, `kubectl:`, `patch:` or `delete:`"
    ]
    assert check_step({"apply": "x", "kubectl": "y"}) == [
        "a step is one of `apply:`, `kubectl:`, `patch:` or `delete:`"
    ]
    assert check_step({"apply": "{{ nope }}"}) == [
        "unknown placeholder {{ nope }} (known: namespace, serverVersion, nodeCount, uid:Kind/name)"
    ]
    assert (
        check_step({"apply": "kind: ConfigMap\ndata: {owner: '{{ uid:Deployment/web }}'}\n"}) == []
    )


def test_container_names_follow_the_image():
    assert (
        container_name("us-docker.pkg.dev/google-samples/containers/gke/hello-app:1.0")
        == "hello-app"
    )
    assert container_name("nginx@sha256:abc") == "nginx"
