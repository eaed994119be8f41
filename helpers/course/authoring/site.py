"""The course website (``make site``): the solved chapters and the README as static web pages.

Sphinx reads the pages with myst-nb, which renders notebooks with the outputs they carry
(nothing is executed: the outputs are those of ``solutions/``). This module writes the pages
into a build folder, never touching ``solutions/``: one notebook per chapter made of its two
solved tracks (``site/_ext/track_tabs.py`` puts each track in a tab), every answer folded behind
"Show solution", and the home, student and instructor pages cut from the README. Then it runs
Sphinx (``site/conf.py``) into ``build/site/html``.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

from helpers.course import notebooks
from helpers.course.authoring.anywhere import repository_url
from helpers.course.nbgrader_runner import REPO

SITE = REPO / "site"
BUILD = REPO / "build" / "site"
TRACKS = {"keras": "Keras", "pytorch": "PyTorch"}
SHOW_SOLUTION = "Show solution"
NBVAL_MARKERS = ("# NBVAL_CHECK_OUTPUT", "# NBVAL_IGNORE_OUTPUT", "# NBVAL_SKIP")
TRACK_IN_TITLE = re.compile(r"\s*\((Keras|PyTorch) track\)\s*$")
HEADING = re.compile(r"^(#{1,6}) (.+)$")


def launch_links(assignment: str, track: str, repository: str, branch: str = "main") -> str:
    """Markdown links that open the released notebook in Colab and in Binder."""
    if track not in TRACKS:
        raise ValueError(f"track must be one of {sorted(TRACKS)}, not {track!r}")
    path = f"chapters/{assignment}/{track}.ipynb"
    owner_repo = repository.removeprefix("https://github.com/")
    colab = f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{path}"
    binder = f"https://mybinder.org/v2/gh/{owner_repo}/{branch}?labpath={path}"
    return f"[Open in Colab]({colab}) · [Launch Binder]({binder}) · the {TRACKS[track]} exercises"


def chapter_title(nb) -> str:
    """``Chapter 04 — Stacking recurrent layers``: the first heading, without its track."""
    first_line = nb.cells[0].source.splitlines()[0]
    match = HEADING.match(first_line)
    if not match or match.group(1) != "#":
        raise ValueError(f"a chapter notebook starts with its '# Chapter NN — title' heading, not {first_line!r}")
    return TRACK_IN_TITLE.sub("", match.group(2))


def folded(cell):
    """A reader's copy of ``cell``: an answer is folded behind "Show solution", checks markers dropped."""
    cell = copy.deepcopy(cell)
    if cell.cell_type == "code":
        cell.source = notebooks.without_lines(cell.source, NBVAL_MARKERS)
        if notebooks.is_answer(cell):
            cell.metadata["tags"] = [*cell.metadata.get("tags", []), "hide-input"]
    elif notebooks.is_answer(cell):
        fence = "`" * max(4, 1 + max((len(m) for m in re.findall(r"`{3,}", cell.source)), default=0))
        cell.source = f"{fence}{{dropdown}} {SHOW_SOLUTION}\n{cell.source}\n{fence}"
    return cell


def track_cells(nb, assignment: str, track: str, repository: str) -> list:
    """The cells of one track, its launch links under its title, its answers folded."""
    cells = [folded(cell) for cell in nb.cells]
    for cell in cells:
        cell.id = f"{track}-{cell.get('id', '')}"   # unique in the page that holds both tracks
    title, _, rest = cells[0].source.partition("\n")
    cells[0].source = f"{title}\n\n{launch_links(assignment, track, repository)}\n{rest}"
    return cells


def chapter_page(solutions: Path, assignment: str, repository: str):
    """One notebook with both solved tracks of ``assignment``, one top-level heading each."""
    tracks = {track: notebooks.read(solutions / assignment / f"{track}.ipynb") for track in TRACKS}
    page = copy.deepcopy(tracks["keras"])
    for nb in tracks.values():
        chapter_title(nb)   # each track starts with its '# Chapter NN — title (X track)' heading
    page.cells = [cell for track, nb in tracks.items()
                  for cell in track_cells(nb, assignment, track, repository)]
    return page


