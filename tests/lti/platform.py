"""An LTI 1.3 *platform* for end-to-end tests, built on the PyPI package
``lti1p3platform`` (OpenLearning) and served over HTTP on 127.0.0.1.

(Taken over from the LTI spike that chose the libraries; the tutor's side is
written anew in lti/.)

What the library does (protocol):
  * builds the OIDC third-party login initiation URL        (OIDCLoginAbstract.prepare_preflight_url)
  * validates the tool's auth request and builds + signs the id_token with the
    platform key, including AGS / NRPS / Deep Linking claims (LTIAdvantageMessageLaunchAbstract)
  * publishes the platform JWKS                               (Registration.get_jwks)
  * OAuth2 client_credentials token endpoint: verifies the tool's signed
    client_assertion against the tool's JWKS fetched over HTTP (LTI1P3PlatformConfAbstract.get_access_token)
  * verifies a Deep Linking response JWT against the tool JWKS (validate_deeplinking_resp)
  * AGS and NRPS HTTP handlers incl. bearer-token check        (service_connector.AssignmentsGradesService / NamesRoleProvisioningService)

What this module adds (glue, ~"the LMS" around the library):
  * a WSGI router on 127.0.0.1 and a Request adapter
  * in-memory storage the library leaves abstract: line items, scores, rosters,
    placed content items, issued lti_message_hints
  * platform policy the library does not enforce: redirect_uri must be one of the
    client's registered URIs, login_hint must match the hint's user, the DL
    response must be addressed to this issuer / deployment
  * LTI Dynamic Registration endpoints (openid-configuration + registration):
    lti1p3platform has NO dynamic registration; this is plain JSON bookkeeping,
    no cryptography, and is the only part of the platform not backed by the library.
"""

from __future__ import annotations

import html
import json
import secrets
import socketserver
import threading
import typing as t
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lti1p3platform.exceptions import (
    LineItemNotFoundException,
    LtiDeepLinkingResponseException,
)
from lti1p3platform.exceptions import (
    LtiException as PlatformLtiException,
)
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.membership import Context
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request, TRequest
from lti1p3platform.response import Response as LibResponse
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import (
    AssignmentsGradesService,
    NamesRoleProvisioningService,
    TPage,
)

ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTRUCTOR = ROLE + "Instructor"
LEARNER = ROLE + "Learner"


# --------------------------------------------------------------------------- data


@dataclass
class ToolClient:
    client_id: str
    deployment_id: str
    oidc_login_url: str
    launch_url: str
    deeplink_url: str
    jwks_url: str
    redirect_uris: list[str] = field(default_factory=list)
    registered_by_dr: dict | None = None


@dataclass
class PlatformUser:
    user_id: str
    name: str
    email: str
    given_name: str = ""
    family_name: str = ""


@dataclass
class CourseContext:
    context_id: str
    title: str
    label: str
    members: dict[str, list[str]] = field(default_factory=dict)  # user_id -> roles


@dataclass
class ResourceLink:
    resource_link_id: str
    context_id: str
    client_id: str
    title: str
    custom: dict[str, str] = field(default_factory=dict)
    lineitem_id: str | None = None


def _new_rsa_pem() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


# ------------------------------------------------------------- library subclasses


class HarnessRequest(Request):
    """lti1p3platform Request built from a WSGI environ."""

    def build_metadata(self, environ: dict) -> TRequest:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        ctype = environ.get("CONTENT_TYPE", "")
        form = dict(parse_qsl(body.decode())) if "x-www-form-urlencoded" in ctype else {}
        data = json.loads(body) if body and "json" in ctype else None
        headers = {
            k[5:].replace("_", "-").title(): v for k, v in environ.items() if k.startswith("HTTP_")
        }
        self.raw_body = body
        return {
            "method": environ["REQUEST_METHOD"],
            "form_data": form,
            "get_data": dict(parse_qsl(environ.get("QUERY_STRING", ""))),
            "headers": headers,
            "content_type": ctype,
            "path": environ.get("PATH_INFO", "/"),
            "json": data,
        }


class PlatformConf(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, platform: TestPlatform, client: ToolClient) -> None:
        self._registration = (
            Registration()
            .set_iss(platform.issuer)
            .set_client_id(client.client_id)
            .set_deployment_id(client.deployment_id)
            .set_launch_url(client.launch_url)
            .set_deeplink_launch_url(client.deeplink_url)
            .set_oidc_login_url(client.oidc_login_url)
            .set_tool_key_set_url(client.jwks_url)
            .set_platform_public_key(platform.public_pem)
            .set_platform_private_key(platform.private_pem)
        )

    def get_registration_by_params(self, **kwargs: t.Any) -> Registration:
        return self._registration


