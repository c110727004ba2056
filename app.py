"""Start the web UI: `python app.py` (GRADIO_SERVER_NAME / GRADIO_SERVER_PORT pick the address)."""

import os
import sys

from qa.errors import QAError


def main() -> None:
    host = os.environ.get("GRADIO_SERVER_NAME") or "127.0.0.1"
    port = os.environ.get("GRADIO_SERVER_PORT") or "7860"
    if not port.isdigit() or not 0 < int(port) < 65536:
        sys.exit(f"Error: GRADIO_SERVER_PORT must be a port number (1-65535), not {port!r}")
    from qa.web import serve

    try:
        serve(host=host, port=int(port))
    except QAError as exc:
        sys.exit(f"Error: {exc}")


if __name__ == "__main__":
    main()
