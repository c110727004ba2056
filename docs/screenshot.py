"""Start `python app.py`, time it to its first answer, and screenshot the UI in headless Chromium.

    python docs/screenshot.py            # writes docs/screenshot.png and docs/screenshot-phone.png

Prints the seconds from process start to the server answering HTTP and to the first answer
from the search API. Needs Debian's chromium (/usr/bin/chromium) and the `playwright` package
(the test extra). Uses the project's index/ (built first if missing, which takes longer).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("QA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
QUESTION = "How many victims did IOM assist in 2018?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"no answer from {url} after {timeout:.0f} s")


def shrink_png(path: Path, colors: int = 128) -> None:
    """Quantize to a palette: a UI screenshot stays sharp and drops well under 300 KB."""
    from PIL import Image

    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=colors, dither=Image.Dither.NONE).save(
            path, optimize=True
        )


def screenshots(url: str, out_dir: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, viewport in (
                ("screenshot.png", {"width": 1280, "height": 860}),
                ("screenshot-phone.png", {"width": 390, "height": 844}),
            ):
                page = browser.new_page(viewport=viewport, device_scale_factor=1)
                page.goto(f"{url}?q={quote(QUESTION)}")
                page.locator("#qa-results .hit").first.wait_for(timeout=60_000)
                page.locator("#qa-results .hit .cite").first.click()
                page.locator("#qa-reader .rpara.focus").wait_for(timeout=30_000)
                if viewport["width"] < 600:
                    page.evaluate("window.scrollTo(0, 0)")
                page.wait_for_timeout(600)
                path = out_dir / name
                page.screenshot(path=str(path))
                shrink_png(path)
                written.append(path)
                page.close()
        finally:
            browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--no-screenshots", action="store_true", help="only measure timings")
    args = parser.parse_args()

    port = free_port()
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), HF_HUB_OFFLINE="1")
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for_http(url, process, timeout=600)
        up = time.monotonic() - started
        from gradio_client import Client

        client = Client(url, verbose=False)
        hits = client.predict(QUESTION, api_name="/search")
        first = time.monotonic() - started
        print(f"app start -> page served: {up:.1f} s")
        print(f"app start -> first answer: {first:.1f} s ({hits[0]['citation']})")
        if not args.no_screenshots:
            for path in screenshots(url, args.out):
                print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size / 1024:.0f} KB)")
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
