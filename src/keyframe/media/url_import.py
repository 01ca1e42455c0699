"""Fetch a URL into storage for a ``KalturaUrlResource``, refusing to be turned against internal addresses.

Only http(s). The host is resolved here and every address it resolves to must be public (not loopback,
private, link-local, multicast, reserved …) unless the host is on the operator's allow-list; the connection
then goes to the address that was checked (the URL's host travels in the Host header and TLS SNI), so a
DNS answer that changes between the check and the connection (rebinding) is never followed. Redirects are
followed by hand, each one checked the same way. The body is streamed into storage and capped at
``max_bytes``; storage writes are atomic, so a refused or failed fetch leaves nothing behind.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from keyframe.storage import Storage

MAX_REDIRECTS = 5
MAX_URL_LENGTH = 4096
_REDIRECTS = (301, 302, 303, 307, 308)
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# IPv4 reached through IPv6: NAT64's well-known prefix (a translator on the path connects to the embedded
# address, internal ones included), the deprecated IPv4-compatible form, and NAT64's local-use prefix.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")
Resolver = Callable[[str, int], list[str]]


class UrlImportError(Exception):
    """The fetch failed or was refused. The message says why, without credentials from the URL."""


class UrlRefused(UrlImportError):
    """The URL may not be fetched (scheme, address, size)."""


@dataclass(frozen=True)
class Fetched:
    size: int
    file_name: str
    content_type: str


def check_url(url: str) -> str:
    """``url`` if it is an http(s) URL with a host; ``UrlRefused`` otherwise (no network access)."""
    if not url or len(url) > MAX_URL_LENGTH or any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise UrlRefused("not a valid URL")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise UrlRefused("only http and https URLs can be imported")
    try:
        port = parts.port
    except ValueError:
        raise UrlRefused("not a valid port") from None
    if not parts.hostname or (port is not None and not 0 < port < 65536):
        raise UrlRefused("the URL has no host")
    return url


def is_public(address: IPAddress) -> bool:
    """Reachable on the public internet: not loopback, private, shared, link-local, multicast, reserved or
    unspecified (an IPv4 address embedded in IPv6 is judged as itself)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if embedded is None and (address in _NAT64 or address in _IPV4_COMPATIBLE):
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public(embedded)
        if address in _LOCAL_NAT64 or address.is_site_local:
            return False
    return address.is_global and not address.is_multicast


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UrlImportError("the host name does not resolve") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _pick_address(host: str, port: int, allowed_hosts: frozenset[str], resolve: Resolver) -> str:
    """The address to connect to. Every address the name has must be allowed: a name with one public and
    one internal address could otherwise be steered to the internal one."""
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolve(host, port)]
    if not addresses:
        raise UrlImportError("the host name does not resolve")
    if host.lower().rstrip(".") not in allowed_hosts and not all(is_public(a) for a in addresses):
        raise UrlRefused("the URL's host is not a public address")
    return str(addresses[0])


def _file_name(response: httpx.Response, url: str) -> str:
    disposition = response.headers.get("content-disposition", "")
    name = ""
    if disposition:
        message = Message()
        message["content-disposition"] = disposition
        name = message.get_filename() or ""
    if not name:
        name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return _SAFE_NAME.sub("_", name)[-200:]


def fetch_into_storage(
    url: str,
    storage: Storage,
    key: str,
    *,
    max_bytes: int,
    allowed_hosts: frozenset[str] | set[str] | list[str] = frozenset(),
    timeout: float = 30,
    max_seconds: float = 4 * 3600,
    resolve: Resolver = system_resolver,
    transport: httpx.BaseTransport | None = None,
) -> Fetched:
    """Fetch ``url`` into ``storage`` under ``key`` (see the module's rules). Raises ``UrlImportError``.

    ``timeout`` bounds each wait (connect, each read); ``max_seconds`` the whole fetch, so a server that
    trickles its body a byte at a time cannot hold a worker for ever."""
    deadline = time.monotonic() + max_seconds
    allowed = frozenset(h.lower().rstrip(".") for h in allowed_hosts)
    current = check_url(url)
    # trust_env=False: a proxy from the environment would make the address check meaningless.
    with httpx.Client(
        timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False, transport=transport
    ) as client:
        for _ in range(MAX_REDIRECTS + 1):
            parts = urlsplit(check_url(current))
            host = parts.hostname or ""
            https = parts.scheme.lower() == "https"
            port = parts.port or (443 if https else 80)
            address = _pick_address(host, port, allowed, resolve)
            netloc = f"[{address}]" if ":" in address else address
            target = parts._replace(netloc=f"{netloc}:{port}").geturl()
            host_header = parts.netloc.rsplit("@", 1)[-1]
            request = client.build_request(
                "GET",
                target,
                headers={"Host": host_header, "Accept-Encoding": "identity"},
                extensions={"sni_hostname": host} if https else {},
            )
            try:
                response = client.send(request, stream=True)
            except httpx.HTTPError as error:
                raise UrlImportError(f"the request failed ({type(error).__name__})") from None
            try:
                if response.status_code in _REDIRECTS and response.headers.get("location"):
                    current = urljoin(current, response.headers["location"])
                    continue
                if response.status_code != 200:
                    raise UrlImportError(f"the server answered HTTP {response.status_code}")
                return _store(response, storage, key, max_bytes, current, deadline)
            finally:
                response.close()
    raise UrlImportError("too many redirects")


def _store(
    response: httpx.Response, storage: Storage, key: str, max_bytes: int, url: str, deadline: float
) -> Fetched:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise UrlRefused(f"the content is larger than {max_bytes} bytes")

    def body() -> Iterator[bytes]:
        received = 0
        try:
            for chunk in response.iter_bytes():
                received += len(chunk)
                if received > max_bytes:
                    raise UrlRefused(f"the content is larger than {max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise UrlImportError("the download took too long")
                yield chunk
        except httpx.HTTPError as error:
            raise UrlImportError(f"the download failed ({type(error).__name__})") from None

    stored = storage.write_stream(key, body())
    content_type = response.headers.get("content-type", "").split(";", 1)[0].strip()
    return Fetched(size=stored.size, file_name=_file_name(response, url), content_type=content_type)