def readme_sections(readme: str) -> dict[str, str]:
    """The README cut at its ``## `` headings (not inside code blocks): title -> text with heading."""
    sections, title, lines, fenced = {}, "", [], False
    for line in readme.splitlines():
        fenced ^= line.startswith("```")
        if not fenced and line.startswith("## "):
            sections[title] = "\n".join(lines)
            title, lines = line[3:].strip(), []
        lines.append(line)
    sections[title] = "\n".join(lines)
    return sections


def linked_to_repository(markdown: str, repository: str) -> str:
    """Relative links of the README (``source/AUTHORING.md``) pointed at the repository."""
    return re.sub(r"\]\((?!https?:|#)([^)]+)\)", lambda m: f"]({repository}/blob/main/{m.group(1)})",
                  markdown)


def course_map(student_path: str, chapters: list[str]) -> str:
    """The README's chapter table, each chapter linked to its page."""
    table = [line for line in student_path.splitlines() if line.startswith("|")]
    if not table:
        raise ValueError("the README's 'Student path' has no chapter table for the course map")
    for name in chapters:
        table = [line.replace(f"| {name} |", f"| [{name}](chapters/{name}.ipynb) |") for line in table]
    return "\n".join(table)


def pages(readme: str, chapters: list[str], repository: str) -> dict[str, str]:
    """The README's pages: home (intro, course map, reading), student and instructor paths."""
    sections = readme_sections(linked_to_repository(readme, repository))
    missing = {"Quickstart", "Student path", "Instructor path"} - set(sections)
    if missing:
        raise ValueError(f"README.md has no '## {sorted(missing)[0]}' section for the site")
    names = list(sections)
    instructor = "\n\n".join(sections[name] for name in names[names.index("Instructor path"):])
    toctree = "\n".join(["```{toctree}", ":hidden:", ":caption: Chapters", "",
                         *(f"chapters/{name}" for name in chapters), "```", "",
                         "```{toctree}", ":hidden:", ":caption: Using the course", "",
                         "student", "instructor", "```"])
    home = "\n\n".join([sections[""], "## Course map",
                        "Each chapter page shows both tracks, Keras and PyTorch, in tabs, with "
                        "the outputs of the solved notebooks; every answer is folded behind "
                        f'"{SHOW_SOLUTION}". Try the exercises yourself first.',
                        course_map(sections["Student path"], chapters),
                        sections.get("Reading the course", ""),
                        "Next: the [student path](student.md) and the [instructor path](instructor.md).",
                        toctree])
    return {"index.md": home,
            "student.md": "# Student path\n\n" + sections["Quickstart"] + "\n\n"
                          + sections["Student path"].replace("## Student path", "## Working on the chapters"),
            "instructor.md": "# Instructor path\n\n" + instructor.replace("## Instructor path", "## Source and build", 1)}


def write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` unless ``path`` holds it already (Sphinx then rebuilds only what changed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def prepare(source: Path, solutions: Path = REPO / "solutions", readme: Path = REPO / "README.md") -> Path:
    """Write every page of the site into ``source``; returns it."""
    import nbformat

    chapters = notebooks.assignments(notebooks.find_notebooks(solutions))
    if not chapters:
        raise FileNotFoundError(f"no solved chapters in {solutions}: run make build first")
    repository = repository_url()
    for name, text in pages(Path(readme).read_text(), chapters, repository).items():
        write_if_changed(source / name, text)
    for assignment in chapters:
        page = chapter_page(Path(solutions), assignment, repository)
        write_if_changed(source / "chapters" / f"{assignment}.ipynb", nbformat.writes(page) + "\n")
    return source


def build_site(out: Path = BUILD, quiet: bool = True) -> Path:
    """Build the website into ``out/html`` (pages in ``out/src``); returns its ``index.html``."""
    from sphinx.cmd.build import build_main

    source = prepare(Path(out) / "src")
    html = Path(out) / "html"
    args = ["-b", "html", "-c", str(SITE), "-W", "--keep-going", *(["-q"] if quiet else []),
            str(source), str(html)]
    if build_main(args) != 0:
        raise RuntimeError(f"Sphinx could not build the site from {source} (its warnings are above)")
    return html / "index.html"
