"""The Gradio web UI: one loaded Index answers every request."""

from __future__ import annotations

import html

from .config import DEFAULT_K, Settings, settings
from .errors import QAError


def build_app(index):
    import gradio as gr

    def answer(question: str, k: int = DEFAULT_K) -> str:
        try:
            hits = index.search(question, k=int(k))
        except QAError as exc:
            return f"<p class='qa-error'>{html.escape(str(exc))}</p>"
        return "".join(
            f"<div class='qa-hit'><h3>{html.escape(h.citation)}</h3>"
            f"<p>{html.escape(h.text)}</p></div>"
            for h in hits
        )

    with gr.Blocks(title="qa") as app:
        question = gr.Textbox(label="Question")
        k = gr.Slider(1, 20, value=DEFAULT_K, step=1, label="Results")
        out = gr.HTML()
        question.submit(answer, [question, k], out, api_name="search")
    return app


def serve(conf: Settings | None = None, host: str = "127.0.0.1", port: int = 7860) -> None:
    from .search import open_index

    index = open_index(conf or settings())
    build_app(index).launch(server_name=host, server_port=port)
