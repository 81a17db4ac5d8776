"""Which providers exist, what credentials each needs, and how to build one from a profile.

:data:`PROVIDERS` is the one table of provider names, their credential fields and the
environment variables ``roomscope --provider NAME`` reads them from. The configuration
layer validates profiles against it, the CLI validates ``--provider`` against it and the
README documents it.

Importing this module is cheap: the adapters (and httpx with them) are imported only when
a provider is built, so the demo's first frame never pays for them.
"""

from __future__ import annotations

import contextlib
import importlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, cast

from roomscope.tui.clock import utcnow
from roomscope.tui.errors import ConfigError
from roomscope.tui.limits import DEMO_LATENCY_MS, DEMO_SEED, DEMO_SIZE

if TYPE_CHECKING:
    import httpx

    from roomscope.tui.providers.base import Provider, ProviderError

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class CredentialSpec:
    """One credential or account id a provider needs."""

    key: str
    """The profile key (``token``, ``space`` ...); ``<key>_env`` names an env var instead."""
    env: str
    """The environment variable ``--provider NAME`` (no config file) reads it from."""
    kwarg: str
    """The adapter constructor's keyword argument."""
    secret: bool
    """Never printed, logged or cached."""
    help: str
    check: Callable[[str], str | None] | None = None
    """Why a value cannot be this credential (``None`` when it can); a bad value is a
    configuration error, found where the value is read (the file, or the environment)."""


_SPACE_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_SPACE_PROBLEM = (
    "not a space name, host or URL (expected e.g. example, example.signalwire.com "
    "or https://example.signalwire.com)"
)


def space_problem(value: str) -> str | None:
    """Why ``value`` is not a SignalWire space (its name, host, or URL), or ``None``.

    The same forms the adapter accepts, checked here so that a bad space is a
    configuration error before any request; a URL holds no user name or password, and
    the message never repeats the value."""
    text = value.strip().rstrip("/")
    if not text or any(ch.isspace() or not ch.isprintable() for ch in text):
        return _SPACE_PROBLEM
    if "://" in text:
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError:
            return _SPACE_PROBLEM
        if parts.scheme not in ("http", "https") or "@" in parts.netloc or "\\" in text:
            return _SPACE_PROBLEM
        host = parts.netloc if port is None else parts.netloc.rsplit(":", 1)[0]
        return None if _space_host(host) and port != 0 else _SPACE_PROBLEM
    if "." in text:
        host, colon, port_text = text.partition(":")
        if colon and not (port_text.isascii() and port_text.isdigit() and 0 < int(port_text) < 65536):
            return _SPACE_PROBLEM
        return None if _space_host(host) else _SPACE_PROBLEM
    return None if _SPACE_LABEL.fullmatch(text) else _SPACE_PROBLEM


def _space_host(host: str) -> bool:
    return bool(host) and len(host) <= 253 and all(_SPACE_LABEL.fullmatch(label) for label in host.split("."))


@dataclass(frozen=True)
class ProviderInfo:
    name: str
    label: str
    module: str
    class_name: str
    credentials: tuple[CredentialSpec, ...]
    note: str = ""
    """What users should know about the environment variables."""

    @property
    def env_vars(self) -> tuple[str, ...]:
        return tuple(spec.env for spec in self.credentials)

    def credential(self, key: str) -> CredentialSpec | None:
        for spec in self.credentials:
            if spec.key == key:
                return spec
        return None


