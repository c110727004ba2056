"""Importing gradio in two seconds instead of five: without its type-stub writer.

As each of its component classes is defined, gradio (6.x, `gradio.component_meta`) parses the
class's source file and writes or rewrites a `.pyi` stub beside it (`create_or_modify_pyi`),
so that an editor shows the event methods of a component being developed. The stubs ship in
the wheel already; for an app that only uses the components the work is wasted, and on 2 cores
it is three of the five seconds `import gradio` takes: most of the time between `qa serve` and
its first answer (docs/performance.md). It also writes into site-packages at run time.

`import_gradio()` imports gradio with that one function replaced by one that does nothing.
Everything else is gradio's own. Should a gradio release rename or drop the function, the
import goes on as gradio wrote it (only slower); if gradio is already imported, it is used as
it is.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any

_MODULE = "gradio.component_meta"
_STUB_WRITER = "create_or_modify_pyi"


def _no_stub(*args: Any, **kwargs: Any) -> None:
    """The stub writer's stand-in: the stubs in the installed package are kept as they are."""


class _WithoutStubWriter(importlib.abc.MetaPathFinder):
    """Finds gradio.component_meta as Python would, and swaps its stub writer out as soon as
    the module has run: before any component class is defined."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != _MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            if callable(getattr(module, _STUB_WRITER, None)):
                setattr(module, _STUB_WRITER, _no_stub)

        loader.exec_module = exec_module
        return spec


def import_gradio() -> ModuleType:
    """The gradio module, imported without writing type stubs (see the module's docstring)."""
    if "gradio" in sys.modules:
        return sys.modules["gradio"]
    finder = _WithoutStubWriter()
    sys.meta_path.insert(0, finder)
    try:
        import gradio
    finally:
        sys.meta_path.remove(finder)
    return gradio