class HarnessOIDCLogin(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: t.Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> Resp:
        return Resp(302, b"", [("Location", url)])


class HarnessLaunch(LTIAdvantageMessageLaunchAbstract):
    """Renders the auto-submitting form (what a browser would POST to the tool)."""

    def render_launch_form(self, launch_data: dict, **kwargs: t.Any) -> Resp:
        inputs = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(launch_data[k])}"/>'
            for k in ("id_token", "state")
        )
        page = (
            f'<form id="lti-launch" method="POST" action="{html.escape(launch_data["launch_url"])}">'
            f"{inputs}</form><script>document.getElementById('lti-launch').submit()</script>"
        )
        return Resp(200, page.encode(), [("Content-Type", "text/html")])


class HarnessAGS(AssignmentsGradesService):
    """The gradebook of one context; storage is the platform's own business."""

    def __init__(self, platform: TestPlatform, context_id: str, *args, **kwargs):
        self.platform = platform
        self.context_id = context_id
        super().__init__(*args, **kwargs)

    def _items(self) -> dict:
        return self.platform.line_items.setdefault(self.context_id, {})

    def _url(self, line_item_id: str) -> str:
        return f"{self.ags.lineitems_url}/{line_item_id}"

    def _get(self, line_item_id: str) -> dict:
        try:
            return self._items()[line_item_id]
        except KeyError as exc:
            raise LineItemNotFoundException(line_item_id) from exc

    def find_lineitems(
        self,
        page=1,
        limit=None,
        line_item_id=None,
        resource_link_id=None,
        resource_id=None,
        tag=None,
        **_ignored,
    ) -> TPage:
        out = []
        for lid, item in self._items().items():
            if resource_link_id and item.get("resourceLinkId") != resource_link_id:
                continue
            if resource_id and item.get("resourceId") != resource_id:
                continue
            if tag and item.get("tag") != tag:
                continue
            out.append({**item, "id": self._url(lid)})
        return {"content": out, "has_next": False}

    def find_lineitem(self, line_item_id: str) -> dict:
        return {**self._get(line_item_id), "id": self._url(line_item_id)}

    def create_lineitem(self, creation_data: dict) -> dict:
        lid = self.platform.new_lineitem(self.context_id, creation_data)
        return self.find_lineitem(lid)

    def update_lineitem(self, update_data: dict) -> dict:
        lid = str(update_data.pop("id")).rstrip("/").rsplit("/", 1)[-1]
        self._get(lid).update(update_data)
        return self.find_lineitem(lid)

    def delete_lineitem(self, line_item_id: str) -> None:
        self._get(line_item_id)
        del self._items()[line_item_id]

    def update_score(self, line_item_id: str, score: dict) -> UpdateScoreStatus:
        self._get(line_item_id)
        key = (self.context_id, line_item_id, score["userId"])
        history = self.platform.scores.setdefault(key, [])
        if (
            history
            and score.get("timestamp")
            and score["timestamp"] <= history[-1].get("timestamp", "")
        ):
            return UpdateScoreStatus.OLD_TIMESTAMP
        history.append(score)
        return UpdateScoreStatus.CREATED if len(history) == 1 else UpdateScoreStatus.SUCCESS

    def get_results(self, line_item_id: str, page=1, limit=None, user_id=None, **_ignored) -> TPage:
        self._get(line_item_id)
        out = []
        for (ctx, lid, uid), history in self.platform.scores.items():
            if ctx == self.context_id and lid == line_item_id and (user_id in (None, uid)):
                last = history[-1]
                out.append(
                    {
                        "userId": uid,
                        "resultScore": last.get("scoreGiven"),
                        "resultMaximum": last.get("scoreMaximum", 1),
                        "scoreOf": self._url(line_item_id),
                    }
                )
        return {"content": out, "has_next": False}


