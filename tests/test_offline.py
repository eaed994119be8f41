"""Tests for helpers.offline: the guard that keeps the course off the network."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from helpers import offline
from helpers.offline import NetworkAccessError, install, is_local, uninstall, write_ipython_startup

TEST_NET = "203.0.113.1"  # TEST-NET-3 (RFC 5737): documentation only, never routed


def _current():
    return {"connect": socket.socket.connect, "connect_ex": socket.socket.connect_ex,
            "getaddrinfo": socket.getaddrinfo, "gethostbyname": socket.gethostbyname,
            "gethostbyname_ex": socket.gethostbyname_ex}


@pytest.fixture(scope="module", autouse=True)
def guard_state_is_restored():
    """After this module the guard is exactly as it was before (installed or not)."""
    was_installed, before = bool(offline._original), _current()
    yield
    assert bool(offline._original) == was_installed, "a test left the guard (un)installed"
    assert _current() == before, "a test left the socket functions changed"


@pytest.fixture
def no_guard():
    """Remove the guard for one test; yield the real socket functions.

    A conftest may install the guard for the whole session: it is put back
    afterwards, whatever the test did.
    """
    was_installed = bool(offline._original)
    uninstall()
    try:
        yield _current()
    finally:
        uninstall()
        if was_installed:
            install()


@pytest.fixture
def guard(no_guard):
    install()
    yield


@pytest.fixture
def listener():
    """A TCP server on 127.0.0.1 (port chosen by the OS)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(5)
    try:
        yield server
    finally:
        server.close()


# --------------------------------------------------------------------------
# is_local
# --------------------------------------------------------------------------

@pytest.mark.parametrize("host", [
    "127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST", "localhost.localdomain",
    "ip6-localhost", None, "", b"127.0.0.1", b"localhost", "::ffff:127.0.0.1",
])
def test_is_local_true(host):
    assert is_local(host) is True


@pytest.mark.parametrize("host", [
    "example.com", "8.8.8.8", TEST_NET, "2001:db8::1", "::ffff:8.8.8.8", "fe80::1%eth0",
    "localhost.example.com", "10.0.0.1", b"example.com", "pypi.org",
])
def test_is_local_false(host):
    assert is_local(host) is False


def test_network_access_error_is_an_oserror():
    # code that handles connection failures (except OSError) handles it too
    assert issubclass(NetworkAccessError, OSError)


# --------------------------------------------------------------------------
# install: the network is refused, quickly and with a clear message
# --------------------------------------------------------------------------

def test_connect_to_a_remote_address_is_refused_quickly(guard):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(3)  # were the guard missing, the test fails with a timeout, not a hang
        start = time.perf_counter()
        with pytest.raises(NetworkAccessError, match=r"network access to '203\.0\.113\.1' is blocked"):
            sock.connect((TEST_NET, 80))
        assert time.perf_counter() - start < 0.5


def test_connect_ex_to_a_remote_address_is_refused(guard):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(3)
        with pytest.raises(NetworkAccessError, match="offline"):
            sock.connect_ex((TEST_NET, 443))


def test_ipv6_connect_to_a_remote_address_is_refused(guard):
    if not socket.has_ipv6:
        pytest.skip("no IPv6 support in this Python")
    try:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    except OSError:
        pytest.skip("IPv6 sockets unavailable")
    with sock:
        sock.settimeout(3)
        with pytest.raises(NetworkAccessError):
            sock.connect(("2001:db8::1", 80, 0, 0))


@pytest.mark.parametrize("lookup", [
    lambda: socket.getaddrinfo("example.com", 80),
    lambda: socket.getaddrinfo("8.8.8.8", 53),
    lambda: socket.gethostbyname("example.com"),
    lambda: socket.gethostbyname_ex("example.com"),
    lambda: socket.create_connection(("example.com", 80), timeout=3),
])
def test_name_lookups_are_refused_quickly(guard, lookup):
    start = time.perf_counter()
    with pytest.raises(NetworkAccessError, match="example.com|8.8.8.8"):
        lookup()
    assert time.perf_counter() - start < 0.5


