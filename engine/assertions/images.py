"""Container image references judged the way a container runtime reads them.

`nginx:1.27`, `docker.io/nginx:1.27` and `docker.io/library/nginx:1.27` name
the same image; so do the Docker Hub mirrors `mirror.gcr.io/library/nginx`
and `public.ecr.aws/docker/library/nginx`. A rule names the repository and
a rule for the tag, never a regular expression over the string.

"Current" means two things a student could not know from a manifest alone,
kept here in two short tables: the registry still serves the image (not a
registry that was shut down or frozen), and the tag is not ancient (a
version below the oldest one the course accepts for that repository).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

from engine.i18n import N_, _

DOCKER_HUB = "docker.io"
# Other names of Docker Hub, and mirrors of its official ("library") images.
_HUB_ALIASES = {"index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}
_LIBRARY_MIRRORS = ("mirror.gcr.io/library/", "public.ecr.aws/docker/library/")

# Registries (or repository prefixes) that no longer serve images to everyone.
DEAD_REGISTRIES: dict[str, str] = {
    "k8s.gcr.io": N_("k8s.gcr.io is frozen since April 2023; the images moved to registry.k8s.io"),
    "gcr.io/google_containers": N_("gcr.io/google_containers was replaced by registry.k8s.io"),
    "gcr.io/google-samples": N_(
        "Google's Container Registry shut down in March 2025; the samples moved to "
        "us-docker.pkg.dev/google-samples/containers/gke"
    ),
    "gcr.io/kubernetes-e2e-test-images": N_(
        "the e2e test images moved to registry.k8s.io/e2e-test-images"
    ),
    "registry.k8s.io/busybox": N_(
        "registry.k8s.io/busybox only holds busybox 1.24 and 1.27 from 2016-2017; "
        "use busybox from Docker Hub"
    ),
}

# The oldest version of each repository the course accepts; older tags are ancient.
MINIMUM_VERSIONS: dict[str, tuple[int, ...]] = {
    "docker.io/library/busybox": (1, 31),
    "docker.io/library/nginx": (1, 20),
    "docker.io/library/mongo": (4, 4),
    "docker.io/library/mysql": (5, 7),
    "docker.io/library/postgres": (12,),
    "docker.io/library/redis": (6,),
    "docker.io/library/perl": (5, 30),
    "docker.io/library/python": (3, 8),
    "docker.io/library/alpine": (3, 15),
    "docker.io/library/ubuntu": (20, 4),
}

_VERSION = re.compile(r"^v?(?P<numbers>[0-9]+(?:\.[0-9]+)*)(?:[-_+.](?P<variant>.*))?$")
_REFERENCE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._/:@+-]*$")


@dataclass(frozen=True)
class ImageRef:
    registry: str
    path: str  # the repository inside the registry, `library/nginx`
    tag: str | None  # None when pinned by digest only
    digest: str | None

    @property
    def repository(self) -> str:
        return f"{self.registry}/{self.path}"

    @property
    def version(self) -> tuple[int, ...] | None:
        """The version a tag names (`1.37.0-musl` -> (1, 37, 0)); None for `latest`, `alpine`..."""
        if self.tag is None:
            return None
        match = _VERSION.match(self.tag)
        return tuple(int(n) for n in match["numbers"].split(".")) if match else None

    def __str__(self) -> str:
        text = self.repository
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def parse_image(reference: object) -> ImageRef | None:
    """A reference as a container runtime reads it; None when it is not one."""
    if not isinstance(reference, str):
        return None
    text = reference.strip()
    if not text or not _REFERENCE.match(text) or text.endswith((":", "@", "/")):
        return None
    digest = None
    if "@" in text:
        text, digest = text.split("@", 1)
        if not re.match(r"^[a-z0-9]+:[a-fA-F0-9]{32,}$", digest):
            return None
    name, tag = text, None
    last = text.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = text.rsplit(":", 1)
        if not re.match(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", tag):
            return None
    if tag is None and digest is None:
        tag = "latest"
    for mirror in _LIBRARY_MIRRORS:
        if name.startswith(mirror):
            name = f"{DOCKER_HUB}/library/{name[len(mirror) :]}"
    first, _sep, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, path = first.lower(), rest
    else:
        registry, path = DOCKER_HUB, name
    if registry in _HUB_ALIASES:
        registry = DOCKER_HUB
    if registry == DOCKER_HUB and "/" not in path:
        path = f"library/{path}"
    if path != path.lower() or "//" in path:
        return None
    return ImageRef(registry=registry, path=path, tag=tag, digest=digest)


def normalise_repository(name: str) -> str:
    """`nginx` -> `docker.io/library/nginx`; a name without a tag is read as a repository."""
    ref = parse_image(name)
    return ref.repository if ref else name


def dead_registry(ref: ImageRef) -> str | None:
    """Why the registry no longer serves this image, or None."""
    for prefix, why in DEAD_REGISTRIES.items():
        if ref.repository == prefix or ref.repository.startswith(prefix + "/"):
            return _(why)
    return None


def ancient(ref: ImageRef) -> str | None:
    """Why the tag is too old for the course, or None (floating tags such as `latest` pass)."""
    minimum = MINIMUM_VERSIONS.get(ref.repository)
    version = ref.version
    if minimum is None or version is None or version >= minimum:
        return None
    shown = ".".join(map(str, minimum))
    return _("{tag} is older than {version}, the oldest {image} this course accepts").format(
        tag=ref.tag, version=shown, image=ref.path.split("/")[-1]
    )


def parse_version(text: object) -> tuple[int, ...] | None:
    if isinstance(text, int | float) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str):
        return None
    match = _VERSION.match(text.strip())
    return tuple(int(n) for n in match["numbers"].split(".")) if match else None


@dataclass(frozen=True)
class ImageRule:
    """What an `image:` comparison asks of an image reference."""

    repositories: tuple[str, ...]  # normalised
    tags: tuple[str, ...] = ()  # exact tags or shell-style patterns (`*-alpine`)
    version: tuple[int, ...] | None = None  # the tag's version starts with these numbers
    at_least: tuple[int, ...] | None = None
    current: bool = True

    def judge(self, value: object) -> tuple[bool, str]:
        """Whether the image satisfies the rule, and in words why not."""
        ref = parse_image(value)
        if ref is None:
            return False, _("{value} is not an image reference").format(value=repr(value))
        if ref.repository not in self.repositories:
            wanted = _(" or ").join(short_repository(r) for r in self.repositories)
            return (
                False,
                _("{image} is from the repository {repository}, not {wanted}").format(
                    image=value, repository=short_repository(ref.repository), wanted=wanted
                ),
            )
        if self.current:
            why = dead_registry(ref) or ancient(ref)
            if why:
                return False, f"{value}: {why}"
        tag_fits = ref.tag is not None and any(fnmatch.fnmatchcase(ref.tag, t) for t in self.tags)
        if self.tags and not tag_fits:
            return False, _("{image} has the tag {tag}, not {wanted}").format(
                image=value, tag=ref.tag or _("(none)"), wanted=_(" or ").join(self.tags)
            )
        if self.version is not None:
            have = ref.version
            if have is None or have[: len(self.version)] != self.version:
                shown = ".".join(map(str, self.version))
                return (
                    False,
                    _("{image} is not version {version} (its tag is {tag})").format(
                        image=value, version=shown, tag=ref.tag or _("a digest only")
                    ),
                )
        if self.at_least is not None:
            have = ref.version
            if have is not None and have < self.at_least:
                shown = ".".join(map(str, self.at_least))
                return False, _("{image} is older than {version}").format(
                    image=value, version=shown
                )
            if have is None and ref.tag is None:
                message = _("{image} is pinned by digest only: its version cannot be read")
                return False, message.format(image=value)
        shown = short_repository(ref.repository) + (f" {ref.tag}" if ref.tag else "")
        return True, _("{image} is {repository}").format(image=value, repository=shown)


def short_repository(repository: str) -> str:
    """How people write a repository: `nginx`, `bitnami/nginx`, `registry.k8s.io/pause`."""
    for prefix in (f"{DOCKER_HUB}/library/", f"{DOCKER_HUB}/"):
        if repository.startswith(prefix):
            return repository[len(prefix) :]
    return repository


def compile_image_rule(argument: object) -> ImageRule:
    """An `image:` comparison from a content file; ValueError says what is wrong."""
    if isinstance(argument, str):
        argument = {"repository": argument}
    if not isinstance(argument, dict):
        raise ValueError("`image` must be a mapping with at least `repository`")
    unknown = set(argument) - {"repository", "tag", "version", "atLeast", "current"}
    if unknown:
        raise ValueError(f"`image` does not take {', '.join(sorted(unknown))}")
    repositories = argument.get("repository")
    if isinstance(repositories, str):
        repositories = [repositories]
    if not repositories or not all(isinstance(r, str) for r in repositories):
        raise ValueError("`image.repository` must name a repository (or a list of them)")
    normalised = []
    for repository in repositories:
        ref = parse_image(repository)
        if ref is None or (ref.tag not in (None, "latest")) or ref.digest:
            raise ValueError(
                f"`image.repository` {repository!r} must be a repository without a tag"
            )
        normalised.append(ref.repository)
    tags = argument.get("tag", [])
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValueError('`image.tag` must be a tag (or a list of tags), quoted: "1.27"')
    version = None
    if "version" in argument:
        version = parse_version(argument["version"])
        if version is None or not isinstance(argument["version"], str):
            raise ValueError('`image.version` must be a quoted version such as "1.27"')
    at_least = None
    if "atLeast" in argument:
        at_least = parse_version(argument["atLeast"])
        if at_least is None or not isinstance(argument["atLeast"], str):
            raise ValueError('`image.atLeast` must be a quoted version such as "4.4"')
    current = argument.get("current", True)
    if not isinstance(current, bool):
        raise ValueError("`image.current` must be true or false")
    return ImageRule(
        repositories=tuple(normalised),
        tags=tuple(tags),
        version=version,
        at_least=at_least,
        current=current,
    )
