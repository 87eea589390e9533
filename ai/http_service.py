"""The seed's five AI endpoints over HTTP (``main.py serve``): FastAPI under uvicorn, the same answers as ``api``.

Why FastAPI + uvicorn rather than Flask + gunicorn (which the seed and CVD use): uvicorn runs its workers on
Windows and macOS as on Linux (gunicorn is Unix-only, and our operators run the designer on Windows laptops), and
FastAPI writes the OpenAPI document (``/openapi.json``, ``/docs``) from the routes, with each endpoint's own
usage text. Each request is answered by :func:`ai.endpoints.answer_endpoint`, the very function behind
``main.py api``, so both answer byte for byte alike; only the way in differs:

1. ``Authorization: Bearer TOKEN`` (:mod:`ai.access_tokens`) — none, expired, badly signed, revoked, or for a
   user no longer in the database: 401. A role that may not run AI features (or AI switched off): 403.
2. The body, read up to :data:`designer.input_gate.MAX_REQUEST_BYTES`: beyond it, 413.
3. The user's rate limit (:mod:`designer.rate_limits`, counted in :mod:`storage.access_ledger`, shared by all
   workers): 429 with ``Retry-After``.
4. The answer: 200, or 400 for a bad request (the seed's error object), 503 when the database cannot be used.
   Every answer of an endpoint carries ``Server-Timing: app;dur=MS``: its time inside the service, from the
   request's arrival at the route to the reply (waits for a thread included), as the load bench reports it.

Models load once per worker (:class:`WarmServices`) and are reopened when the database's data fingerprint (the
one the app's model store uses) changes; every answered or failed request is audited as the app audits them
(``ai.<endpoint>``, source ``http``).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from ai import access_tokens
from ai.endpoints import ENDPOINTS, Endpoint, answer_endpoint, unknown_endpoint
from ai.model_store import ModelStore, data_fingerprint, database_identity
from ai.placement_explanation import explainer_for
from ai.revenue_prediction import calibration_for
from ai.services import Services
from designer.command_outcomes import ExitCode, error_body, json_text
from designer.input_gate import MAX_REQUEST_BYTES, InputRefused, gate_request
from designer.rate_limits import ENDPOINT_BUDGETS, Budget, OverLimit, RateLimits
from designer.roles import Action
from storage.access_ledger import AccessLedger
from storage.credentials import SignInRefused, check_password
from storage.engine import display_url, session_factory
from storage.settings import SettingsStore
from storage.signing_key import signing_key
from storage.users import SignedInUser, user_by_id

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable

    from storage.database import Engine

CONFIG_VARIABLE = "PLANOGRAM_SERVICE_CONFIG"
"""How ``main.py serve`` hands its settings to the workers uvicorn starts (JSON of :class:`ServiceConfig`)."""
RELOAD_CHECK_SECONDS = 2.0
"""How often a worker asks the database whether its data changed (the fingerprint is seven indexed queries)."""

STATUS_OF_EXIT: dict[ExitCode, int] = {ExitCode.DONE: 200, ExitCode.BAD_INPUT: 400, ExitCode.REFUSED: 403}
"""HTTP status of each ``api`` exit status; any other (a database that cannot be used) is 503."""


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """What a worker needs: the database and this user's folders (settings, models, key file, access ledger)."""

    database_url: str
    data_folder: str
    config_folder: str

    def to_environment(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_environment(cls, text: str) -> ServiceConfig:
        return cls(**json.loads(text))


class WarmServices:
    """One worker's opened services: the catalogue, cabinets and placement model loaded once, reopened when the
    data changes; each request gets a copy acting for its own user."""

    def __init__(self, config: ServiceConfig, settings: SettingsStore) -> None:
        self.config = config
        self.settings = settings
        self.model_store = ModelStore(Path(config.data_folder) / "models")
        self._lock = threading.Lock()
        self._checked_at = 0.0
        self._fingerprint: str | None = None
        self._services: Services | None = None

    def open(self) -> Services:
        """Open (or reopen) the services and load what every endpoint reads, before the first request."""
        services = Services(
            self.config.database_url,
            self.model_store,
            labour_cost_per_slot=self.settings.current.labour_cost_per_slot,
        )
        services.source = "http"
        services.open()
        read_before_requests(services)
        self._fingerprint = data_fingerprint(services.engine)
        self._checked_at = time.monotonic()
        if self._services is not None:
            self._services.engine.dispose()
        self._services = services
        return services

    def needs_training(self) -> bool:
        """Whether the data changed since the models were loaded and no saved model fits the new data."""
        services = self.current()
        if time.monotonic() - self._checked_at < RELOAD_CHECK_SECONDS:
            return False
        fingerprint = data_fingerprint(services.engine)
        if fingerprint == self._fingerprint:
            self._checked_at = time.monotonic()
            return False
        return self.model_store.load(self.config.database_url, fingerprint) is None

    def for_user(self, user: SignedInUser) -> Services:
        """The warm services acting for ``user``, reopened first when the data changed since the last look; their
        fleet-wide figures are those of the data as last looked at (at most 2 s ago), as the models are."""
        with self._lock:
            services = self._current_or_open()
            if time.monotonic() - self._checked_at >= RELOAD_CHECK_SECONDS:
                if data_fingerprint(services.engine) != self._fingerprint:
                    services = self.open()
                self._checked_at = time.monotonic()
            fingerprint = self._fingerprint
        acting = services.acting_as(user)
        acting.known_fingerprint = fingerprint
        return acting

    def current(self) -> Services:
        """The services as last opened (opened now if they never were)."""
        with self._lock:
            return self._current_or_open()

    def _current_or_open(self) -> Services:
        return self._services if self._services is not None else self.open()

    @property
    def engine(self) -> Engine:
        return self.current().engine


def read_before_requests(services: Services) -> None:
    """What the endpoints read on first use and keep while the data stands, read here rather than by the first
    requests (which would each start reading it): the placement model, predict-revenue's calibration (14 s on
    1,000 machines) and the placement explanations' sales period (a scan of every sale: seconds on a big fleet)."""
    scorer = services.placement_scorer
    calibration_for(services, scorer.model.model_version)
    with services.reading():
        explainer_for(scorer, services.engine)


class Refusal(Exception):
    """A request turned away before any endpoint ran: its HTTP status, the seed's error body, extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def json_response(status: int, body: object, headers: dict[str, str] | None = None) -> Response:
    return Response(json_text(body), status_code=status, media_type="application/json", headers=headers)


def create_app(config: ServiceConfig, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> FastAPI:
    """The service for one database; ``clock`` is injectable so tests can expire tokens without sleeping."""
    settings = SettingsStore(Path(config.config_folder) / "settings.json")
    warm = WarmServices(config, settings)
    identity = database_identity(config.database_url)
    ledger = AccessLedger.in_folder(Path(config.data_folder), identity)
    key = signing_key(Path(config.config_folder)).secret

    @asynccontextmanager
    async def warm_up(_app: FastAPI) -> AsyncIterator[None]:
        """Load the models before the worker takes its first request (``/health`` answers only then)."""
        await run_in_threadpool(warm.current)
        yield
        await run_in_threadpool(lambda: warm.current().engine.dispose())

    app = FastAPI(
        lifespan=warm_up,
        title="Planogram Studio AI service",
        version="1",
        description=(
            "The seed's AI endpoints for planograms, with exactly the JSON of `python main.py api ENDPOINT`. "
            "Every /api call needs `Authorization: Bearer TOKEN` (POST /auth/token, or `python main.py token`). "
            'Errors are `{"success": false, "error": "what. Fix: how"}`.'
        ),
    )
    app.state.warm = warm

    def limits() -> RateLimits:
        return settings.current.rate_limits

    def authenticate(authorization: str | None) -> tuple[SignedInUser, access_tokens.AccessToken]:
        token = None
        if authorization:
            scheme, _, value = authorization.partition(" ")
            token = value.strip() if scheme.lower() == "bearer" else None
            if token is None:
                raise Refusal(401, "the Authorization header must be 'Bearer TOKEN'")
        try:
            claims = access_tokens.read(key, token, identity, clock())
        except access_tokens.TokenRefused as refused:
            raise Refusal(401, str(refused)) from None
        if ledger.is_revoked(claims.jti):
            raise Refusal(401, "the token was revoked. Fix: get a new one (POST /auth/token or python main.py token)")
        with session_factory(warm.engine)() as session:
            try:
                user = user_by_id(session, claims.user_id)
            except LookupError:
                raise Refusal(401, f"{claims.username} is no longer a user of this database") from None
        if user.username != claims.username:
            raise Refusal(401, "the token names a user this database no longer has. Fix: get a new token")
        return user, claims

    def admit(authorization: str | None, budget: Budget) -> SignedInUser:
        """Who asks, if they may run AI features now and have rate left (the request is counted)."""
        user, _claims = authenticate(authorization)
        reason = user.why_not(Action.RUN_AI)
        if reason is not None:
            raise Refusal(403, reason)
        spent = [budget]
        if budget is not Budget.TRAINING and warm.needs_training():
            spent.append(Budget.TRAINING)
        refused: OverLimit | None = ledger.charge(user.id, spent, limits(), clock())
        if refused is not None:
            raise Refusal(429, refused.message(), {"Retry-After": str(refused.retry_after_s)})
        return user

    async def body_of(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
            raise Refusal(413, _too_large(int(declared)))
        received = bytearray()
        async for chunk in request.stream():
            received += chunk
            if len(received) > MAX_REQUEST_BYTES:
                raise Refusal(413, _too_large(len(received)))
        return bytes(received)

    async def refusing(work: Callable[[], Awaitable[Response]], endpoint: Endpoint | None = None) -> Response:
        try:
            return await work()
        except Refusal as refusal:
            body = endpoint.error(str(refusal)) if endpoint is not None else error_body(str(refusal))
            return json_response(refusal.status, body, refusal.headers)

    def answering(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
        budget = ENDPOINT_BUDGETS[endpoint.name]

        async def answer(request: Request) -> Response:
            async def work() -> Response:
                user = await run_in_threadpool(admit, request.headers.get("authorization"), budget)
                raw = await body_of(request)
                code, body = await run_in_threadpool(
                    answer_endpoint, endpoint.name, lambda: raw, lambda: warm.for_user(user)
                )
                return json_response(STATUS_OF_EXIT.get(code, 503), body)

            started = time.perf_counter()
            response = await refusing(work, endpoint)
            response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
            return response

        answer.__name__ = endpoint.name.replace("-", "_")
        return answer

    for endpoint in ENDPOINTS.values():
        app.add_api_route(
            f"/api/planograms/{endpoint.name}",
            answering(endpoint),
            methods=["POST"],
            summary=endpoint.summary,
            description=f"```\n{endpoint.usage}\n```\n\nRate limit: the user's {ENDPOINT_BUDGETS[endpoint.name]} "
            "budget.",
            tags=["AI endpoints"],
            openapi_extra=_json_body(endpoint.batch),
        )

    @app.post("/api/planograms/{name}", include_in_schema=False)
    async def unknown(name: str, request: Request) -> Response:
        """Any other name: 400 with the list of endpoints, as ``main.py api`` exits 2 (after the token check)."""

        async def work() -> Response:
            await run_in_threadpool(authenticate, request.headers.get("authorization"))
            return json_response(400, unknown_endpoint(name))

        return await refusing(work)

    @app.post("/auth/token", tags=["access"], openapi_extra=_credentials_body())
    async def token(request: Request) -> Response:
        """A token for a CVD user's username (or email) and password, checked as CVD's web app checks them."""

        async def work() -> Response:
            raw = await body_of(request)
            try:
                payload = gate_request(raw, batch=False)
            except (InputRefused, json.JSONDecodeError) as error:
                raise Refusal(400, f'{error}. Fix: send {{"username": …, "password": …}}') from None
            login, password = (payload.get(k) if isinstance(payload, dict) else None for k in ("username", "password"))
            if not isinstance(login, str) or not isinstance(password, str) or not login.strip():
                raise Refusal(400, "send a JSON object with a username (or email) and a password")
            try:
                user = await run_in_threadpool(check_password, warm.engine, login, password, ledger, clock())
            except SignInRefused as refused:
                raise Refusal(401, str(refused)) from None
            if not user.can(Action.VIEW):
                raise Refusal(403, user.why_not(Action.VIEW) or "this account may not sign in")
            text, claims = access_tokens.mint(key, user.id, user.username, identity, clock())
            return json_response(200, token_body(text, claims, clock()))

        return await refusing(work)

    @app.post("/auth/revoke", tags=["access"])
    async def revoke(request: Request) -> Response:
        """Revoke the token this request carries (a script that is done with it, or one that leaked)."""

        async def work() -> Response:
            _user, claims = await run_in_threadpool(authenticate, request.headers.get("authorization"))
            await run_in_threadpool(ledger.revoke, claims.jti, claims.expires_at)
            return json_response(200, {"success": True, "revoked": claims.jti})

        return await refusing(work)

    @app.get("/health", tags=["service"])
    async def health() -> Response:
        """Up and warm: the database this worker answers for and its placement model's version."""
        model = (await run_in_threadpool(warm.current)).placement_scorer.model
        return json_response(
            200,
            {
                "success": True,
                "status": "ok",
                "database": display_url(config.database_url),
                "model_version": model.model_version,
                "endpoints": sorted(ENDPOINTS),
            },
        )

    @app.exception_handler(HTTPException)
    async def seed_error_shape(_request: Request, error: HTTPException) -> Response:
        """FastAPI's own refusals (unknown path, wrong method) in the seed's error shape."""
        known = ", ".join(f"POST /api/planograms/{name}" for name in sorted(ENDPOINTS))
        message = f"{error.detail}. Fix: call one of {known}, or GET /health; see /docs"
        return json_response(error.status_code, error_body(message), getattr(error, "headers", None))

    return app


def token_body(text: str, claims: access_tokens.AccessToken, now: datetime) -> dict[str, object]:
    """What the token endpoint and ``main.py token --json`` answer."""
    return {
        "success": True,
        "access_token": text,
        "token_type": "bearer",
        "expires_in": round((claims.expires_at - now).total_seconds()),
        "expires_at": claims.expires_at.isoformat(),
        "user": claims.username,
        "jti": claims.jti,
    }


def app_from_environment() -> FastAPI:
    """uvicorn's factory in each worker: the service as ``main.py serve`` described it in the environment."""
    return create_app(ServiceConfig.from_environment(os.environ[CONFIG_VARIABLE]))


def _too_large(size: int) -> str:
    return (
        f"the request is {size:,} bytes, over the limit of {MAX_REQUEST_BYTES:,} (MAX_REQUEST_BYTES). "
        "Fix: send a smaller request (split a batch into several calls)"
    )


def _json_body(batch: bool) -> dict[str, object]:
    schema: dict[str, object] = {"type": "object"}
    if batch:
        schema = {"oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}]}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _credentials_body() -> dict[str, object]:
    fields = {"username": {"type": "string"}, "password": {"type": "string", "format": "password"}}
    schema = {"type": "object", "required": ["username", "password"], "properties": fields}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}
