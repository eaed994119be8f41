"""The sandbox every graded kernel runs in: bubblewrap (``bwrap``) namespaces.

During autograding, student code runs as the instructor's user. Without a
sandbox it can read ``source/`` and ``solutions/`` (and re-run the solutions),
rewrite the gradebook, reach the network, or write anywhere the instructor can.
A sandboxed kernel runs in its own user, mount, PID, IPC, UTS, cgroup and
**network** namespaces, with no capabilities, and sees only:

- the operating system's ``/usr`` (``/bin``, ``/lib`` as its links) and the few
  files of ``/etc`` that programs need to run (no ``/etc/shadow``), read-only;
- the course's Python environment (the venv, its base interpreter and the
  ``helpers`` package), read-only;
- the folder it grades in (the student's own copy of the submission), read-write,
  as ``/submission``;
- a private, empty ``/tmp`` (also ``HOME``) and its own ``/proc`` and ``/dev``;
- ``/run/kernel``, the folder of its connection file, over which it talks to
  nbgrader through Unix sockets (jupyter_client's ``ipc`` transport: no network).

Nothing else of the machine exists inside: not the course root, its gradebook,
other students' submissions, feedback or the instructor's home. The environment
variables are an allow-list (a database URL with a password never reaches the
kernel). The caps of :mod:`helpers.course.grading.caps` (cgroups) apply to everything
inside, and nbgrader itself (restoring the locked tests, saving the scores) runs
outside, so nothing the kernel does can change what is stored.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import helpers

BWRAP = "bwrap"
# files and folders of /etc that Python, NumPy, TensorFlow and matplotlib read
ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "fonts", "ssl/certs",
       "ca-certificates", "mime.types", "nsswitch.conf", "passwd", "group", "hosts",
       "host.conf", "gai.conf", "protocols", "services", "alternatives")
# environment variables a kernel keeps (names, then prefixes); everything else is dropped
ENV_NAMES = {"PATH", "LANG", "LANGUAGE", "TERM", "PYTHONHASHSEED", "PYDEVD_DISABLE_FILE_VALIDATION",
             "JPY_SESSION_NAME", "CUDA_VISIBLE_DEVICES"}
ENV_PREFIXES = ("LC_", "TF_", "OMP_", "MKL_", "OPENBLAS_", "KERAS_", "MPL", "TQDM_",
                "RNN_COURSE_KERNEL_", "TORCH_", "NUMEXPR_", "PYTHONWARNINGS", "PYTHONUNBUFFERED")
SANDBOX_TMP = "/tmp"
WORKDIR = "/submission"          # where the grading folder appears inside
RUNTIME = "/run/kernel"          # where the kernel's connection folder appears inside


class SandboxUnavailable(RuntimeError):
    """This machine cannot make the sandbox (no bwrap, or no user namespaces)."""


def python_roots() -> list[Path]:
    """The folders the course's Python needs: the venv, its base interpreter, the helpers package."""
    roots = {Path(sys.prefix), Path(sys.base_prefix), Path(helpers.__file__).resolve().parent}
    executable = Path(sys.executable).resolve()
    if not any(executable.is_relative_to(root) for root in roots):
        roots.add(executable.parent)
    return sorted(roots)


def _etc_binds() -> list[str]:
    args = []
    for name in ETC:
        path = Path("/etc") / name
        if path.exists():
            args += ["--ro-bind", str(path), str(path)]
    return args


def _system_binds() -> list[str]:
    """``/usr`` read-only, and ``/bin``, ``/lib``... as the links or folders they are here."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    return args


def environment(env: dict[str, str]) -> dict[str, str]:
    """The allow-listed part of ``env``, with HOME and TMPDIR inside the sandbox."""
    kept = {k: v for k, v in env.items() if k in ENV_NAMES or k.startswith(ENV_PREFIXES)}
    kept.update(HOME=SANDBOX_TMP, TMPDIR=SANDBOX_TMP, MPLCONFIGDIR=f"{SANDBOX_TMP}/matplotlib")
    kept.setdefault("PATH", f"{Path(sys.executable).parent}:/usr/bin:/bin")
    return kept


def inside_connection_file(connection_file: Path | str) -> str:
    """A copy of an ``ipc`` kernel's connection file whose socket paths are the ones the
    kernel sees inside (its folder is :data:`RUNTIME` there); returns the inside path."""
    import json

    outside = Path(connection_file)
    info = json.loads(outside.read_text())
    info["ip"] = f"{RUNTIME}/{Path(info['ip']).name}"
    copy = outside.with_name(f"{outside.stem}-inside.json")
    copy.write_text(json.dumps(info))
    return f"{RUNTIME}/{copy.name}"


def command(cmd: list[str], workdir: Path | str, runtime_dir: Path | str,
            env: dict[str, str] | None = None) -> list[str]:
    """``cmd`` wrapped in bwrap: it runs in ``workdir`` (read-write, :data:`WORKDIR`
    inside), may use ``runtime_dir`` (read-write, :data:`RUNTIME` inside), and sees
    the course's Python read-only, nothing else."""
    workdir, runtime_dir = Path(workdir).resolve(), Path(runtime_dir).resolve()
    args = [shutil.which(BWRAP) or BWRAP, "--unshare-all", "--die-with-parent", "--cap-drop", "ALL",
            *_system_binds(), *_etc_binds(),
            # the private /tmp first: a course checked out below /tmp is bound on top of it
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", SANDBOX_TMP]
    for root in python_roots():
        args += ["--ro-bind", str(root), str(root)]
    args += ["--bind", str(workdir), WORKDIR, "--bind", str(runtime_dir), RUNTIME,
             "--chdir", WORKDIR, "--clearenv"]
    for key, value in sorted(environment(env if env is not None else dict(os.environ)).items()):
        args += ["--setenv", key, value]
    return [*args, "--", *cmd]


@functools.lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """Why no sandbox can be made here, or None when it can (checked once per process)."""
    if sys.platform != "linux":
        return f"the sandbox needs Linux namespaces; this is {sys.platform}"
    if shutil.which(BWRAP) is None:
        return "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    probe = Path(os.environ.get("TMPDIR", "/tmp"))
    try:
        done = subprocess.run(command([sys.executable, "-c", "print('ok')"], probe, probe),
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bwrap could not start: {error}"
    if done.returncode != 0 or done.stdout.strip() != "ok":
        return (f"bwrap cannot make the namespaces here (user namespaces disabled?): "
                f"{(done.stderr or done.stdout).strip()[-300:]}")
    return None


def require() -> None:
    """Raise :class:`SandboxUnavailable` with the reason when no sandbox can be made."""
    reason = unavailable_reason()
    if reason:
        raise SandboxUnavailable(reason)
