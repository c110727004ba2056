"""gradio imported without its type-stub writer (qa/gradio_import.py)."""

import subprocess
import sys
from pathlib import Path

import qa

ROOT = Path(qa.__file__).parent.parent


def test_the_web_module_imports_gradio_without_writing_stubs():
    # A fresh process: this one may have imported gradio already.
    code = (
        "import time, pathlib, importlib.util\n"
        "spec = importlib.util.find_spec('gradio')\n"
        "folder = pathlib.Path(spec.origin).parent\n"
        "stubs = {p: p.stat().st_mtime_ns for p in folder.rglob('*.pyi')}\n"
        "import qa.web, gradio, gradio.component_meta as meta, qa.gradio_import as gi\n"
        "assert meta.create_or_modify_pyi is gi._no_stub, meta.create_or_modify_pyi\n"
        "assert qa.web.gr is gradio\n"
        "assert gradio.Textbox.EVENTS and hasattr(gradio.Textbox, 'submit')\n"
        "changed = [p for p, t in stubs.items() if p.stat().st_mtime_ns != t]\n"
        "assert not changed, changed\n"
        "print('ok', len(stubs))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("ok ")
    assert int(done.stdout.split()[1]) > 0  # the wheel's own stubs are there, untouched


def test_gradio_already_imported_is_used_as_it_is():
    import gradio

    from qa.gradio_import import import_gradio

    assert import_gradio() is gradio
