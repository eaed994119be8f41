"""``make hub``: a JupyterHub on localhost for one course, as root.

- real Unix users from a roster (``hub/roster.csv``: ``username,role`` with roles
  instructor, grader, student), homes mode 700, a password each (PAM logs them in);
- the course environment every user runs (``make course-env``), its nbgrader config
  (``<env>/etc/jupyter/nbgrader_config.py``): the exchange folder, one folder per course
  in every student's home (``Exchange.path_includes_course``), course membership from
  the hub's groups (``JupyterHubAuthPlugin``: ``nbgrader-<course>`` for students,
  ``formgrade-<course>`` for the staff);
- each student's server is the student lab plus the Assignment List
  (:data:`helpers.course.labs.profiles.HUB_STUDENT`); the staff's server is the
  instructor lab on the shared course folder, whose formgrader may be framed by the lab
  (JupyterHub >= 4.1 forbids framing by default, nbgrader#1870);
- the gradebook in a throwaway PostgreSQL cluster of its own (Debian's PostgreSQL 15),
  reached over a Unix socket by the staff (peer authentication, one database role).
"""

from __future__ import annotations

import csv
import json
import os
import re
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from helpers.course.labs import profiles
from helpers.course.labs.exchange import setup_exchange

ROLES = ("instructor", "grader", "student")
USERNAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_PORT = 5439
DB_ROLE = "rnn_course"


@dataclass(frozen=True)
class Roster:
    """Who is in the course, by role."""

    instructors: tuple[str, ...]
    graders: tuple[str, ...]
    students: tuple[str, ...]

    @property
    def staff(self) -> tuple[str, ...]:
        return self.instructors + self.graders

    @property
    def everyone(self) -> tuple[str, ...]:
        return self.staff + self.students


def read_roster(path: Path) -> Roster:
    """The roster CSV (columns ``username,role``); a clear ValueError for a bad row."""
    by_role: dict[str, list[str]] = {role: [] for role in ROLES}
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    for number, row in enumerate(rows, start=2):
        name, role = (row.get("username") or "").strip(), (row.get("role") or "").strip()
        if not USERNAME.match(name):
            raise ValueError(f"{path}:{number}: username {name!r} is not a valid Unix user name")
        if role not in ROLES:
            raise ValueError(f"{path}:{number}: role {role!r} must be one of {', '.join(ROLES)}")
        by_role[role].append(name)
    if not by_role["instructor"] or not by_role["student"]:
        raise ValueError(f"{path}: a roster needs at least one instructor and one student")
    return Roster(*(tuple(by_role[role]) for role in ROLES))


@dataclass(frozen=True)
class HubPaths:
    """Everything ``make hub`` keeps, under one root folder."""

    root: Path

    exchange = property(lambda self: self.root / "exchange")
    course = property(lambda self: self.root / "course")
    postgres = property(lambda self: self.root / "postgres")
    socket = property(lambda self: self.root / "pgsocket")
    state = property(lambda self: self.root / "state")
    passwords = property(lambda self: self.root / "state" / "passwords.csv")
    config = property(lambda self: self.root / "state" / "jupyterhub_config.py")


def run(*cmd: str, user: str | None = None, **kwargs) -> subprocess.CompletedProcess:
    """``cmd`` (as ``user`` through runuser), failing with what it printed."""
    full = ["/usr/sbin/runuser", "-u", user, "--", *cmd] if user else list(cmd)
    done = subprocess.run(full, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(full)} failed: {(done.stderr or done.stdout).strip()[-500:]}")
    return done


def exists(kind: str, name: str) -> bool:
    return subprocess.run(["getent", kind, name], capture_output=True).returncode == 0


def staff_group(course_id: str) -> str:
    return f"staff-{course_id}"


def ensure_users(roster: Roster, paths: HubPaths, course_id: str) -> dict[str, str]:
    """Each roster user (home mode 700) with a password (kept in a root-only file); the
    staff in one Unix group that owns the course folder. Returns the passwords."""
    group = staff_group(course_id)
    if not exists("group", group):
        run("groupadd", group)
    passwords = {}
    if paths.passwords.exists():
        with open(paths.passwords, newline="") as handle:
            passwords = {row["username"]: row["password"] for row in csv.DictReader(handle)}
    for name in roster.everyone:
        if not exists("passwd", name):
            run("useradd", "--create-home", "--shell", "/bin/bash", name)
        if name in roster.staff:
            run("usermod", "--append", "--groups", group, name)
        home = Path(os.path.expanduser(f"~{name}"))
        os.chmod(home, 0o700)
        passwords.setdefault(name, secrets.token_urlsafe(9))
        run("chpasswd", input=f"{name}:{passwords[name]}\n")
    paths.state.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(paths.passwords, "w", newline="") as handle:
        os.chmod(paths.passwords, 0o600)
        writer = csv.writer(handle)
        writer.writerow(["username", "password"])
        writer.writerows(sorted(passwords.items()))
    return passwords


