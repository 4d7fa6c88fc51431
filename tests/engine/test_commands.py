"""Command lines judged by meaning: engine.commands (pure)."""

from __future__ import annotations

import pytest

from engine.commands import CommandError, judge, parse

PODS = ["kubectl get pods --namespace kube-system"]


@pytest.mark.parametrize("written", [
    "kubectl get pods --namespace kube-system",
    "kubectl get pods -n kube-system",
    "kubectl get po --namespace=kube-system",
    "kubectl -n kube-system get pod",
    "$ kubectl get pods -nkube-system",
    "kubectl get pods -n=kube-system",
    "minikube kubectl -- get pods -n kube-system",
    "  kubectl   get   pods -n kube-system  ",
])  # fmt: skip
def test_every_spelling_of_the_same_command_is_right(written):
    assert judge(written, PODS).correct


@pytest.mark.parametrize(("written", "problem"), [
    ("kubectl get pods", "`--namespace=kube-system` is missing."),
    ("kubectl get pods -n default", "`--namespace` should be `kube-system`, not `default`."),
    ("kubectl get nodes -n kube-system", "After `kubectl` the command should say `get pods`, not `get nodes`."),
    ("kubectl get pods -n kube-system --watch", "`--watch` is not part of the task: leave it out."),
    ("kubectl get pods -n 'kube-system", "A quote is opened and never closed."),
    ("kubeclt get pods -n kube-system", "`kubeclt` is not a command this question knows"),
    ("", "Type a command first."),
])  # fmt: skip
def test_a_different_command_says_what_differs(written, problem):
    verdict = judge(written, PODS)
    assert not verdict.correct and verdict.problem.startswith(problem)


def test_a_containers_own_command_is_compared_as_it_is():
    accepted = ["docker run --rm alpine uname -r", "podman run --rm alpine uname -r"]
    assert judge("sudo docker run --rm alpine uname -r", accepted).correct
    assert judge("podman run --rm alpine uname -r", accepted).correct
    # -r after the image belongs to uname, not to docker.
    wrong = judge("docker run --rm alpine uname -a", accepted)
    assert wrong.problem == "What runs at the end should be `uname -r`, not `uname -a`."
    # The nearest accepted command is the one of the same program.
    assert judge("docker run -it --rm alpine uname -r", accepted).closest.startswith("docker")


def test_short_boolean_flags_may_be_combined_and_resources_written_type_slash_name():
    assert parse("kubectl exec -it web -- sh").flags == (("--stdin", None), ("--tty", None))
    assert parse("kubectl describe pod/web").words == ("describe", "pods", "web")
    assert parse("kubectl get deploy -owide").flags == (("--output", "wide"),)


def test_minikube_and_kind_flags_in_any_form():
    start = ["minikube start --profile dev --nodes 2 --driver docker"]
    assert judge("minikube start -p dev -n 2 --driver=docker", start).correct
    assert judge("minikube start --driver docker --nodes=2 -p dev", start).correct
    assert not judge("minikube start -p dev --nodes 3 --driver=docker", start).correct
    assert judge("kind create cluster -n practice", ["kind create cluster --name practice"]).correct


def test_unreadable_commands_are_refused_with_a_reason():
    with pytest.raises(CommandError, match="at most 300 characters"):
        parse("kubectl get pods " + "x" * 300)
    with pytest.raises(CommandError, match="not a command this question knows"):
        parse("rm -rf /")
