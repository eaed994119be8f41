"""Sphinx configuration of the course website (make site; helpers/course/authoring/site.py writes the pages)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "Recurrent neural networks — an open, autograded course"
author = "the course authors"
extensions = [
    "myst_nb",                  # notebooks and MyST markdown pages
    "sphinx_design",            # tabs (one per track) and the dropdowns of written answers
    "sphinx-mathjax-offline",   # MathJax 3 shipped in _static: math typesets with no network
    "track_tabs",               # each chapter's two tracks in tabs
]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

nb_execution_mode = "off"                # the outputs are the solved notebooks'
nb_code_prompt_show = "Show solution"    # answer cells carry the hide-input tag
nb_code_prompt_hide = "Hide solution"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 4                 # the README's (#budgets) links

html_theme = "sphinx_book_theme"
html_title = "RNN course"
html_theme_options = {
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "use_download_button": False,   # a page's source is the build's own notebook, not a chapter
}
html_show_sourcelink = False
html_copy_source = False
