"""A student's kubeconfig problems in the student's language; kube's English unchanged.

kube has no Django: its BadKubeconfig carries a stable ``code`` and the values
its English message names, and workspaces (``own_cluster.in_words``) says the
same in the active language. Every code kube raises is here, raised by kube's
real checks on a real kubeconfig; in English the words are kube's own, letter for
letter.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml
from django.utils import translation

from kube import BadKubeconfig, Cluster, check_untrusted
from tests.workspaces.test_own_cluster_hostile import kubeconfig as base_config
from tests.workspaces.test_student_clusters import enabled as enabled
from workspaces import own_cluster
from workspaces.models import StudentCluster

PAGE = "/labs/my-cluster/"
ALLOWED = ["127.0.0.1:6443"]


@pytest.fixture(autouse=True)
def no_language_left_behind() -> Iterator[None]:
    """A request in Spanish through the test client leaves Spanish active in this thread."""
    yield
    translation.deactivate()


def changed(**changes: Any) -> dict[str, Any]:
    return base_config(**changes)


def with_cluster(**entry: Any) -> dict[str, Any]:
    config = changed()
    config["clusters"][0]["cluster"].update(entry)
    return config


def with_user(**entry: Any) -> dict[str, Any]:
    config = changed()
    config["users"][0]["user"].update(entry)
    return config


def resolved_to_metadata(config: dict[str, Any]) -> None:
    """The worker's check, with DNS answering the cloud metadata address."""
    check_untrusted(
        config, context=None, allowed_hosts=["*.school.edu"],
        resolve=lambda host, port: ["169.254.169.254"],
    )  # fmt: skip


def unusable(config: dict[str, Any]) -> None:
    Cluster.from_kubeconfig(config)


SAVE = None  # saving it, as the upload page does (the one YAML loader, then kube's checks)
# (code, what kube checks, the kubeconfig, kube's English, the Spanish the student reads)
CASES: list[tuple[str, Callable[[dict[str, Any]], None] | None, dict[str, Any], str, str]] = [
    ("no_clusters", SAVE, {"users": []},
     "this is not a kubeconfig: it has no `clusters` list",
     "esto no es un kubeconfig: no tiene una lista `clusters`"),
    ("current_context_not_name", SAVE, changed(**{"current-context": ["lab"]}),
     "`current-context` must be a name, not a list",
     "`current-context` debe ser un nombre, no una lista"),
    ("not_list", SAVE, changed(contexts="lab"),
     "`contexts` must be a list, not text",
     "`contexts` debe ser una lista, no texto"),
    ("not_mapping", SAVE, changed(users=[{"name": "me", "user": ["token"]}]),
     "`users[0].user` must be a mapping, not a list",
     "`users[0].user` debe ser un mapa, no una lista"),
    ("not_mapping", SAVE, changed(users=[7]),
     "`users[0]` must be a mapping, not a number",
     "`users[0]` debe ser un mapa, no un número"),
    ("not_name", SAVE, changed(clusters=[{"name": "", "cluster": {}}]),
     "`clusters[0].name` must be a name, not empty text",
     "`clusters[0].name` debe ser un nombre, no texto vacío"),
    ("not_name", SAVE, changed(clusters=[{"cluster": {}}]),
     "`clusters[0].name` must be a name, not nothing",
     "`clusters[0].name` debe ser un nombre, no nada"),
    ("not_text", SAVE, with_cluster(server=True),
     "`clusters[0].cluster.server` must be text, not true/false",
     "`clusters[0].cluster.server` debe ser texto, no true/false"),
    ("not_bool", SAVE, with_cluster(**{"insecure-skip-tls-verify": {"a": 1}}),
     "`clusters[0].cluster.insecure-skip-tls-verify` must be true or false, not a mapping",
     "`clusters[0].cluster.insecure-skip-tls-verify` debe ser true o false, no un mapa"),
    ("unknown_context", SAVE, changed(**{"current-context": "other"}),
     "context 'other' is not in the kubeconfig (contexts: lab)",
     "el contexto 'other' no está en el kubeconfig (contextos: lab)"),
    ("unknown_context", SAVE, changed(contexts=[], **{"current-context": "lab"}),
     "context 'lab' is not in the kubeconfig (contexts: none)",
     "el contexto 'lab' no está en el kubeconfig (contextos: ninguno)"),
    ("undefined_cluster", SAVE,
     changed(contexts=[{"name": "lab", "context": {"cluster": "gone", "user": "me"}}]),
     "context 'lab' names a cluster that is not defined",
     "el contexto 'lab' nombra un clúster que no está definido"),
    ("runs_program", SAVE, with_user(exec={"command": "sh"}),
     "refused: the user entry uses exec, which would run a program",
     "rechazado: la entrada del usuario usa exec, que ejecutaría un programa"),
    ("reads_file", SAVE, with_cluster(**{"certificate-authority": "/etc/passwd"}),
     "refused: certificate-authority would read a file; inline the data instead",
     "rechazado: certificate-authority leería un archivo; incluye los datos en el propio "
     "kubeconfig"),
    ("proxy", SAVE, with_cluster(**{"proxy-url": "http://proxy:3128"}),
     "refused: proxy-url would send the tutor's requests through a proxy",
     "rechazado: proxy-url enviaría las peticiones del tutor a través de un proxy"),
    ("invalid_url", SAVE, with_cluster(server="https://[::1"),
     "refused: the server 'https://[::1' is not a valid URL",
     "rechazado: el servidor 'https://[::1' no es una URL válida"),
    ("not_https", SAVE, with_cluster(server="http://127.0.0.1:6443"),
     "refused: the server 'http://127.0.0.1:6443' must be an https:// URL",
     "rechazado: el servidor 'http://127.0.0.1:6443' debe ser una URL https://"),
    ("url_extras", SAVE, with_cluster(server="https://me:pw@127.0.0.1:6443"),
     "refused: the server URL may not carry credentials, a query or a fragment",
     "rechazado: la URL del servidor no puede llevar credenciales, una consulta ni un fragmento"),
    ("special_address", SAVE, with_cluster(server="https://169.254.169.254"),
     "refused: 169.254.169.254 is a link-local or special address "
     "(cloud metadata services live there)",
     "rechazado: 169.254.169.254 es una dirección de enlace local o especial "
     "(ahí están los servicios de metadatos de la nube)"),
    ("resolves_to_special", resolved_to_metadata, with_cluster(server="https://k8s.school.edu"),
     "refused: k8s.school.edu resolves to 169.254.169.254, which is a link-local or special "
     "address (cloud metadata services live there)",
     "rechazado: k8s.school.edu se resuelve como 169.254.169.254, que es una dirección de "
     "enlace local o especial (ahí están los servicios de metadatos de la nube)"),
    ("not_allowed", SAVE, with_cluster(server="https://127.0.0.1:8443"),
     "refused: 127.0.0.1:8443 is not on the allow-list of cluster servers "
     "(an entry without a port allows 443 and 6443)",
     "rechazado: 127.0.0.1:8443 no está en la lista de servidores de clúster permitidos "
     "(una entrada sin puerto permite 443 y 6443)"),
    ("unusable", unusable, with_cluster(**{"certificate-authority-data": "!!notbase64"}),
     "the kubeconfig cannot be used: Invalid base64-encoded string: number of data characters "
     "(9) cannot be 1 more than a multiple of 4",
     "no se puede usar el kubeconfig: Invalid base64-encoded string: number of data characters "
     "(9) cannot be 1 more than a multiple of 4"),
]  # fmt: skip
IDS = [f"{case[0]}-{index}" for index, case in enumerate(CASES)]


