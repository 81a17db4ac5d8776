"""What a base URL may be: ``--base-url`` on the command line and ``base_url`` in a profile.

An ``http://`` or ``https://`` URL with a valid host (a DNS name, an IPv4 or a bracketed
IPv6 address) and an optional port (1-65535) and path. Never a user name or password (the
credentials come from the profile, and a URL's userinfo would end up in logs), never a
query string or fragment (the API path is appended to the base URL, and would land inside
them), never whitespace, control characters or backslashes. Messages never repeat the URL:
it may hold a secret. Standard library only (this runs before the first frame).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import urlsplit

_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")
_DOTTED_NUMBERS = re.compile(r"[0-9]+(?:\.[0-9]+){3}")


def base_url_problem(text: str) -> str | None:
    """Why ``text`` cannot be a base URL, or ``None`` when it can. Never repeats ``text``."""
    text = text.strip()
    if not text:
        return "must not be empty"
    if "\\" in text or any(ch.isspace() or not ch.isprintable() for ch in text):
        return "not a valid URL: no spaces, control characters or backslashes"
    try:
        parts = urlsplit(text)
    except ValueError:
        return "not a valid URL"
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return "expected an http:// or https:// URL with a host"
    if "@" in parts.netloc:
        return (
            "must not hold credentials (user:password@): "
            "use token / token_env, or the provider's environment variables"
        )
    if "?" in text or "#" in text:
        return "must not have a query string or fragment (the API path is added after the URL's path)"
    try:
        port = parts.port
    except ValueError:
        return "not a valid URL: the port must be a number from 1 to 65535"
    if port == 0:
        return "not a valid URL: the port must be a number from 1 to 65535"
    host = parts.hostname
    if not host or not _valid_host(host, bracketed=parts.netloc.startswith("[")):
        return "not a valid host name"
    return None


def _valid_host(host: str, *, bracketed: bool) -> bool:
    if bracketed:
        try:
            return ipaddress.ip_address(host).version == 6
        except ValueError:
            return False
    name = host[:-1] if host.endswith(".") else host
    if not name or len(name) > 253:
        return False
    if _DOTTED_NUMBERS.fullmatch(name):  # read as an IPv4 address, so it must be one
        try:
            ipaddress.IPv4Address(name)
        except ValueError:
            return False
        return True
    return all(_valid_label(label) for label in name.split("."))


def _valid_label(label: str) -> bool:
    if label.isascii():
        if not _LABEL.fullmatch(label):
            return False
        if label[:4].lower() != "xn--":
            return True
        try:
            decoded = label[4:].encode("ascii").decode("punycode")
        except UnicodeError:
            return False
        return _valid_unicode_label(decoded)
    return _valid_unicode_label(label)


def _valid_unicode_label(label: str) -> bool:
    """Letters, marks, digits and hyphens in composed form (no symbols or punctuation).

    The finer rules of internationalised names (IDNA 2008: scripts, joiners, direction)
    are the HTTP library's: the provider's builder asks it (see :func:`needs_idna_check`)."""
    if not label or len(label) > 63 or label.startswith("-") or label.endswith("-"):
        return False
    if not unicodedata.is_normalized("NFC", label):
        return False
    return all(ch == "-" or unicodedata.category(ch)[0] in "LMN" for ch in label)


def needs_idna_check(text: str) -> bool:
    """Whether the host of a valid base URL is internationalised (non-ASCII or ``xn--``),
    so that only the HTTP library can say for sure that it is valid."""
    host = urlsplit(text.strip()).hostname or ""
    return not host.isascii() or "xn--" in host.lower()
