"""Checking that the links of sources still answer, without ever reaching a private network.

Used by ``manage.py check_sources`` only, never by a public request. Built on
the standard library (``socket``, ``ssl``, ``http.client``) rather than
requests or httpx, which the project does not otherwise need: the checker has
to resolve each host itself, refuse any address that is not public, and then
connect to exactly the address it vetted (so a second DNS answer cannot point
it at an internal service). With ``http.client`` that is a socket we open
ourselves and hand to the connection; redirects are followed by hand so that
every hop is vetted the same way.

Bounds: a thread pool of ``workers``, a per-request ``timeout`` that holds
for the whole request (connecting, the TLS handshake, sending, and every
byte of the answer's head read), a total ``time_limit`` after which the run
stops and reports what it did not check, and one request at a time per host.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from queue import Empty, SimpleQueue
from urllib.parse import quote, urljoin, urlsplit

from django.utils import timezone

USER_AGENT = (
    "OverseasStationTracker-LinkCheck/1.0 "
    "(checks that the sources the tracker cites are still online)"
)

#: Answers that send us elsewhere; followed by hand, each hop vetted.
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

#: Answers to HEAD that mean "ask with GET": not allowed, not implemented, or
#: refused by servers that only dislike HEAD.
HEAD_REFUSED = frozenset({403, 405, 501})

MAX_REDIRECTS = 5

#: The longest result text stored (``Source.url_result``).
RESULT_LENGTH = 200


class AddressRefused(Exception):
    """The link's host resolves to an address the checker may not contact."""


@dataclass(frozen=True)
class LinkResult:
    url: str
    ok: bool
    #: The HTTP status (``"200"``, ``"404 after redirect to …"``) or the error met.
    result: str
    checked_at: datetime


def allowed_networks(values: Iterable[str]) -> list:
    """Networks of non-public addresses the checker may contact (tests: ``127.0.0.1/32``).

    Raises ``ValueError`` naming a value that is not a network.
    """
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ValueError(f"{value!r} is not an IP network (e.g. 127.0.0.1/32).") from None
    return networks