class HarnessNRPS(NamesRoleProvisioningService):
    def __init__(self, platform: TestPlatform, context_id: str, *args, **kwargs):
        self.platform = platform
        self.context_id = context_id
        super().__init__(*args, **kwargs)

    def get_context_by_id(self) -> Context:
        ctx = self.platform.contexts[self.context_id]
        return Context(id=ctx.context_id, label=ctx.label, title=ctx.title)

    def get_member_data_page(self, page=1, limit=None, role=None, since=None, **_ignored) -> TPage:
        ctx = self.platform.contexts[self.context_id]
        members = []
        for uid, roles in ctx.members.items():
            u = self.platform.users[uid]
            members.append(
                {
                    "user_id": uid,
                    "roles": roles,
                    "name": u.name,
                    "email": u.email,
                    "given_name": u.given_name,
                    "family_name": u.family_name,
                    "status": "Active",
                }
            )
        return {"content": members, "has_next": False}

    def is_resource_link_valid(self, context_id: str, resource_link_id: str) -> bool:
        rl = self.platform.resource_links.get(resource_link_id)
        return bool(rl and rl.context_id == context_id)


# ---------------------------------------------------------------------- WSGI face


@dataclass
class Resp:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)


def _json(status: int, data: t.Any, ctype: str = "application/json") -> Resp:
    return Resp(status, json.dumps(data).encode(), [("Content-Type", ctype)])


def _lib_response(resp: LibResponse) -> Resp:
    """Same mapping lti1p3platform.framework.django.response.wrap_json_resp does."""
    if 200 <= resp.code < 300:
        data = resp.result["content"] if resp.result and "content" in resp.result else resp.result
        out = _json(resp.code, data, resp.media_type)
        if isinstance(resp.result, dict) and resp.result.get("next"):
            out.headers.append(("Link", f'<{resp.result["next"]}>; rel="next"'))
        return out
    return _json(resp.code, {"error": resp.message})


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):  # keep pytest output readable
        pass