PROVIDERS: Mapping[str, ProviderInfo] = {
    info.name: info
    for info in (
        ProviderInfo(
            "signalwire",
            "SignalWire Video",
            "roomscope.tui.providers.signalwire",
            "SignalWireProvider",
            (
                CredentialSpec(
                    "space",
                    "SIGNALWIRE_SPACE",
                    "space",
                    False,
                    "the space: its name (example), host (example.signalwire.com) or URL",
                    space_problem,
                ),
                CredentialSpec(
                    "project_id", "SIGNALWIRE_PROJECT_ID", "project_id", False, "the project id (a UUID)"
                ),
                CredentialSpec(
                    "token",
                    "SIGNALWIRE_API_TOKEN",
                    "token",
                    True,
                    "an API token with the Video scope",
                ),
            ),
            "The variables the official SignalWire SDKs read.",
        ),
        ProviderInfo(
            "telnyx",
            "Telnyx Rooms",
            "roomscope.tui.providers.telnyx",
            "TelnyxProvider",
            (CredentialSpec("token", "TELNYX_API_KEY", "api_key", True, "an API key (v2)"),),
            "The variable the official Telnyx SDKs read.",
        ),
        ProviderInfo(
            "whereby",
            "Whereby",
            "roomscope.tui.providers.whereby",
            "WherebyProvider",
            (
                CredentialSpec(
                    "token",
                    "WHEREBY_API_KEY",
                    "api_key",
                    True,
                    "an API key from the Whereby dashboard (Configure > API)",
                ),
            ),
            "Whereby ships no SDK and names no variable: WHEREBY_API_KEY is roomscope's own name.",
        ),
        ProviderInfo(
            "realtimekit",
            "Cloudflare RealtimeKit",
            "roomscope.tui.providers.realtimekit",
            "RealtimeKitProvider",
            (
                CredentialSpec(
                    "account_id",
                    "CLOUDFLARE_ACCOUNT_ID",
                    "account_id",
                    False,
                    "the Cloudflare account id (32 hex digits)",
                ),
                CredentialSpec("app_id", "REALTIMEKIT_APP_ID", "app_id", False, "the RealtimeKit app id"),
                CredentialSpec(
                    "token",
                    "CLOUDFLARE_API_TOKEN",
                    "api_token",
                    True,
                    "an API token with the Realtime (or Realtime Admin) permission",
                ),
            ),
            "CLOUDFLARE_API_TOKEN is the Cloudflare SDKs' variable; the SDKs read no variable for "
            "the account or app id, so CLOUDFLARE_ACCOUNT_ID and REALTIMEKIT_APP_ID are roomscope's names.",
        ),
        ProviderInfo(
            "demo",
            "Demo world",
            "roomscope.tui.providers.demo",
            "DemoProvider",
            (),
            "No credentials: a synthetic world generated on the fly.",
        ),
    )
}
PROVIDER_NAMES: tuple[str, ...] = tuple(PROVIDERS)
"""In documentation order; ``demo`` last."""


def provider_info(name: str) -> ProviderInfo:
    """The table row for ``name``; :class:`~roomscope.tui.errors.ConfigError` naming the choices otherwise."""
    info = PROVIDERS.get(name)
    if info is None:
        raise ConfigError(f'unknown provider "{name}" (expected one of: {", ".join(PROVIDER_NAMES)})')
    return info


def env_table() -> list[tuple[str, str, str]]:
    """(provider, profile key, environment variable) for every credential, in table order."""
    return [(info.name, spec.key, spec.env) for info in PROVIDERS.values() for spec in info.credentials]


# ---------------------------------------------------------------------------------------
# Building providers


class ProviderProfile(Protocol):
    """What building and checking a provider needs of a profile.

    :class:`roomscope.tui.config.ProfileConfig` is one; the registry does not import the
    configuration layer (that layer imports the table above)."""

    @property
    def name(self) -> str: ...
    @property
    def provider(self) -> str: ...
    @property
    def base_url(self) -> str | None: ...
    @property
    def seed(self) -> int | None: ...
    @property
    def size(self) -> int | None: ...
    @property
    def latency_ms(self) -> float | None: ...

    def secret(self, key: str) -> str:
        """A credential's value, read at use time (:class:`ConfigError` when it is not set)."""
        ...

    def scrub(self, text: str) -> str:
        """``text`` with the profile's secrets replaced."""
        ...


def build_provider(
    profile: ProviderProfile,
    *,
    clock: Clock = utcnow,
    base_url: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    demo_latency_s: float | None = None,
    demo_size: int | None = None,
    demo_seed: int | None = None,
    **http_options: Any,
) -> Provider:
    """The provider a profile describes.

    ``base_url`` (the CLI's ``--base-url``) overrides the profile's own. Credentials are
    read now (``profile.secret``), so an unset environment variable is a
    :class:`~roomscope.tui.errors.ConfigError` naming the file, line and field. ``http_options`` go
    to the adapter's ``HttpClient`` (timeouts, retry budget, ``sleep`` in tests).
    """
    info = provider_info(profile.provider)
    if info.name == "demo":
        from roomscope.tui.providers.demo import DemoProvider

        seed = demo_seed if demo_seed is not None else profile.seed
        size = demo_size if demo_size is not None else profile.size
        latency = demo_latency_s
        if latency is None and profile.latency_ms is not None:
            latency = profile.latency_ms / 1000
        demo = DemoProvider(
            profile.name,
            seed=seed if seed is not None else DEMO_SEED,
            size=size if size is not None else DEMO_SIZE,
            latency_s=latency if latency is not None else DEMO_LATENCY_MS / 1000,
            clock=clock,
        )
        return cast("Provider", demo)
    credentials = {spec.kwarg: profile.secret(spec.key) for spec in info.credentials}
    cls = getattr(importlib.import_module(info.module), info.class_name)
    provider = cls(
        profile.name,
        **credentials,
        base_url=base_url or profile.base_url,
        transport=transport,
        clock=clock,
        **http_options,
    )
    return cast("Provider", provider)


