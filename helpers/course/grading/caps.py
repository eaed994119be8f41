"""Caps on every graded kernel: memory, processes, threads and time.

A student's notebook runs in a kernel that nbgrader starts. Here each kernel
starts inside caps, so one student's code cannot hurt the class being graded:

- **memory**: a cgroup (v1 memory controller) per kernel, below the cgroup the
  grading process runs in; the kernel is killed by the kernel's OOM killer when
  it goes over the cap. Without a writable cgroup, ``RLIMIT_AS`` (allocations
  past the cap raise ``MemoryError``).
- **processes and threads**: a cgroup (v1 pids controller) per kernel; a fork
  bomb or runaway threads get ``BlockingIOError`` / ``can't start new thread``.
  ``RLIMIT_NPROC`` is the fallback, which the kernel does not enforce for root.
- **threads per library**: ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``,
  ``OPENBLAS_NUM_THREADS`` (NumPy and PyTorch intra-op) and
  ``TF_NUM_INTRAOP_THREADS`` / ``TF_NUM_INTEROP_THREADS`` in the kernel's
  environment, so N kernels graded at once on N cores do not fight.
- **time**: the per-cell timeout and the per-notebook wall-clock cap are
  enforced by :class:`helpers.course.grading.guarded.GuardedExecute`.
- **the sandbox** (:mod:`helpers.course.grading.sandbox`, on by default): the kernel runs
  in bubblewrap namespaces with no network and no view of the course, talking to
  nbgrader over Unix sockets; the cgroups above hold everything inside it.

Every process left in a kernel's cgroups is killed when the kernel shuts down,
and the cgroups are removed.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer, Unicode

from helpers.course.grading import sandbox as sandboxes

CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_PREFIX = "rnn-kernel-"
GIB = 2 ** 30
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")

# Measured 2026-12-01 by `make bench` on this 2-core machine while other authors'
# jobs kept it busy (load average ~6): the slowest solution cell of chapters 01-04
# and 07 took 24.3 s (04_stacking/keras, training the stacked classifier; every
# other cell <= 17.1 s), the slowest solution notebook 82.3 s end to end (the
# same one), and the largest kernel peaked at 0.43 GiB (the same one again).
# `make bench` prints the slowest cell again, to re-check after a chapter is added.
SLOWEST_SOLUTION_CELL_S = 24.3
SLOWEST_SOLUTION_NOTEBOOK_S = 82.3
# Per cell: 5x the slowest solution cell (122 s: a slower laptop, N kernels
# sharing the cores), rounded up to 150 s; then the cell is interrupted.
CELL_TIMEOUT_S = 150
# Per notebook: 7.3x the slowest solution notebook, 600 s: room for one cell to
# time out and the rest of the notebook to still run.
NOTEBOOK_TIMEOUT_S = 600
# Memory per kernel: 4.6x the largest peak of a solution kernel.
MEMORY_CAP_BYTES = 2 * GIB
# Processes + threads per kernel: a process that trains Keras and PyTorch models with
# the thread caps below runs 6 threads (measured 2026-12-01), ipykernel adds a few;
# 256 leaves room for data-loader workers and still stops a fork or thread bomb.
PROCESS_CAP = 256


@dataclass(frozen=True)
class Limits:
    """The caps each graded kernel runs under (picklable: it travels with a task)."""

    cell_timeout: int = CELL_TIMEOUT_S
    notebook_timeout: int = NOTEBOOK_TIMEOUT_S
    memory_bytes: int = MEMORY_CAP_BYTES
    processes: int = PROCESS_CAP
    threads: int = 1
    sandbox: bool = True   # helpers.course.grading.sandbox; off only when asked for (--no-sandbox)
    judge: bool = True     # test cells judged outside the kernel (helpers.course.grading.judge)

    def __post_init__(self):
        for name in ("cell_timeout", "notebook_timeout", "memory_bytes", "processes", "threads"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")
        for name in ("sandbox", "judge"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if self.notebook_timeout < self.cell_timeout:
            raise ValueError(f"notebook_timeout ({self.notebook_timeout} s) must be >= "
                             f"cell_timeout ({self.cell_timeout} s)")

    def with_threads(self, threads: int) -> "Limits":
        return replace(self, threads=threads)

    def describe(self) -> str:
        memory, processes = mechanisms()
        return (f"cell timeout {self.cell_timeout} s, notebook cap {self.notebook_timeout} s, "
                f"memory {self.memory_bytes / GIB:.1f} GiB ({memory}), "
                f"{self.processes} processes/threads ({processes}), {self.threads} thread(s) per library, "
                + ("sandboxed (bubblewrap: no network, no view of the course)" if self.sandbox
                   else "NOT SANDBOXED")
                + (", test cells judged outside the kernel" if self.judge
                   else ", test cells run IN THE STUDENT'S KERNEL (no judge)"))


def threads_for(jobs: int, cores: int | None = None) -> int:
    """Threads each of ``jobs`` kernels may use on a machine with ``cores`` cores."""
    return max(1, (cores or os.cpu_count() or 1) // max(1, jobs))


def kernel_environment(limits: Limits, base: dict | None = None) -> dict[str, str]:
    """The environment of a graded kernel: ``base`` with the thread caps set."""
    env = dict(os.environ if base is None else base)
    # ipykernel stops capturing C-level output when it sees pytest's variable
    env.pop("PYTEST_CURRENT_TEST", None)
    env.pop("RNN_COURSE_SECRET", None)   # the hidden tests' secret never reaches student code
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("TQDM_DISABLE", "1")
    env.setdefault("MPLBACKEND", "agg")
    env.update({name: str(limits.threads) for name in THREAD_VARIABLES})
    return env


# --- cgroups -------------------------------------------------------------------

def own_cgroup(controller: str) -> Path | None:
    """This process's cgroup folder of a v1 ``controller``, or None."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if controller in controllers.split(","):
                folder = CGROUP_ROOT / controller / path.lstrip("/")
                return folder if folder.is_dir() else None
    return None