def raised(
    check: Callable[[dict[str, Any]], None] | None, config: dict[str, Any], user: Any
) -> BadKubeconfig:
    with pytest.raises(BadKubeconfig) as caught:
        if check is None:
            own_cluster.student_cluster_save(user=user, text=yaml.safe_dump(config))
        else:
            check(copy.deepcopy(config))
    return caught.value


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "check", "config", "english", "spanish"), CASES, ids=IDS)
def test_each_problem_reads_the_same_in_english_and_is_translated(
    alice, enabled, settings, code: str, check: Any, config: dict[str, Any], english: str,
    spanish: str,
) -> None:  # fmt: skip
    settings.TUTOR_STUDENT_CLUSTER_ALLOWED = ALLOWED
    with translation.override("en"):
        problem = raised(check, config, alice)
        assert problem.code == code
        assert str(problem) == english
        assert own_cluster.in_words(problem) == english
    with translation.override("es"):
        problem = raised(check, config, alice)
        assert problem.code == code
        assert own_cluster.in_words(problem) == spanish
        if check is None:  # saving says it in the student's language itself
            assert str(problem) == spanish
    assert not StudentCluster.objects.exists()


def test_every_code_kube_raises_is_translated_and_tested() -> None:
    assert {case[0] for case in CASES} == set(own_cluster._PROBLEMS) - {"too_large"}


def test_the_size_limit_in_spanish_and_in_kubes_english() -> None:
    from kube.kubeconfig import size_message

    size = 70 * 1024
    with translation.override("en"):
        assert own_cluster.size_in_words(size) == size_message(size)
    with translation.override("es"):
        assert own_cluster.size_in_words(size) == (
            "el kubeconfig ocupa más de 64 KiB (70 KiB); "
            "`kubectl config view --minify --flatten` muestra solo el contexto que usas"
        )


def post(client: Any, data: dict[str, Any], language: str) -> str:
    accept = "es-ES,es;q=0.9" if language == "es" else "en"
    response = client.post(PAGE, data, HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 400
    return str(response.content.decode())


@pytest.mark.django_db
def test_the_upload_page_answers_in_the_students_language(alice_client, enabled, settings):
    settings.TUTOR_STUDENT_CLUSTER_ALLOWED = ALLOWED
    refused = {"kubeconfig": yaml.safe_dump(with_user(exec={"command": "sh"}))}
    page = post(alice_client, refused, "es")
    assert "rechazado: la entrada del usuario usa exec, que ejecutaría un programa" in page
    page = post(alice_client, refused, "en")
    assert "refused: the user entry uses exec, which would run a program" in page

    too_big = {"kubeconfig": "# " + "x" * (70 * 1024)}
    page = post(alice_client, too_big, "es")
    assert "El kubeconfig ocupa más de 64 KiB (70 KiB)" in page
    page = post(alice_client, too_big, "en")
    assert "The kubeconfig is larger than 64 KiB (70 KiB)" in page

    shapeless = {"kubeconfig": yaml.safe_dump(changed(contexts="lab"))}
    assert "`contexts` debe ser una lista, no texto" in post(alice_client, shapeless, "es")
    assert "`contexts` must be a list, not text" in post(alice_client, shapeless, "en")

    bad_name = {"kubeconfig": yaml.safe_dump(changed()), "namespace": "Not_A_Name"}
    assert (
        "&#x27;Not_A_Name&#x27; no es un nombre de espacio de nombres: letras minúsculas, "
        "cifras y &#x27;-&#x27;, como mucho 63 caracteres"
    ) in post(alice_client, bad_name, "es")
    assert not StudentCluster.objects.exists()