def build_demo_backed(
    name: str,
    *,
    seed: int = DEMO_SEED,
    size: int = DEMO_SIZE,
    latency_s: float = 0.0,
    clock: Clock = utcnow,
) -> Provider:
    """``--demo-provider NAME``: the real adapter for ``name`` talking to its fake API over
    the demo world (no network, no account). ``demo`` gives the plain demo provider."""
    info = provider_info(name)
    if info.name == "demo":
        from roomscope.tui.providers.demo import DemoProvider

        return cast("Provider", DemoProvider("demo", seed=seed, size=size, latency_s=latency_s, clock=clock))
    from roomscope.tui.demo.world import DemoWorld

    fake = importlib.import_module(f"roomscope.tui.fakes.{info.name}")
    world = DemoWorld(seed=seed, size=size, now=clock())
    provider = fake.demo_provider(world, profile=f"{info.name}-demo", clock=clock, latency_s=latency_s)
    return cast("Provider", provider)


# ---------------------------------------------------------------------------------------
# Checking credentials


@dataclass(frozen=True)
class CheckResult:
    profile_name: str
    ok: bool
    message: str
    """What answered (ok) or the exact reason it failed; never a secret."""
    provider: str = ""
    exit_code: int = 0
    """0 when ok, else the exit code of the error's kind (ConfigError 2, AuthError 4 ...)."""


_STATUS_DETAIL = re.compile(r"\((\d{3})(?:: (.*?))?\)(?=[.;]|$)")


def _status_detail(message: str, status: int | None) -> str:
    """``401: Unauthorized`` from ``... rejected the credentials (401: Unauthorized). ...``."""
    match = _STATUS_DETAIL.search(message)
    if match:
        code, said = match.groups()
        return f"{code}: {said}" if said else code
    return f"{status}: {message}" if status else message


def _reason(error: ProviderError) -> str:
    """What a failed check means, for the errors that carry an HTTP status."""
    from roomscope.tui.providers.base import AuthError, ForbiddenError, NotFoundError, UnavailableError

    if isinstance(error, UnavailableError) and error.network:
        _, found, reason = error.message.partition("unreachable: ")
        return f"unreachable: {(reason if found else error.message).rstrip('.')}"
    if error.status is None:
        return error.message
    detail = _status_detail(error.message, error.status)
    if isinstance(error, ForbiddenError):
        return f"token lacks permission, or wrong account/space/app ({detail})"
    if isinstance(error, AuthError):
        return f"bad or expired token ({detail})"
    if isinstance(error, NotFoundError):
        return f"wrong space/account/app id, or wrong base URL ({detail})"
    return error.message


async def check_profile(profile: ProviderProfile, **build_kwargs: Any) -> CheckResult:
    """Build the profile's provider, make one real request (``provider.check()``), close it.

    Failures come back as the reason a user can act on, not as an exception: a bad or
    expired token (401), missing permission or the wrong account (403), a wrong id or base
    URL (404), an unreachable server, an unset environment variable (with file, line and
    field), or the provider's own message. No message ever holds the profile's secrets."""
    from roomscope.tui.providers.base import ProviderError

    def result(ok: bool, message: str, exit_code: int = 0) -> CheckResult:
        return CheckResult(profile.name, ok, profile.scrub(message), profile.provider, exit_code)

    provider: Provider | None = None
    try:
        provider = build_provider(profile, **build_kwargs)
        return result(True, await provider.check())
    except ConfigError as exc:
        return result(False, str(exc), exc.exit_code)
    except ProviderError as exc:
        return result(False, _reason(exc), exc.exit_code)
    except ImportError as exc:
        return result(False, f"the {profile.provider} adapter cannot be loaded ({exc})", 1)
    except Exception as exc:
        return result(False, f"unexpected error: {type(exc).__name__}: {exc}", 1)
    finally:
        if provider is not None:
            with contextlib.suppress(Exception):
                await provider.aclose()


async def check_profiles(profiles: Iterable[ProviderProfile], **build_kwargs: Any) -> Sequence[CheckResult]:
    """``check_profile`` for each profile, concurrently, in the given order."""
    import asyncio

    return await asyncio.gather(*(check_profile(p, **build_kwargs) for p in profiles))