def _writable(folder: Path | None) -> bool:
    return folder is not None and os.access(folder, os.W_OK)


def mechanisms() -> tuple[str, str]:
    """How memory and processes are capped on this machine."""
    memory = "cgroup v1" if _writable(own_cgroup("memory")) else "RLIMIT_AS"
    processes = "cgroup v1 pids" if _writable(own_cgroup("pids")) else "RLIMIT_NPROC"
    return memory, processes


class KernelCgroups:
    """The memory and pids cgroups of one kernel (absent controllers are skipped)."""

    def __init__(self, limits: Limits, name: str | None = None):
        # the creating process's id in the name: a cgroup is stale only once its creator is gone
        self.name = name or f"{CGROUP_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.folders: dict[str, Path] = {}
        for controller, required, optional in (
                ("memory", {"memory.limit_in_bytes": limits.memory_bytes},
                 {"memory.memsw.limit_in_bytes": limits.memory_bytes, "memory.swappiness": 0}),
                ("pids", {"pids.max": limits.processes}, {})):
            parent = own_cgroup(controller)
            if not _writable(parent):
                continue
            folder = parent / self.name
            try:
                folder.mkdir()
                for setting, value in required.items():
                    (folder / setting).write_text(str(value))
            except OSError:
                remove_cgroup(folder)
                continue
            for setting, value in optional.items():  # swap accounting may be off
                with contextlib.suppress(OSError):
                    (folder / setting).write_text(str(value))
            self.folders[controller] = folder

    def read(self, controller: str, name: str) -> str:
        with contextlib.suppress(OSError, KeyError):
            return (self.folders[controller] / name).read_text()
        return ""

    def counter(self, controller: str, name: str, key: str) -> int:
        """A ``key value`` line of a cgroup file (memory.oom_control, pids.events)."""
        for line in self.read(controller, name).splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == key:
                return int(parts[1])
        return 0

    def oom_kills(self) -> int:
        return self.counter("memory", "memory.oom_control", "oom_kill")

    def process_cap_hits(self) -> int:
        return self.counter("pids", "pids.events", "max")

    def peak_memory(self) -> int:
        text = self.read("memory", "memory.max_usage_in_bytes").strip()
        return int(text) if text else 0

    def remove(self) -> None:
        """Kill every process left in the cgroups, then remove them."""
        for folder in self.folders.values():
            remove_cgroup(folder)
        self.folders = {}


