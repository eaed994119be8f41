"""Command line: ``python -m helpers.course {setup,build,site,versions,demo,grade,bench,stress,workspace,preview,clean}``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from helpers.course.nbgrader_runner import REPO


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.course", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("setup", help="configure this environment's kernels (make install runs it)")
    build = commands.add_parser("build", help="regenerate chapters/ and solutions/ from source/")
    build.add_argument("--no-execute", action="store_true", help="do not run the solutions")
    build.add_argument("only", nargs="*", help="assignments to rebuild (default: all)")
    site = commands.add_parser("site", help="build the course website from solutions/ and the README")
    site.add_argument("--out", type=Path, default=None, help="build folder (default: build/site)")
    versions = commands.add_parser("versions", help="print the requirements at the oldest supported versions")
    versions.add_argument("--oldest", action="store_true", required=True,
                          help="the dependencies with TensorFlow, Keras and PyTorch at their oldest")
    demo = commands.add_parser("demo", help="grade three students in a throwaway course")
    demo.add_argument("--course", type=Path, default=REPO / "demo-course")
    grade = commands.add_parser("grade", help="grade every submission of an assignment into the gradebook")
    grade.add_argument("assignment", help="e.g. 01_sequential_data")
    grade.add_argument("--course", type=Path, default=REPO,
                       help="the nbgrader course folder (default: this repository)")
    grade.add_argument("--submitted", type=Path, default=None,
                       help="submissions as <student>/<assignment>/*.ipynb (default: COURSE/submitted)")
    grade.add_argument("--jobs", type=int, default=None, help="submissions graded at once (default: cores)")
    grade.add_argument("--scheduler", default=None,
                       help="a Dask scheduler address, e.g. tcp://host:8786, to grade on its workers")
    grade.add_argument("--db", default=None,
                       help="gradebook URL (default: RNN_COURSE_DB or COURSE/gradebook.db), "
                            "e.g. postgresql+psycopg://user@host/db")
    grade.add_argument("--cell-timeout", type=int, default=None, help="seconds per cell")
    grade.add_argument("--notebook-timeout", type=int, default=None, help="seconds per notebook")
    grade.add_argument("--memory-cap", type=float, default=None, help="GiB per kernel")
    grade.add_argument("--process-cap", type=int, default=None, help="processes + threads per kernel")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="UNSAFE: run student code without the bubblewrap sandbox (only where none "
                            "can be made; student code then sees your files and the network)")
    bench = commands.add_parser("bench", help="time every solution notebook and its autograde")
    bench.add_argument("--repeats", type=int, default=3)
    bench.add_argument("--readme", action="store_true", help="write the table into README.md")
    bench.add_argument("--class-size", type=int, default=20, help="submissions in the class measurement")
    stress = commands.add_parser("stress", help="grade the solutions repeatedly with the other cores busy")
    stress.add_argument("--rounds", type=int, default=3)
    stress.add_argument("--track", default="all", help="keras, pytorch or all (default: all)")
    stress.add_argument("--busy", type=int, default=None, help="cores to keep busy (default: all but one)")
    stress.add_argument("only", nargs="*", help="assignments to grade (default: all)")
    workspace = commands.add_parser("workspace", help="copy new chapters into your work folder")
    workspace.add_argument("--folder", type=Path, default=REPO / "work")
    lab = commands.add_parser("lab", help="the student's JupyterLab on a work folder (make lab)")
    lab.add_argument("--folder", type=Path, default=REPO / "work")
    lab.add_argument("--port", type=int, default=None)
    formgrader = commands.add_parser("formgrader", help="the instructor's JupyterLab with the formgrader")
    formgrader.add_argument("--course", type=Path, default=REPO,
                            help="the nbgrader course folder (default: this repository; demo-course after make demo)")
    formgrader.add_argument("--port", type=int, default=None)
    exchange = commands.add_parser("exchange", help="set up the nbgrader exchange of a shared machine")
    exchange.add_argument("root", type=Path, help="the exchange folder, e.g. /srv/nbgrader/exchange")
    exchange.add_argument("--config", type=Path, default=None,
                          help="write everyone's nbgrader_config.py here, e.g. /etc/jupyter")
    hub = commands.add_parser("hub", help="a JupyterHub on localhost for one course (make hub, as root)")
    hub.add_argument("--roster", type=Path, default=REPO / "hub" / "roster.csv",
                     help="CSV of username,role (instructor, grader, student)")
    hub.add_argument("--root", type=Path, default=Path("/srv/rnn-course-hub"),
                     help="where the hub keeps the exchange, course folder, gradebook and state")
    hub.add_argument("--proxy", type=Path, required=True, help="the configurable-http-proxy program")
    hub.add_argument("--port", type=int, default=8000)
    hub.add_argument("--setup-only", action="store_true", help="prepare everything, do not start")
    preview = commands.add_parser("preview", help="build and grade one chapter in a scratch folder")
    preview.add_argument("assignment", help="e.g. 02_hidden_state")
    preview.add_argument("--out", type=Path, default=None)
    clean = commands.add_parser("clean", help="drop repeated grade_ids from submitted notebooks")
    clean.add_argument("folder", type=Path, nargs="?", default=REPO / "submitted")
    args = parser.parse_args(argv)

    if args.command == "setup":
        from helpers.course.kernels import install
        print(f"kernel config: {install()}")
    elif args.command == "build":
        from helpers.course.authoring.anywhere import refresh_install_cells
        from helpers.course.authoring.build import build as run_build
        for ref in refresh_install_cells():
            print(f"source/{ref}: its install cell is now the one pyproject.toml gives")
        run_build(run=not args.no_execute, only=args.only)
    elif args.command == "site":
        from helpers.course.authoring.site import BUILD, build_site
        index = build_site(args.out or BUILD)
        print(f"the course website: {index}\n"
              f"serve it with: python -m http.server --directory {index.parent} 8000")
    elif args.command == "versions":
        from helpers.course.authoring.versions import oldest_requirements
        print("\n".join(oldest_requirements()))
    elif args.command == "demo":
        from helpers.course.authoring.demo import run_demo
        run_demo(args.course)
    elif args.command == "grade":
        from helpers.course.grading.classroom import limits_from, run_grade
        from helpers.course.grading.sandbox import SandboxUnavailable
        limits = limits_from(args.jobs, args.scheduler, args.cell_timeout, args.notebook_timeout,
                             args.memory_cap, args.process_cap, sandbox=not args.no_sandbox)
        try:
            run = run_grade(args.assignment, args.course, args.submitted, args.jobs, args.scheduler,
                            args.db, limits)
        except SandboxUnavailable as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        return 1 if any(f.kind == "grading error" for f in run.faults) else 0
    elif args.command == "bench":
        from helpers.course.measuring.bench import run_bench
        run_bench(args.repeats, write_readme=args.readme, class_size=args.class_size)
    elif args.command == "stress":
        from helpers.course.measuring.stress import run_stress
        track = None if args.track == "all" else args.track
        return 1 if run_stress(args.rounds, track, args.busy, only=args.only) else 0
    elif args.command == "workspace":
        from helpers.course.labs.workspace import sync_workspace
        sync_workspace(REPO / "chapters", args.folder)
    elif args.command == "lab":
        from helpers.course.labs import profiles as labs
        from helpers.course.labs.workspace import sync_workspace
        sync_workspace(REPO / "chapters", args.folder)
        return labs.run(labs.STUDENT, args.folder, args.port)
    elif args.command == "formgrader":
        from helpers.course.labs import profiles as labs
        try:
            course = labs.check_course(args.course)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        return labs.run(labs.INSTRUCTOR, course, args.port)
    elif args.command == "exchange":
        from helpers.course.labs.exchange import setup_exchange
        text = setup_exchange(args.root, args.config)
        where = args.config / "nbgrader_config.py" if args.config else None
        print(f"exchange folder {args.root.resolve()} is ready (mode 777)")
        print(f"every user's nbgrader config: {where}" if where else
              "put these lines into a nbgrader_config.py every user reads (e.g. /etc/jupyter/):\n" + text)
    elif args.command == "hub":
        from helpers.course.labs.hub import setup_hub
        try:
            paths = setup_hub(args.roster, args.root, Path(sys.prefix), REPO, args.proxy, args.port)
        except (ValueError, OSError, RuntimeError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(f"JupyterHub of the course: http://127.0.0.1:{args.port}/ (PAM: Unix user names and "
              f"passwords; the roster's passwords are in {paths.passwords}, readable by root only)")
        print(f"course folder {paths.course}, exchange {paths.exchange}, hub config {paths.config}")
        print(f"grade collected submissions as root: cd {paths.course} && {sys.executable} "
              "-m helpers.course grade <assignment> --course .")
        if args.setup_only:
            return 0
        import os
        jupyterhub = str(Path(sys.executable).parent / "jupyterhub")
        os.chdir(paths.state)
        os.execv(jupyterhub, [jupyterhub, "-f", str(paths.config)])
    elif args.command == "preview":
        from helpers.course.authoring.preview import preview as run_preview
        return 1 if run_preview(args.assignment, args.out) else 0
    elif args.command == "clean":
        from helpers.course.labs.workspace import clean_submissions
        clean_submissions(args.folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
