"""Start the web UI: `python app.py` (GRADIO_SERVER_NAME / GRADIO_SERVER_PORT pick the address)."""

import os

from qa.web import serve

if __name__ == "__main__":
    serve(
        host=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
    )