def remove_cgroup(folder: Path, timeout: float = 10.0) -> bool:
    """Kill what runs in ``folder`` (a cgroup) and remove it; True when it is gone."""
    deadline = time.monotonic() + timeout
    while folder.exists() and time.monotonic() < deadline:
        try:
            pids = [int(p) for p in (folder / "cgroup.procs").read_text().split()]
        except OSError:
            pids = []
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        try:
            folder.rmdir()
        except OSError:
            time.sleep(0.05)  # the killed processes are still being reaped
    return not folder.exists()


def creator_alive(folder: Path) -> bool:
    """Is the process that made the kernel cgroup ``folder`` still running?"""
    pid = folder.name[len(CGROUP_PREFIX):].split("-")[0]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def remove_stale_cgroups() -> list[Path]:
    """Remove the kernel cgroups that crashed grading processes left behind.

    Other grading runs may share the parent cgroup: a cgroup whose creating
    process still runs is never touched.
    """
    removed = []
    for controller in ("memory", "pids"):
        parent = own_cgroup(controller)
        if not _writable(parent):
            continue
        for folder in parent.glob(f"{CGROUP_PREFIX}*"):
            if not creator_alive(folder) and remove_cgroup(folder, timeout=2.0):
                removed.append(folder)
    return removed


# --- starting a kernel inside the caps -----------------------------------------

def launch_command(cmd: list[str], cgroups: KernelCgroups, limits: Limits,
                   ignore_interrupt: bool = False) -> list[str]:
    """``cmd`` wrapped so that it runs inside ``cgroups`` (or under rlimits).

    ``ignore_interrupt``: ``cmd`` (the sandbox) ignores SIGINT, so that jupyter_client's
    interrupt, sent to the whole process group, reaches the kernel inside and leaves
    bwrap running."""
    wrapper = [sys.executable, "-m", "helpers.course.grading.caps"]
    if ignore_interrupt:
        wrapper += ["--ignore-sigint", "1"]
    for folder in cgroups.folders.values():
        wrapper += ["--cgroup", str(folder)]
    if "memory" not in cgroups.folders:
        wrapper += ["--rlimit-as", str(limits.memory_bytes)]
    if "pids" not in cgroups.folders:
        wrapper += ["--rlimit-nproc", str(limits.processes)]
    return [*wrapper, "--", *cmd]


def enter_and_exec(argv: list[str]) -> None:
    """``python -m helpers.course.grading.caps [--cgroup DIR]... [--rlimit-as N] [--rlimit-nproc N] -- CMD``."""
    if "--" not in argv:
        raise SystemExit("usage: python -m helpers.course.grading.caps [--cgroup DIR]... -- CMD...")
    split = argv.index("--")
    options, cmd = argv[:split], argv[split + 1:]
    for flag, value in zip(options[::2], options[1::2]):
        if flag == "--cgroup":
            Path(value, "cgroup.procs").write_text(str(os.getpid()))
        elif flag == "--rlimit-as":
            resource.setrlimit(resource.RLIMIT_AS, (int(value), int(value)))
        elif flag == "--rlimit-nproc":
            resource.setrlimit(resource.RLIMIT_NPROC, (int(value), int(value)))
        elif flag == "--ignore-sigint":
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # inherited by the exec'd program
        else:
            raise SystemExit(f"unknown option {flag}")
    os.execv(cmd[0], cmd)


class CappedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels start inside the caps of :class:`Limits`."""

    memory_bytes = Integer(MEMORY_CAP_BYTES, help="memory cap of the kernel").tag(config=True)
    processes = Integer(PROCESS_CAP, help="processes + threads cap of the kernel").tag(config=True)
    threads = Integer(1, help="threads each numeric library may use").tag(config=True)
    sandbox = Bool(False, help="run the kernel in the bubblewrap sandbox "
                               "(helpers/course/grading/sandbox.py)").tag(config=True)
    kernel_log = Unicode("", help="file for the kernel's own stdout/stderr (C-level library "
                                  "logs); empty: inherit the grading process's").tag(config=True)
    cgroups: KernelCgroups | None = None
    runtime_dir: str | None = None

    @property
    def limits(self) -> Limits:
        return Limits(memory_bytes=self.memory_bytes, processes=self.processes, threads=self.threads,
                      sandbox=self.sandbox)

    async def _async_pre_start_kernel(self, **kw):
        if self.sandbox:  # Unix sockets in a private folder: the kernel has no network
            sandboxes.require()
            if self.runtime_dir is None:
                self.runtime_dir = tempfile.mkdtemp(prefix="rnn-kernel-")
            name = f"kernel-{uuid.uuid4().hex[:12]}"
            self.transport = "ipc"
            self.connection_file = os.path.join(self.runtime_dir, f"{name}.json")
            self.ip = os.path.join(self.runtime_dir, f"{name}-ipc")
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        limits = self.limits
        if self.cgroups is not None:  # a restart: the old kernel is gone
            self.cgroups.remove()
        self.cgroups = KernelCgroups(limits)
        kw["env"] = kernel_environment(limits, kw.get("env"))
        if self.sandbox:  # the kernel reads its sockets' paths as they are inside
            inside = sandboxes.inside_connection_file(self.connection_file)
            kernel_cmd = sandboxes.command(
                [inside if arg == self.connection_file else arg for arg in kernel_cmd],
                kw.get("cwd") or os.getcwd(), self.runtime_dir, kw["env"])
        with contextlib.ExitStack() as files:
            if self.kernel_log:  # TensorFlow's C-level log lines stay out of the terminal
                kw["stdout"] = kw["stderr"] = files.enter_context(open(self.kernel_log, "ab"))
            await super()._async_launch_kernel(
                launch_command(kernel_cmd, self.cgroups, limits, ignore_interrupt=self.sandbox), **kw)

    def exit_reason(self) -> str:
        """Why the kernel process ended, in words (call after it died)."""
        if self.cgroups is not None and self.cgroups.oom_kills():
            return (f"it was stopped for using more memory than the "
                    f"{self.memory_bytes / GIB:.1f} GiB cap")
        process = getattr(self.provisioner, "process", None)
        code = process.poll() if process is not None else None
        if code is None:
            return "it stopped responding"
        if self.sandbox and code > 128:  # bwrap exits with 128 + the signal that ended the kernel
            code = 128 - code
        if code < 0:
            name = signal.Signals(-code).name
            what = {"SIGSEGV": ": a segmentation fault", "SIGKILL": ": killed",
                    "SIGABRT": ": aborted", "SIGBUS": ": a bus error"}.get(name, "")
            return f"it was ended by signal {name}{what}"
        return f"it exited with code {code} (os._exit, sys.exit from C code or a crash)"

    async def cleanup_resources(self, restart: bool = False) -> None:
        await super().cleanup_resources(restart=restart)
        if self.cgroups is not None and not restart:
            self.cgroups.remove()
        if self.runtime_dir is not None and not restart:
            shutil.rmtree(self.runtime_dir, ignore_errors=True)
            self.runtime_dir = None


if __name__ == "__main__":
    enter_and_exec(sys.argv[1:])