def ensure_postgres(paths: HubPaths, roster: Roster) -> str:
    """A PostgreSQL cluster of the hub's own, running; returns the gradebook's URL."""
    if not (paths.postgres / "PG_VERSION").exists():
        paths.postgres.mkdir(parents=True, exist_ok=True)
        shutil.chown(paths.postgres, "postgres", "postgres")
        os.chmod(paths.postgres, 0o700)
        run(str(PG_BIN / "initdb"), "-D", str(paths.postgres), "--auth-local=peer",
            "--auth-host=reject", user="postgres")
        # the staff and root (who runs `grade`) connect as the one gradebook role
        (paths.postgres / "pg_hba.conf").write_text("local all all peer map=course\n")
        (paths.postgres / "pg_ident.conf").write_text(
            "course postgres postgres\n" + "".join(f"course {n} {DB_ROLE}\n"
                                                   for n in ("root", *roster.staff)))
    paths.socket.mkdir(exist_ok=True)
    shutil.chown(paths.socket, "postgres", "postgres")
    os.chmod(paths.socket, 0o755)
    pg_ctl = [str(PG_BIN / "pg_ctl"), "-D", str(paths.postgres)]
    if subprocess.run(["/usr/sbin/runuser", "-u", "postgres", "--", *pg_ctl, "status"],
                      capture_output=True).returncode != 0:
        run(*pg_ctl, "-w", "-l", str(paths.postgres / "server.log"), "-o",
            f"-k {paths.socket} -p {PG_PORT} -c listen_addresses=''", "start", user="postgres")
    psql = ["psql", "-h", str(paths.socket), "-p", str(PG_PORT), "-d", "postgres", "-tAc"]
    if not run(*psql, f"SELECT 1 FROM pg_roles WHERE rolname='{DB_ROLE}'", user="postgres").stdout.strip():
        run(*psql, f"CREATE ROLE {DB_ROLE} LOGIN", user="postgres")
    if not run(*psql, f"SELECT 1 FROM pg_database WHERE datname='{DB_ROLE}'", user="postgres").stdout.strip():
        run(*psql, f"CREATE DATABASE {DB_ROLE} OWNER {DB_ROLE}", user="postgres")
    return gradebook_url(paths)


def gradebook_url(paths: HubPaths) -> str:
    """The gradebook's URL: the staff reach it over the cluster's Unix socket."""
    return f"postgresql+psycopg://{DB_ROLE}@/{DB_ROLE}?host={paths.socket}&port={PG_PORT}"


def hub_nbgrader_config() -> str:
    """What every user's nbgrader adds on a hub to the exchange folder and course id."""
    return ("c.Exchange.path_includes_course = True\n"
            "from nbgrader.auth import JupyterHubAuthPlugin  # noqa: E402\n"
            "c.Authenticator.plugin_class = JupyterHubAuthPlugin\n")


def ensure_course(paths: HubPaths, repo: Path, db_url: str, course_id: str) -> None:
    """The course folder the staff share: this course's source and nbgrader config, the
    gradebook in PostgreSQL, files shared with the staff group (nbgrader's groupshared)."""
    course = paths.course
    course.mkdir(parents=True, exist_ok=True)
    if not (course / "source").exists():
        shutil.copytree(repo / "source", course / "source")
    config = (repo / "nbgrader_config.py").read_text()
    (course / "nbgrader_config.py").write_text(
        config + f"\n# make hub: the gradebook in PostgreSQL, files shared with {staff_group(course_id)}\n"
        f"c.CourseDirectory.db_url = {db_url!r}\nc.CourseDirectory.groupshared = True\n")
    run("chown", "-R", f"root:{staff_group(course_id)}", str(course))
    run("chmod", "-R", "g+rwX,o-rwx", str(course))
    run("find", str(course), "-type", "d", "-exec", "chmod", "g+s", "{}", "+")


