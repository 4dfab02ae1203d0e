"""Storage URLs as they may be shown to people: no password, no credential from the query string.

Every message, repr and printed line that names a storage goes through ``mask_url``; text that
comes from elsewhere but may quote the URL (a database driver's error) goes through
``hide_secrets``. Both work on the text alone, without SQLAlchemy, so that they also serve URLs
that SQLAlchemy cannot parse and storages that never import it.

Example:
    >>> mask_url("postgresql://hs:s3cret@db/hs?sslmode=require&password=s3cret")
    'postgresql://hs:***@db/hs?sslmode=require&password=***'
"""

from __future__ import annotations

import re
from urllib.parse import unquote, unquote_plus

__all__ = ["mask_url", "hide_secrets", "MASK"]

#: What a secret is replaced by.
MASK = "***"

# ``scheme://user:password@host...``: the password runs to the LAST "@" before the query, so that
# an unencoded "@" in it is masked whole (at worst a little of the host is masked too). The
# scheme may be missing, so that a mistyped URL ("user:pw@host/db") is masked as well.
_USERINFO = re.compile(r"^(?P<head>[A-Za-z][\w+.-]*://[^:/?#@]*:)(?P<password>.*)@")
_NO_SCHEME = re.compile(r"^(?P<head>[^:/?#@]*:)(?P<password>.*)@")
# Query keys whose values are credentials: password, passwd, pwd, sslpassword, secret,
# client_secret, token, access_token, api_key, private_key, auth, credentials, signature, ...
_SECRET_KEY = re.compile(r"pass|pwd|secret|token|key|auth|credential|sig", re.IGNORECASE)
# Secrets shorter than this are not searched for in free text: replacing every "a" of a message
# would hide the message, not the password.
_MIN_SECRET = 3


def _split(url: str) -> tuple[str, str]:
    """``(everything before the query, the query and fragment with their leading "?"/"#")``."""
    m = re.search(r"[?#]", url)
    return (url[: m.start()], url[m.start() :]) if m else (url, "")


def _query_pairs(tail: str) -> list[tuple[str, str | None]]:
    """The ``key=value`` items of a query (``value`` None for a bare key), in order."""
    query = tail[1:].split("#", 1)[0] if tail.startswith("?") else ""
    pairs: list[tuple[str, str | None]] = []
    for item in re.split(r"[&;]", query):
        key, eq, value = item.partition("=")
        pairs.append((key, value if eq else None))
    return pairs


def _userinfo(main: str) -> re.Match[str] | None:
    return (_USERINFO if re.match(r"[A-Za-z][\w+.-]*://", main) else _NO_SCHEME).match(main)


def _is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(unquote_plus(key)))


def mask_url(url: str | None) -> str:
    """``url`` with its password and every credential in its query string replaced by ``***``.

    Anything that is not a URL comes back unchanged, except a ``user:password@`` in it.

    Example:
        >>> mask_url("mysql://root:pw@localhost/test?ssl_key=/k.pem&charset=utf8")
        'mysql://root:***@localhost/test?ssl_key=***&charset=utf8'
        >>> mask_url("sqlite:///hyperscout.db")
        'sqlite:///hyperscout.db'
    """
    if url is None:
        return "memory"
    text = str(url)
    main, tail = _split(text)
    m = _userinfo(main)
    if m is not None and m.group("password"):
        main = f"{m.group('head')}{MASK}@{main[m.end() :]}"
    if tail.startswith("?"):
        query, hash_, fragment = tail[1:].partition("#")
        items = []
        for item in re.split(r"([&;])", query):
            key, eq, value = item.partition("=")
            items.append(f"{key}={MASK}" if eq and value and _is_secret_key(key) else item)
        tail = "?" + "".join(items) + hash_ + fragment
    return main + tail


def _secrets(url: str) -> set[str]:
    """Every credential ``url`` holds, as written and as decoded."""
    main, tail = _split(url)
    found: list[str] = []
    m = _userinfo(main)
    if m is not None:
        found.append(m.group("password"))
    found += [value for key, value in _query_pairs(tail) if value and _is_secret_key(key)]
    out: set[str] = set()
    for s in found:
        out.update({s, unquote(s), unquote_plus(s)})
    return {s for s in out if len(s) >= _MIN_SECRET}


def hide_secrets(text: str, url: str | None) -> str:
    """``text`` (a driver's error message, say) with every credential of ``url`` in it masked.

    Example:
        >>> hide_secrets("login as hs with s3cret failed", "postgresql://hs:s3cret@db/hs")
        'login as hs with *** failed'
    """
    if not url:
        return text
    if "://" in url or "@" in url:
        text = text.replace(url, mask_url(url))
    for secret in sorted(_secrets(url), key=len, reverse=True):  # longest first: "ab%40c" before "ab"
        text = text.replace(secret, MASK)
    return text