def address_allowed(address: str, allowed=()) -> bool:
    """Whether the checker may connect to ``address``: a public one, or one explicitly allowed."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip.version == network.version and ip in network for network in allowed):
        return True
    return ip.is_global and not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


class LinkChecker:
    """Checks links over HTTP(S) within the bounds given; see the module's docstring."""

    def __init__(
        self,
        *,
        timeout: float = 10,
        time_limit: float = 300,
        workers: int = 8,
        allowed=(),
        user_agent: str = USER_AGENT,
    ):
        self.timeout = timeout
        self.time_limit = time_limit
        self.workers = workers
        self.allowed = list(allowed)
        self.user_agent = user_agent
        self._tls = ssl.create_default_context()
        self._host_locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    def check_all(self, urls: Iterable[str]) -> tuple[dict[str, LinkResult], list[str]]:
        """Check each URL once; return the results and the URLs left unchecked at the time limit.

        Links are grouped by host and each group is checked in turn by one
        worker, so a host gets one request at a time. Workers are daemon
        threads: at the time limit this returns whatever a stalled request is
        still doing, and that request's late answer is dropped.
        """
        urls = list(dict.fromkeys(urls))
        deadline = time.monotonic() + self.time_limit
        groups: dict[str, list[str]] = {}
        for url in urls:
            groups.setdefault(_host_of(url), []).append(url)
        queue: SimpleQueue = SimpleQueue()
        for group in groups.values():
            queue.put(group)
        results: dict[str, LinkResult] = {}
        results_lock = threading.Lock()

        def work():
            while True:
                try:
                    group = queue.get_nowait()
                except Empty:
                    return
                for url in group:
                    if time.monotonic() >= deadline:
                        return
                    result = self.check(url, deadline)
                    with results_lock:
                        results[url] = result

        threads = [
            threading.Thread(target=work, name="linkcheck", daemon=True)
            for _ in range(max(1, min(self.workers, len(groups))))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        with results_lock:
            finished = dict(results)
        return finished, [url for url in urls if url not in finished]

    def check(self, url: str, deadline: float | None = None) -> LinkResult:
        """One link, redirects followed; every failure becomes a result, never an exception."""
        if deadline is None:
            deadline = time.monotonic() + self.time_limit
        try:
            ok, result = self._follow(url, deadline)
        except AddressRefused as refusal:
            ok, result = False, f"refused: {refusal}"
        except TimeoutError:
            ok, result = False, "timed out"
        except ssl.SSLError as error:
            ok, result = False, f"TLS error: {error.reason or error}"
        except socket.gaierror as error:
            ok, result = False, f"unreachable: host not found ({error.strerror})"
        except OSError as error:
            ok, result = False, f"unreachable: {error.strerror or error}"
        except http.client.HTTPException as error:
            ok, result = False, f"bad HTTP answer: {type(error).__name__}"
        except (ValueError, UnicodeError):
            ok, result = False, "not a valid http(s) link"
        return LinkResult(url, ok, result[:RESULT_LENGTH], timezone.now())

    def _follow(self, url: str, deadline: float) -> tuple[bool, str]:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            parts = urlsplit(current)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                return False, "not an http(s) link"
            port = parts.port or (443 if parts.scheme == "https" else 80)
            address = self._resolve(parts.hostname, port)
            with self._host_lock(parts.hostname):
                status, location = self._request("HEAD", parts, port, address, deadline)
                if status in HEAD_REFUSED:
                    status, location = self._request("GET", parts, port, address, deadline)
            if status in REDIRECT_STATUSES and location:
                current = urljoin(current, location)
                continue
            where = f" after redirect to {current}" if current != url else ""
            return 200 <= status < 300, f"{status}{where}"
        return False, f"too many redirects (more than {MAX_REDIRECTS})"

    def _resolve(self, host: str, port: int):
        """The first address of ``host``; refused if any of its addresses is not allowed."""
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        for *_, sockaddr in infos:
            if not address_allowed(sockaddr[0], self.allowed):
                if sockaddr[0] == host.strip("[]"):
                    raise AddressRefused(f"non-public address {host}")
                raise AddressRefused(f"{host} resolves to a non-public address ({sockaddr[0]})")
        return infos[0]

    def _host_lock(self, host: str) -> threading.Lock:
        with self._locks_lock:
            return self._host_locks.setdefault(host.lower(), threading.Lock())

    def _request(self, method, parts, port, address, deadline) -> tuple[int, str | None]:
        # One deadline for the whole request, never past the run's own.
        deadline = min(deadline, time.monotonic() + self.timeout)
        family, _, _, _, sockaddr = address
        sock = socket.socket(family, socket.SOCK_STREAM)
        connection = None
        try:
            # Connect to the vetted address ourselves; http.client only speaks over it.
            sock.settimeout(_time_left(deadline))
            sock.connect(sockaddr)
            host = parts.hostname.encode("idna").decode("ascii")
            if parts.scheme == "https":
                # The handshake runs under one timeout for all its reads and writes.
                sock.settimeout(_time_left(deadline))
                sock = self._tls.wrap_socket(sock, server_hostname=host)
                connection = http.client.HTTPSConnection(host, port)
            else:
                connection = http.client.HTTPConnection(host, port)
            connection.sock = DeadlineSocket(sock, deadline)
            path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
            if parts.query:
                path += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
            connection.request(method, path, headers={"User-Agent": self.user_agent})
            response = connection.getresponse()
            return response.status, response.getheader("Location")
        finally:
            if connection is not None:
                connection.close()
            sock.close()


def _time_left(deadline: float) -> float:
    """Seconds until ``deadline``; TimeoutError once it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


class DeadlineSocket(io.RawIOBase):
    """A connected socket as ``http.client`` uses it, held to one deadline.

    A socket's timeout bounds each read on its own, so a server sending a byte
    every few seconds would hold a request for ever. Here every send and every
    read gets only the time left before the request's deadline, and the first
    one past it raises ``TimeoutError``.
    """

    def __init__(self, sock: socket.socket, deadline: float):
        super().__init__()
        self._sock, self._deadline = sock, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self._sock.settimeout(_time_left(self._deadline))
        return self._sock.recv_into(buffer)

    def sendall(self, data) -> None:
        self._sock.settimeout(_time_left(self._deadline))
        self._sock.sendall(data)

    def makefile(self, mode="rb", *args, **kwargs):
        """The answer's reader (``http.client`` asks for one per response)."""
        return io.BufferedReader(self)

    def close(self) -> None:
        super().close()
        self._sock.close()


def _host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