class TestPlatform:
    """A running LTI 1.3 platform. Start with ``start()``; URLs are on 127.0.0.1."""

    __test__ = False  # not a pytest class

    def __init__(self) -> None:
        self.private_pem, self.public_pem = _new_rsa_pem()
        self.clients: dict[str, ToolClient] = {}
        self.users: dict[str, PlatformUser] = {}
        self.contexts: dict[str, CourseContext] = {}
        self.resource_links: dict[str, ResourceLink] = {}
        self.line_items: dict[str, dict[str, dict]] = {}
        self.scores: dict[tuple[str, str, str], list[dict]] = {}
        self.hints: dict[str, dict] = {}
        self.deep_link_responses: list[dict] = []
        self.registration_tokens: set[str] = set()
        self.fail_next_score_posts = 0
        self.score_post_attempts = 0
        self.token_requests = 0
        self._lock = threading.RLock()
        self._server: WSGIServer | None = None

    # -- lifecycle
    def start(self) -> TestPlatform:
        self._server = make_server(
            "127.0.0.1",
            0,
            self.wsgi,
            server_class=_ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self.issuer = self.base_url
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    # -- URLs a tool is told about (manual registration)
    @property
    def auth_url(self) -> str:
        return self.base_url + "/auth"

    @property
    def token_url(self) -> str:
        return self.base_url + "/token"

    @property
    def jwks_url(self) -> str:
        return self.base_url + "/jwks"

    # -- administration, as an LMS admin would do in its UI
    def add_client(self, **kwargs) -> ToolClient:
        client = ToolClient(**kwargs)
        client.redirect_uris = client.redirect_uris or sorted(
            {client.launch_url, client.deeplink_url}
        )
        self.clients[client.client_id] = client
        return client

    def add_user(self, user_id: str, name: str, email: str) -> PlatformUser:
        given, _, family = name.partition(" ")
        self.users[user_id] = PlatformUser(user_id, name, email, given, family)
        return self.users[user_id]

    def add_context(
        self, context_id: str, title: str, members: dict[str, list[str]]
    ) -> CourseContext:
        self.contexts[context_id] = CourseContext(context_id, title, title[:10], dict(members))
        return self.contexts[context_id]

    def add_resource_link(
        self,
        client_id: str,
        context_id: str,
        title: str,
        custom: dict | None = None,
        score_maximum: float | None = None,
    ) -> ResourceLink:
        rl = ResourceLink(f"rl-{uuid.uuid4().hex[:8]}", context_id, client_id, title, custom or {})
        if score_maximum is not None:
            rl.lineitem_id = self.new_lineitem(
                context_id,
                {
                    "label": title,
                    "scoreMaximum": score_maximum,
                    "resourceLinkId": rl.resource_link_id,
                },
            )
        self.resource_links[rl.resource_link_id] = rl
        return rl

    def new_lineitem(self, context_id: str, data: dict) -> str:
        with self._lock:
            items = self.line_items.setdefault(context_id, {})
            lid = str(len(items) + 1)
            items[lid] = {k: v for k, v in data.items() if k != "id"}
            return lid

    def lineitems_url(self, context_id: str) -> str:
        return f"{self.base_url}/ags/{context_id}/lineitems"

    def memberships_url(self, context_id: str) -> str:
        return f"{self.base_url}/nrps/{context_id}/memberships"

    def new_registration_token(self) -> str:
        token = secrets.token_urlsafe(16)
        self.registration_tokens.add(token)
        return token

    def start_launch_url(
        self,
        client_id: str,
        user_id: str,
        context_id: str,
        *,
        resource_link_id: str | None = None,
        deep_link: bool = False,
    ) -> str:
        """What a user clicks in the LMS: begins OIDC third-party initiated login."""
        q = {
            "client_id": client_id,
            "user_id": user_id,
            "context_id": context_id,
            "kind": "deep_link" if deep_link else "resource",
        }
        if resource_link_id:
            q["resource_link_id"] = resource_link_id
        return f"{self.base_url}/start?{urlencode(q)}"

    # -- WSGI entry
    def wsgi(self, environ, start_response):
        try:
            resp = self.route(environ)
        except Exception as exc:  # surface platform errors to the test, as an LMS would log them
            resp = _json(500, {"error": f"{type(exc).__name__}: {exc}"})
        reason = {200: "OK", 201: "Created", 204: "No Content", 302: "Found"}.get(resp.status, "X")
        start_response(f"{resp.status} {reason}", resp.headers or [("Content-Type", "text/plain")])
        return [resp.body]

    def route(self, environ) -> Resp:
        req = HarnessRequest(environ)
        path, method = req.path.rstrip("/") or "/", req.method
        parts = path.strip("/").split("/")
        if path == "/jwks":
            return _json(
                200, {"keys": Registration().set_platform_public_key(self.public_pem).get_jwks()}
            )
        if path == "/start":
            return self._start(req)
        if path == "/auth":
            return self._auth(req)
        if path == "/token" and method == "POST":
            return self._token(req)
        if path == "/deep_link_return" and method == "POST":
            return self._deep_link_return(req)
        if path == "/.well-known/openid-configuration":
            return self._openid_configuration(req)
        if path == "/register" and method == "POST":
            return self._register(req)
        if parts[0] == "ags" and len(parts) >= 3:
            return self._ags(req, parts)
        if parts[0] == "nrps" and len(parts) == 3:
            return self._nrps(req, parts[1])
        return _json(404, {"error": "not found"})

    # -- OIDC / launch
    def _conf(self, client_id: str) -> PlatformConf:
        return PlatformConf(platform=self, client=self.clients[client_id])

    def _start(self, req: HarnessRequest) -> Resp:
        q = req.get_data
        client = self.clients[q["client_id"]]
        hint = secrets.token_urlsafe(12)
        self.hints[hint] = dict(q)
        login = HarnessOIDCLogin(req, self._conf(client.client_id))
        login.set_lti_message_hint(hint=hint)
        if q["kind"] == "deep_link":
            login.set_deeplinking_launch_url()
        return login.initiate_login(q["user_id"])

    def _auth(self, req: HarnessRequest) -> Resp:
        p = req.get_data or req.form_data
        hint = self.hints.get(p.get("lti_message_hint", ""))
        client = self.clients.get(p.get("client_id", ""))
        # Platform policy the library leaves to the platform:
        if not hint or not client or hint["client_id"] != client.client_id:
            return _json(400, {"error": "unknown lti_message_hint/client"})
        if p.get("login_hint") != hint["user_id"]:
            return _json(400, {"error": "login_hint does not match the signed-in user"})
        if p.get("redirect_uri") not in client.redirect_uris:
            return _json(400, {"error": "redirect_uri not registered"})
        if p.get("response_type") != "id_token" or p.get("scope") != "openid":
            return _json(400, {"error": "invalid OIDC auth request"})

        user = self.users[hint["user_id"]]
        ctx = self.contexts[hint["context_id"]]
        launch = HarnessLaunch(req, self._conf(client.client_id))
        launch.set_user_data(user.user_id, ctx.members.get(user.user_id, []), user.name, user.email)
        launch.set_extra_claims({"given_name": user.given_name, "family_name": user.family_name})
        launch.set_launch_context_claim(
            ctx.context_id,
            ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
            ctx.title,
            ctx.label,
        )
        lineitem_url = None
        if hint["kind"] == "deep_link":
            launch.set_dl(
                self.base_url + "/deep_link_return",
                title="Add LFS158 content",
                accept_types={"ltiResourceLink"},
                extra_data={"hint": hint_key(p)},
            )
        else:
            rl = self.resource_links[hint["resource_link_id"]]
            launch.set_resource_link_claim(rl.resource_link_id, title=rl.title)
            if rl.custom:
                launch.set_custom_parameters_claim(rl.custom)
            if rl.lineitem_id:
                lineitem_url = f"{self.lineitems_url(ctx.context_id)}/{rl.lineitem_id}"
        launch.set_ags(self.lineitems_url(ctx.context_id), lineitem_url, True, True, True)
        launch.set_nrps(self.memberships_url(ctx.context_id))
        launch.set_extra_claims(
            {
                "https://purl.imsglobal.org/spec/lti/claim/tool_platform": {
                    "guid": "harness-platform",
                    "name": "lti1p3platform harness",
                    "product_family_code": "lti1p3platform",
                    "version": "0.1.8",
                }
            }
        )
        return launch.lti_launch()

    # -- OAuth2 client credentials
    def _token(self, req: HarnessRequest) -> Resp:
        self.token_requests += 1
        form = req.form_data
        try:
            unverified = jwt.decode(
                form.get("client_assertion", ""), options={"verify_signature": False}
            )
            conf = self._conf(unverified["iss"])
            return _json(200, conf.get_access_token(form))
        except Exception as exc:
            return _json(400, {"error": "invalid_client", "error_description": str(exc)})

    def _bearer_conf(self, req: HarnessRequest) -> PlatformConf:
        token = req.headers.get("Authorization", "").partition(" ")[2]
        sub = jwt.decode(token, options={"verify_signature": False}).get("sub", "")
        return self._conf(sub)

    # -- Deep Linking return
    def _deep_link_return(self, req: HarnessRequest) -> Resp:
        token = req.form_data.get("JWT", "")
        try:
            body = jwt.decode(token, options={"verify_signature": False})
            client = self.clients[body["iss"]]
            items = self._conf(client.client_id).validate_deeplinking_resp(
                req.form_data
            )  # verifies signature
        except (LtiDeepLinkingResponseException, KeyError, jwt.PyJWTError, Exception) as exc:
            return _json(400, {"error": f"deep linking response refused: {exc}"})
        aud = body.get("aud")
        if self.issuer not in (aud if isinstance(aud, list) else [aud]):
            return _json(400, {"error": "aud is not this platform"})
        if (
            body.get("https://purl.imsglobal.org/spec/lti/claim/deployment_id")
            != client.deployment_id
        ):
            return _json(400, {"error": "wrong deployment"})
        hint = self.hints[body["https://purl.imsglobal.org/spec/lti-dl/claim/data"]["hint"]]
        placed = []
        for item in items:
            li = item.get("lineItem")
            rl = self.add_resource_link(
                client.client_id,
                hint["context_id"],
                item.get("title") or "",
                item.get("custom") or {},
                score_maximum=li.get("scoreMaximum") if li else None,
            )
            if li and rl.lineitem_id:
                self.line_items[hint["context_id"]][rl.lineitem_id].update(
                    {k: v for k, v in li.items() if k in ("label", "resourceId", "tag")}
                )
            placed.append(rl)
        self.deep_link_responses.append({"claims": body, "items": items, "placed": placed})
        return Resp(200, b"<p>Content placed</p>", [("Content-Type", "text/html")])

    # -- AGS / NRPS
    def _ags(self, req: HarnessRequest, parts: list[str]) -> Resp:
        context_id = parts[1]
        try:
            conf = self._bearer_conf(req)
        except Exception:
            return _json(401, {"error": "missing or malformed bearer token"})
        svc = HarnessAGS(self, context_id, req, conf, self.lineitems_url(context_id))
        method = req.method
        try:
            if len(parts) == 3:  # /ags/<ctx>/lineitems
                handler = (
                    svc.handle_get_lineitems if method == "GET" else svc.handle_create_lineitem
                )
                return _lib_response(svc.handle_resp(handler))
            line_item_id = parts[3]
            svc.ags.lineitem_url = f"{self.lineitems_url(context_id)}/{line_item_id}"
            if len(parts) == 5 and parts[4] == "scores":
                self.score_post_attempts += 1
                if self.fail_next_score_posts > 0:
                    self.fail_next_score_posts -= 1
                    return _json(503, {"error": "gradebook temporarily unavailable"})
                return _lib_response(
                    svc.handle_resp(svc.handle_update_score, line_item_id=line_item_id)
                )
            if len(parts) == 5 and parts[4] == "results":
                return _lib_response(
                    svc.handle_resp(svc.handle_get_results, line_item_id=line_item_id)
                )
            handler = {
                "GET": svc.handle_get_lineitem,
                "PUT": svc.handle_update_lineitem,
                "DELETE": svc.handle_delete_lineitem,
            }[method]
            return _lib_response(svc.handle_resp(handler, line_item_id=line_item_id))
        except (jwt.PyJWTError, PlatformLtiException) as exc:
            return _json(401, {"error": f"invalid token: {exc}"})

    def _nrps(self, req: HarnessRequest, context_id: str) -> Resp:
        try:
            conf = self._bearer_conf(req)
            svc = HarnessNRPS(self, context_id, req, conf, self.memberships_url(context_id))
            return _lib_response(svc.handle_resp(svc.handle_get_members))
        except (jwt.PyJWTError, PlatformLtiException, KeyError) as exc:
            return _json(401, {"error": f"invalid token: {exc}"})

    # -- Dynamic Registration (glue: lti1p3platform has none)
    def _check_registration_token(self, req: HarnessRequest) -> bool:
        token = req.headers.get("Authorization", "").partition(" ")[2]
        return token in self.registration_tokens

    def _openid_configuration(self, req: HarnessRequest) -> Resp:
        if not self._check_registration_token(req):
            return _json(401, {"error": "registration token required"})
        return _json(
            200,
            {
                "issuer": self.issuer,
                "authorization_endpoint": self.auth_url,
                "token_endpoint": self.token_url,
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
                "jwks_uri": self.jwks_url,
                "registration_endpoint": self.base_url + "/register",
                "scopes_supported": [
                    "openid",
                    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
                    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
                ],
                "response_types_supported": ["id_token"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
                "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                    "product_family_code": "lti1p3platform-harness",
                    "version": "0.1.8",
                    "messages_supported": [
                        {"type": "LtiResourceLinkRequest"},
                        {"type": "LtiDeepLinkingRequest"},
                    ],
                },
            },
        )

    def _register(self, req: HarnessRequest) -> Resp:
        if not self._check_registration_token(req):
            return _json(401, {"error": "registration token required"})
        self.registration_tokens.discard(req.headers["Authorization"].partition(" ")[2])  # one use
        body = req.json or {}
        cfg = body.get("https://purl.imsglobal.org/spec/lti-tool-configuration") or {}
        required = ("initiate_login_uri", "redirect_uris", "jwks_uri")
        if any(not body.get(k) for k in required) or not cfg.get("target_link_uri"):
            return _json(400, {"error": "invalid_client_metadata"})
        if body.get("token_endpoint_auth_method") != "private_key_jwt":
            return _json(400, {"error": "invalid_client_metadata"})
        deep_link = (
            next(
                (
                    m.get("target_link_uri")
                    for m in cfg.get("messages", [])
                    if m.get("type") == "LtiDeepLinkingRequest"
                ),
                None,
            )
            or cfg["target_link_uri"]
        )
        client = self.add_client(
            client_id=f"dr-{uuid.uuid4().hex[:10]}",
            deployment_id=f"dep-{uuid.uuid4().hex[:6]}",
            oidc_login_url=body["initiate_login_uri"],
            launch_url=cfg["target_link_uri"],
            deeplink_url=deep_link,
            jwks_url=body["jwks_uri"],
            redirect_uris=list(body["redirect_uris"]),
            registered_by_dr=body,
        )
        return _json(
            200,
            {
                **body,
                "client_id": client.client_id,
                "https://purl.imsglobal.org/spec/lti-tool-configuration": {
                    **cfg,
                    "deployment_id": client.deployment_id,
                },
            },
        )


def hint_key(params: dict) -> str:
    return params["lti_message_hint"]
