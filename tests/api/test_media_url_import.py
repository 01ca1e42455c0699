"""fetch_into_storage: http(s) only, public addresses only (unless allowed), connects to the address it
checked, follows redirects with the same checks, caps the size, leaves nothing behind when it fails."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from keyframe.media.url_import import UrlImportError, UrlRefused, check_url, fetch_into_storage, is_public
from keyframe.storage import LocalStorage
from tests.api.media_support import MediaServer, media_server_fixture  # noqa: F401 - a fixture

KEY = "p/1/entries/0_abcdefgh/source-1"


@pytest.fixture
def local(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "storage")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/a",
        "gopher://x",
        "http://",
        "https:///path",
        "java script:x",
        "",
    ],
)
def test_only_http_urls_with_a_host(url: str) -> None:
    with pytest.raises(UrlRefused):
        check_url(url)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:8.8.8.8", True),
        ("2002:7f00:1::", False),  # 6to4 around 127.0.0.1
        ("ff02::1", False),
        ("64:ff9b::7f00:1", False),  # NAT64 around 127.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 around 169.254.169.254
        ("64:ff9b::808:808", True),
        ("64:ff9b:1::a00:1", False),  # NAT64 local-use prefix
        ("::7f00:1", False),  # IPv4-compatible 127.0.0.1
        ("fec0::1", False),  # site-local
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


def test_fetches_from_an_allowed_host(media_server: MediaServer, local: LocalStorage) -> None:
    media_server.files["/clip.mp4"] = b"x" * 5000
    fetched = fetch_into_storage(
        media_server.url("/clip.mp4", host="localhost"),
        local,
        KEY,
        max_bytes=10_000,
        allowed_hosts=["localhost"],
    )
    assert fetched.size == 5000 and fetched.file_name == "clip.mp4"
    assert local.read_bytes(KEY) == b"x" * 5000


def test_loopback_is_refused_unless_allowed(media_server: MediaServer, local: LocalStorage) -> None:
    media_server.files["/a"] = b"secret"
    for host in ("127.0.0.1", "localhost"):
        with pytest.raises(UrlRefused):
            fetch_into_storage(media_server.url("/a", host=host), local, KEY, max_bytes=100)
    assert media_server.requests == []
    assert not local.exists(KEY)


def test_connects_to_the_address_it_checked(media_server: MediaServer, local: LocalStorage) -> None:
    """A name that resolves to a public address first and a private one later (DNS rebinding) is fetched
    from the address that was checked; here the resolver answers loopback only for an allowed name."""
    media_server.files["/a"] = b"ok"
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])
    fetched = fetch_into_storage(
        media_server.url("/a", host="media.test"),
        local,
        KEY,
        max_bytes=100,
        allowed_hosts={"media.test"},
        resolve=lambda _host, _port: next(answers),
    )
    assert fetched.size == 2 and media_server.requests == ["/a"]
    mixed = lambda _host, _port: ["8.8.8.8", "127.0.0.1"]  # noqa: E731
    with pytest.raises(UrlRefused):
        fetch_into_storage(
            media_server.url("/a", host="evil.test"), local, "p/1/x", max_bytes=100, resolve=mixed
        )


def test_redirects_are_checked_too(media_server: MediaServer, local: LocalStorage) -> None:
    media_server.files["/final"] = b"data"
    media_server.redirects["/to-allowed"] = media_server.url("/final", host="localhost")
    media_server.redirects["/to-loopback"] = media_server.url("/final", host="127.0.0.1")
    media_server.redirects["/to-file"] = "file:///etc/passwd"
    media_server.redirects["/loop"] = "/loop"
    allowed = ["localhost"]
    fetched = fetch_into_storage(
        media_server.url("/to-allowed", host="localhost"), local, KEY, max_bytes=100, allowed_hosts=allowed
    )
    assert fetched.size == 4
    for path, error in (("/to-loopback", UrlRefused), ("/to-file", UrlRefused), ("/loop", UrlImportError)):
        with pytest.raises(error):
            fetch_into_storage(
                media_server.url(path, host="localhost"), local, "p/1/y", max_bytes=100, allowed_hosts=allowed
            )
    assert not local.exists("p/1/y")


def test_size_cap_and_http_errors(media_server: MediaServer, local: LocalStorage) -> None:
    media_server.files["/big"] = b"x" * 2000
    url = media_server.url("/big", host="localhost")
    with pytest.raises(UrlRefused):
        fetch_into_storage(url, local, KEY, max_bytes=1000, allowed_hosts=["localhost"])
    assert not local.exists(KEY) and not list((local.root).rglob(".*"))
    with pytest.raises(UrlImportError, match="404"):
        fetch_into_storage(
            media_server.url("/missing", host="localhost"),
            local,
            KEY,
            max_bytes=1000,
            allowed_hosts=["localhost"],
        )


def test_an_unresolvable_host(local: LocalStorage) -> None:
    with pytest.raises(UrlImportError):
        fetch_into_storage("http://does-not-exist.invalid/a", local, KEY, max_bytes=100)


def test_a_trickling_body_is_cut_off_at_the_deadline(local: LocalStorage) -> None:
    """Each read arrives well within the read timeout, but the whole fetch must still end."""

    def trickle() -> Iterator[bytes]:
        for _ in range(50):
            time.sleep(0.05)
            yield b"x"

    transport = httpx.MockTransport(lambda _request: httpx.Response(200, content=trickle()))
    started = time.monotonic()
    with pytest.raises(UrlImportError, match="too long"):
        fetch_into_storage(
            "http://media.test/slow",
            local,
            KEY,
            max_bytes=1000,
            allowed_hosts={"media.test"},
            resolve=lambda _host, _port: ["127.0.0.1"],
            max_seconds=0.3,
            transport=transport,
        )
    assert time.monotonic() - started < 2
    assert not local.exists(KEY)
