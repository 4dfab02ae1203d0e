"""Masking storage URLs: the one function every message, repr and printed line goes through."""

from __future__ import annotations

import pytest

from hyperscout.storages._url import hide_secrets, mask_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://hs:pw@db/hs", "postgresql://hs:***@db/hs"),
        ("postgresql://hs:p@ss/w@db:5432/hs", "postgresql://hs:***@db:5432/hs"),  # an unencoded "@" and "/"
        ("postgresql://hs@db/hs?password=pw&sslmode=require", "postgresql://hs@db/hs?password=***&sslmode=require"),
        ("mysql://u@h/d?passwd=a;pwd=b&PASSWORD=c", "mysql://u@h/d?passwd=***;pwd=***&PASSWORD=***"),
        (
            "postgresql://u@h/d?sslpassword=a&client_secret=b&access_token=c",
            "postgresql://u@h/d?sslpassword=***&client_secret=***&access_token=***",
        ),
        ("postgresql://u@h/d?api_key=a&auth=b#frag", "postgresql://u@h/d?api_key=***&auth=***#frag"),
        ("sqlite:///hyperscout.db", "sqlite:///hyperscout.db"),
        ("sqlite:////tmp/a:b@c.db", "sqlite:////tmp/a:b@c.db"),  # a path, not a user
        ("journal:///study.log?fsync=0", "journal:///study.log?fsync=0"),
        ("hs:pw@db/hs", "hs:***@db/hs"),  # the scheme forgotten
        ("postgresql://db/hs?password", "postgresql://db/hs?password"),
    ],
)
def test_mask_url(url: str, shown: str) -> None:
    assert mask_url(url) == shown


def test_hide_secrets_in_a_driver_message() -> None:
    url = "postgresql://hs:s3cr%40t@db/hs?token=t0k3n"
    text = f"could not connect to {url}: password s3cr@t (s3cr%40t) or t0k3n refused"
    out = hide_secrets(text, url)
    assert "s3cr" not in out and "t0k3n" not in out and "db/hs" in out
    assert hide_secrets("nothing here", None) == "nothing here"
