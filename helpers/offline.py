"""Keep the course offline: refuse every network connection but localhost.

Tests install the guard in-process; notebook kernels started by the tests get
it from an IPython startup file (see :func:`write_ipython_startup`), so a
notebook that tries to download a data set fails loudly instead of hanging.
"""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}
_original = {}


class NetworkAccessError(OSError):
    """Raised when code tries to reach the network during the course's tests."""


def is_local(host) -> bool:
    """True for loopback addresses, local names and Unix sockets."""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode()
    host = str(host).strip("[]").lower()
    if host in _LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    # "::ffff:127.0.0.1" (an IPv4 address on a dual-stack socket) is loopback too
    return (getattr(address, "ipv4_mapped", None) or address).is_loopback


def _refuse(host) -> NetworkAccessError:
    return NetworkAccessError(
        f"network access to {host!r} is blocked: this course runs offline. "
        "Use the data in helpers.data (real IMDB is optional and read from local files).")


def _guarded_connect(self, address, *args):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not is_local(address[0]):
        raise _refuse(address[0])
    return _original["connect"](self, address, *args)


def _guarded_connect_ex(self, address, *args):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not is_local(address[0]):
        raise _refuse(address[0])
    return _original["connect_ex"](self, address, *args)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not is_local(host):
        raise _refuse(host)
    return _original["getaddrinfo"](host, *args, **kwargs)


def _guarded_gethostbyname(host):
    if not is_local(host):
        raise _refuse(host)
    return _original["gethostbyname"](host)


def _guarded_gethostbyname_ex(host):
    if not is_local(host):
        raise _refuse(host)
    return _original["gethostbyname_ex"](host)


def install() -> None:
    """Block non-local connections and name lookups in this process."""
    if _original:
        return
    _original.update(connect=socket.socket.connect, connect_ex=socket.socket.connect_ex,
                     getaddrinfo=socket.getaddrinfo, gethostbyname=socket.gethostbyname,
                     gethostbyname_ex=socket.gethostbyname_ex)
    socket.socket.connect = _guarded_connect
    socket.socket.connect_ex = _guarded_connect_ex
    socket.getaddrinfo = _guarded_getaddrinfo
    socket.gethostbyname = _guarded_gethostbyname
    socket.gethostbyname_ex = _guarded_gethostbyname_ex


def uninstall() -> None:
    """Restore the original socket functions."""
    if not _original:
        return
    socket.socket.connect = _original["connect"]
    socket.socket.connect_ex = _original["connect_ex"]
    socket.getaddrinfo = _original["getaddrinfo"]
    socket.gethostbyname = _original["gethostbyname"]
    socket.gethostbyname_ex = _original["gethostbyname_ex"]
    _original.clear()


def write_ipython_startup(ipython_dir: Path) -> Path:
    """Create an IPython dir whose kernels install the guard at start-up.

    Point ``IPYTHONDIR`` at the returned folder before starting kernels.
    """
    startup = Path(ipython_dir) / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-offline.py").write_text("import helpers.offline\nhelpers.offline.install()\n")
    return Path(ipython_dir)
