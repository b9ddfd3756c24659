"""Outbound HTTP to addresses users give us (webhook endpoints, topic feeds): public addresses
only, one deadline per attempt.

A user-given URL can name the cloud metadata service, loopback, the private network, the
gateway or a worker itself in many spellings (``2130706433``, ``0x7f.1``,
``[::ffff:127.0.0.1]``, a name that resolves there, a redirect, DNS that answers differently
between check and connect). So the host is resolved once, every address it resolves to must be
public (or inside a network the operator allows), the connection goes to the checked address
(pinned), and no redirect is followed unchecked (``fetch`` follows a few, each checked like the
first). A deadline covers the whole attempt (connect, TLS, request, the answer's head): a timer
shuts the socket down, so an endpoint that drips a byte a second cannot hold a sender.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]
"""host, port -> the addresses it names (``socket.getaddrinfo`` in production)."""

# Not covered by ``is_global`` in every Python version, and able to carry an internal IPv4
# address: NAT64, 6to4, multicast (which ``is_global`` calls public).
NEVER = [ipaddress.ip_network(n) for n in ("64:ff9b::/96", "64:ff9b:1::/48", "2002::/16",
                                           "224.0.0.0/4", "ff00::/8")]


class Refused(ValueError):
    """The URL is not one we send to; the message is safe to show its owner."""


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return [str(info[4][0]) for info in infos]


def networks(names: Sequence[str]) -> list[Network]:
    """The operator's allowance (``egress_allow``), e.g. ``["127.0.0.0/8", "::1/128"]``."""
    return [ipaddress.ip_network(name, strict=False) for name in names]


def permitted(address: Address, allow: Sequence[Network] = ()) -> bool:
    """Public, or inside a network the operator allows; an IPv4-mapped IPv6 address is judged
    as the IPv4 address it carries."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in net for net in allow if net.version == address.version):
        return True
    if any(address in net for net in NEVER if net.version == address.version):
        return False
    return address.is_global and not (address.is_multicast or address.is_reserved
                                      or address.is_unspecified or address.is_link_local)


def literal(host: str) -> Address | None:
    """The address a host written as a number names, in any spelling the C library accepts
    (``127.1``, ``2130706433``, ``0x7f000001``, ``0177.0.0.1``, ``[::ffff:7f00:1]``)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, UnicodeError, ValueError):
        return None


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``address``) and what to ask for there."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def check(url: str, resolve: Resolver, allow: Sequence[Network] = ()) -> Target:
    """The pinned target of ``url``; raises Refused unless every address of its host is
    permitted (a name with one private answer among public ones is refused)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("only http and https URLs with a host are accepted")
    if parts.username or parts.password:
        raise Refused("credentials in the URL are not accepted")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused("the URL's port is not a number from 1 to 65535") from None
    host = parts.hostname
    fixed = literal(host)
    found = [fixed] if fixed is not None else [a for a in map(_parse, resolve(host, port)) if a]
    if not found:
        raise Refused(f"{host} does not resolve")
    if not all(permitted(address, allow) for address in found):
        raise Refused(f"{host} is not a public address; only public addresses are reached")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, str(found[0]))


def _parse(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return None


class Timeout(Exception):
    """The endpoint did not answer within the attempt's deadline."""


class TooLarge(Exception):
    """The answer's body is longer than the caller accepts."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    location: str | None  # a redirect's target, as the server wrote it


def post(target: Target, body: bytes, headers: dict[str, str], deadline_s: float) -> int:
    """POST ``body`` to the pinned address; the status code of the answer. Raises Timeout
    past the deadline and OSError (or http.client's errors) when no answer can be read."""
    return request("POST", target, headers, deadline_s, body=body).status


def fetch(url: str, resolve: Resolver, allow: Sequence[Network], deadline_s: float,
          max_bytes: int, redirects: int = 3) -> Answer:
    """GET a user-given URL within one deadline, following up to ``redirects`` redirects, each
    target checked (Refused) and pinned like the first. Raises TooLarge past ``max_bytes``."""
    started = time.monotonic()
    for _ in range(redirects + 1):
        target = check(url, resolve, allow)
        left = deadline_s - (time.monotonic() - started)
        if left <= 0:
            raise Timeout(f"no answer within {deadline_s:g}s")
        answer = request("GET", target, {"Accept": "*/*"}, left, max_bytes=max_bytes)
        if answer.status not in (301, 302, 303, 307, 308) or not answer.location:
            return answer
        url = urljoin(url, answer.location)
    raise Refused(f"more than {redirects} redirects")


def request(method: str, target: Target, headers: dict[str, str], deadline_s: float,
            body: bytes = b"", max_bytes: int = 64 * 1024) -> Answer:
    """One request to the pinned address, its answer read up to ``max_bytes`` (the body is
    the caller's only when the answer fits: TooLarge otherwise, for a GET)."""
    started = time.monotonic()
    try:
        sock = socket.create_connection((target.address, target.port), timeout=deadline_s)
    except TimeoutError:
        raise Timeout(f"no answer within {deadline_s:g}s") from None
    expired = threading.Event()

    def cut() -> None:
        expired.set()
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    timer = threading.Timer(max(0.0, deadline_s - (time.monotonic() - started)), cut)
    timer.start()
    try:
        stream: socket.socket = sock
        if target.scheme == "https":
            stream = ssl.create_default_context().wrap_socket(sock, server_hostname=target.host)
        conn = http.client.HTTPConnection(target.host, target.port)
        conn.sock = stream
        conn.request(method, target.path, body=body or None, headers=headers)
        response = conn.getresponse()
        content = response.read(max_bytes + 1)
        if method == "GET" and len(content) > max_bytes:
            raise TooLarge(f"the answer is larger than {max_bytes:,} bytes")
        return Answer(response.status, content[:max_bytes], response.getheader("Location"))
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set() or isinstance(exc, TimeoutError):
            raise Timeout(f"no answer within {deadline_s:g}s") from None
        raise
    finally:
        timer.cancel()
        sock.close()
