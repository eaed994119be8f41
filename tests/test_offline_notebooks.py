"""Invariant 7: a notebook kernel started by the tests cannot reach the network."""

import nbformat

from helpers.course.authoring.execute import execute


def test_a_notebook_that_downloads_fails(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import urllib.request\nurllib.request.urlopen('http://example.com/imdb.npz', timeout=5)")]
    execute(nb, tmp_path, allow_errors=True)
    errors = [o for o in nb.cells[0].outputs if o.output_type == "error"]
    assert errors, "the download went through: the offline guard is not active in kernels"
    assert "runs offline" in errors[0].evalue


def test_a_notebook_can_still_use_localhost(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import socket\nserver = socket.create_server(('127.0.0.1', 0))\n"
        "client = socket.create_connection(server.getsockname(), timeout=5)\nprint('ok')")]
    execute(nb, tmp_path)
    assert nb.cells[0].outputs[0].text.strip() == "ok"