def write_lab_configs(paths: HubPaths) -> dict[str, Path]:
    """The students' and the staff's lab config folders (read-only for them; on their
    ``JUPYTER_CONFIG_PATH``, so ``~/.jupyter`` stays their own)."""
    student = profiles.HUB_STUDENT.write_config(paths.root / "labs" / "student")
    staff = profiles.INSTRUCTOR.write_config(paths.root / "labs" / "staff")
    server = json.loads((staff / "jupyter_server_config.json").read_text())
    # the formgrader panel is a frame of the lab: JupyterHub >= 4.1 says "frame-ancestors
    # 'none'" unless the server says otherwise (nbgrader#1870)
    server["ServerApp"]["tornado_settings"] = {
        "headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}
    (staff / "jupyter_server_config.json").write_text(json.dumps(server, indent=2) + "\n")
    # the staff's servers start in their homes: the formgrader finds the course from here
    course_config = paths.course / "nbgrader_config.py"
    (staff / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(paths.course)!r}\n"
        f"load_subconfig({str(course_config)!r})  # noqa: F821\n")
    run("chmod", "-R", "a+rX", str(paths.root / "labs"))
    return {"student": student, "staff": staff}


def hub_config(roster: Roster, paths: HubPaths, env_prefix: Path, labs: dict[str, Path],
               course_id: str, port: int, proxy: Path) -> str:
    """The ``jupyterhub_config.py`` of the course's hub."""
    env_bin = Path(env_prefix) / "bin"
    return f'''# the RNN course's JupyterHub, written by `python -m helpers.course hub` (make hub)
c = get_config()  # noqa: F821
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {port + 1}
c.JupyterHub.db_url = "sqlite:///{paths.state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{paths.state}/jupyterhub_cookie_secret"
c.ConfigurableHTTPProxy.command = ["{proxy}"]
c.ConfigurableHTTPProxy.pid_file = "{paths.state}/proxy.pid"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{port + 2}"
# PAM: the roster's Unix users log in with their Unix passwords
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = {set(roster.everyone)!r}
c.JupyterHub.load_groups = {{
    "formgrade-{course_id}": {{"users": {list(roster.staff)!r}}},
    "nbgrader-{course_id}": {{"users": {list(roster.students)!r}}},
}}
c.Spawner.cmd = ["{env_bin / 'jupyterhub-singleuser'}"]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# nbgrader's JupyterHubAuthPlugin reads the user's groups with the server's token
c.Spawner.server_token_scopes = ["users:activity!user", "access:servers!server", "read:users!user"]
STAFF = {set(roster.staff)!r}


def pre_spawn_hook(spawner):
    staff = spawner.user.name in STAFF
    spawner.notebook_dir = "{paths.course}" if staff else "~"
    spawner.environment.update(
        # read-only lab config of the role; ~/.jupyter stays the user's own (JupyterLab writes there)
        JUPYTER_CONFIG_PATH="{labs['staff']}" if staff else "{labs['student']}",
        PATH="{env_bin}:/usr/bin:/bin", TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="agg")


c.Spawner.pre_spawn_hook = pre_spawn_hook
'''


def setup_hub(roster_path: Path, root: Path, env_prefix: Path, repo: Path, proxy: Path,
              port: int = 8000) -> HubPaths:
    """Users, exchange, gradebook, course folder, lab and hub configs (idempotent)."""
    from helpers.course.grading.classroom import course_settings

    if os.geteuid() != 0:
        raise PermissionError("make hub runs as root: it adds Unix users and spawns their servers")
    if not Path(proxy).is_file():
        raise FileNotFoundError(f"proxy: no configurable-http-proxy at {proxy} (make hub installs it)")
    roster, paths = read_roster(roster_path), HubPaths(Path(root).resolve())
    course_id = course_settings(repo)[1]
    paths.root.mkdir(parents=True, exist_ok=True)
    os.chmod(paths.root, 0o755)
    ensure_users(roster, paths, course_id)
    setup_exchange(paths.exchange, Path(env_prefix) / "etc" / "jupyter", course_id,
                   extra=hub_nbgrader_config())
    db_url = ensure_postgres(paths, roster)
    ensure_course(paths, repo, db_url, course_id)
    labs = write_lab_configs(paths)
    paths.config.write_text(hub_config(roster, paths, env_prefix, labs, course_id, port, proxy))
    return paths