def test_urllib_download_fails_with_the_guard_message(guard):
    with pytest.raises(urllib.error.URLError) as info:
        urllib.request.urlopen("http://example.com/data.csv", timeout=3)
    assert isinstance(info.value.reason, NetworkAccessError)
    assert "runs offline" in str(info.value.reason)


def test_error_message_tells_where_the_data_is(guard):
    with pytest.raises(NetworkAccessError) as info:
        socket.getaddrinfo("example.com", 443)
    message = str(info.value)
    assert "'example.com'" in message and "offline" in message and "helpers.data" in message


# --------------------------------------------------------------------------
# install: local connections still work
# --------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_connection_still_works(guard, listener, host):
    port = listener.getsockname()[1]
    with socket.create_connection((host, port), timeout=5) as client:
        conn, _ = listener.accept()
        with conn:
            client.sendall(b"ping")
            assert conn.recv(4) == b"ping"


def test_loopback_connect_and_connect_ex_still_work(guard, listener):
    port = listener.getsockname()[1]
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as a, \
            socket.socket(socket.AF_INET, socket.SOCK_STREAM) as b:
        a.settimeout(5)
        b.settimeout(5)
        a.connect(("127.0.0.1", port))
        assert b.connect_ex(("127.0.0.1", port)) == 0
        listener.accept()[0].close()


def test_local_name_lookups_still_work(guard):
    assert socket.gethostbyname("localhost").startswith("127.")
    assert socket.gethostbyname_ex("127.0.0.1")[2] == ["127.0.0.1"]
    assert socket.getaddrinfo("127.0.0.1", 80)[0][4][0] == "127.0.0.1"
    assert socket.getaddrinfo(None, 80)  # passive lookup, loopback


def test_unix_sockets_still_work(guard, tmp_path):
    if not hasattr(socket, "AF_UNIX"):
        pytest.skip("no Unix sockets on this platform")
    path = str(tmp_path / "s.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server, \
            socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        server.bind(path)
        server.listen(1)
        client.connect(path)
        conn, _ = server.accept()
        with conn:
            client.sendall(b"ok")
            assert conn.recv(2) == b"ok"


# --------------------------------------------------------------------------
# install / uninstall bookkeeping
# --------------------------------------------------------------------------

def test_install_replaces_and_uninstall_restores_the_socket_functions(no_guard):
    originals = no_guard
    assert originals["getaddrinfo"] is not offline._guarded_getaddrinfo
    assert offline._original == {}
    install()
    patched = _current()
    assert all(patched[name] is not originals[name] for name in originals)
    assert offline._original == originals
    uninstall()
    assert _current() == originals
    assert offline._original == {}


def test_install_twice_then_uninstall_once_restores(no_guard):
    install()
    install()  # must not save the guarded functions as the "originals"
    uninstall()
    assert _current() == no_guard
    uninstall()  # a second uninstall is a no-op
    assert _current() == no_guard


def test_uninstall_without_install_is_a_no_op(no_guard):
    uninstall()
    assert _current() == no_guard


# --------------------------------------------------------------------------
# write_ipython_startup
# --------------------------------------------------------------------------

def test_write_ipython_startup_creates_the_startup_file(tmp_path):
    target = tmp_path / "ipython"
    result = write_ipython_startup(target)
    assert result == target
    startup = target / "profile_default" / "startup" / "00-offline.py"
    assert startup.is_file()
    text = startup.read_text()
    assert "import helpers.offline" in text and "helpers.offline.install()" in text
    # calling it again (an existing folder) is fine and gives the same file
    assert write_ipython_startup(str(target)) == target
    assert startup.read_text() == text


def test_ipython_startup_file_installs_the_guard(tmp_path):
    startup = write_ipython_startup(tmp_path) / "profile_default" / "startup" / "00-offline.py"
    code = (f"exec(open({str(startup)!r}).read())\n"
            "import socket, helpers.offline\n"
            "try:\n"
            "    socket.getaddrinfo('example.com', 80)\n"
            "except helpers.offline.NetworkAccessError:\n"
            "    print('blocked')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.strip() == "blocked"
