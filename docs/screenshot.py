"""Start `python app.py`, time it to its first answer, and screenshot the UI in headless Chromium.

    python docs/screenshot.py                          # the project's corpus/ and index/
    python docs/screenshot.py --library /work/shared/un2025

The screenshots in docs/ were made with the second line: it builds (once, in
/tmp/qa-screenshot-library, a few minutes) a library of the trafficking report and the 36 UN
PDFs named in LIBRARY_PDFS below, of every organ and kind, read from the given folder, and
serves it. It writes docs/screenshot.png (a question, its cited paragraphs, the first one open
in its document), docs/screenshot-phone.png (the same on a phone) and, for a library,
docs/screenshot-library.png (Security Council documents only, the best paragraph of each, and
the library pane with its facets) and docs/screenshot-footnotes.png (a hit with the footnote
it cites).

Prints the seconds from process start to the server answering HTTP and to the first answer
from the search API. Needs Debian's chromium (/usr/bin/chromium) and the `playwright` package
(the test extra). Without --library it uses QA_CORPUS_DIR / QA_INDEX_DIR if set, else the
project's corpus/ and index/ (built first if missing, which takes longer).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from browser_flags import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

QUESTION = "How many victims did IOM assist in 2018?"
LIBRARY_QUESTION = "humanitarian access"
FOOTNOTE_QUESTION = "How was the discussion panel on marine technology organized?"
LIBRARY_DIR = Path("/tmp/qa-screenshot-library")
LIBRARY_PDFS = """
A_53_601 A_79_722 A_79_770 A_79_7_Add.13 A_79_815 A_80_116 A_80_159 A_80_176 A_80_91
A_ES-10_1022 A_HRC_EMRIP_2025_1 A_HRC_RES_59_25 DP_2025_12 DP_2025_L.2 E_2025_24 E_2025_8
E_2025_L.13 E_2025_L.16 E_ICEF_2025_16 E_ICEF_2025_L.5 S_2025_108 S_2025_114 S_2025_141
S_2025_153 S_2025_180 S_2025_202 S_2025_254 S_2025_287 S_2025_344 S_2025_407 S_2025_497
S_RES_2769_(2025) S_RES_2770_(2025) S_RES_2775_(2025) S_RES_2782_(2025)
A_ES-10_1043,_S_2025_529
""".split()


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


def build_library(source: Path) -> dict[str, str]:
    """The library's corpus and index folders (QA_* variables), built on first use."""
    corpus, index = LIBRARY_DIR / "corpus", LIBRARY_DIR / "index"
    env = {"QA_CORPUS_DIR": str(corpus), "QA_INDEX_DIR": str(index)}
    if (index / "manifest.json").exists():
        return env
    corpus.mkdir(parents=True, exist_ok=True)
    for report in (ROOT / "corpus").glob("*.txt"):
        shutil.copy(report, corpus / report.name)
    pdfs = [
        source / (name.replace("_(", " (").replace(",_", ", ") + ".en.pdf") for name in LIBRARY_PDFS
    ]
    missing = [str(p) for p in pdfs if not p.is_file()]
    if missing:
        raise SystemExit(f"not in {source}: {', '.join(missing)}")
    print(f"building the library in {LIBRARY_DIR} ({len(pdfs)} PDFs and the report)")
    subprocess.run(
        [sys.executable, "-m", "qa", "add", *map(str, pdfs)],
        cwd=ROOT,
        env={**os.environ, **env, "HF_HUB_OFFLINE": "1"},
        check=True,
    )
    return env


def shrink_png(path: Path, colors: int = 128) -> None:
    """Quantize to a palette: a UI screenshot stays sharp and drops well under 300 KB."""
    from PIL import Image

    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=colors, dither=Image.Dither.NONE).save(
            path, optimize=True
        )


def screenshots(url: str, out_dir: Path, library: bool) -> list[Path]:
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
                written.append(save(page, out_dir / name))
                page.close()
            if library:
                page = browser.new_page(
                    viewport={"width": 1280, "height": 860}, device_scale_factor=1
                )
                page.goto(f"{url}?q={quote(LIBRARY_QUESTION)}&organ=SC&by=document")
                page.locator("#qa-results .hit").first.wait_for(timeout=60_000)
                page.locator("#qa-reader .facet-value.on").wait_for(timeout=30_000)
                # Fold the filters: the results and the library pane say what they are.
                page.locator("#qa-filters button.label-wrap").click()
                page.wait_for_timeout(600)
                written.append(save(page, out_dir / "screenshot-library.png"))
                # A paragraph with the footnote it cites, the hit alone.
                page.goto(f"{url}?q={quote(FOOTNOTE_QUESTION)}&doc=A/80/159")
                hit = page.locator("#qa-results .hit").first
                hit.locator(".sources").wait_for(timeout=60_000)
                page.wait_for_timeout(600)
                path = out_dir / "screenshot-footnotes.png"
                hit.screenshot(path=str(path))
                shrink_png(path)
                written.append(path)
                page.close()
        finally:
            browser.close()
    return written


def save(page, path: Path) -> Path:
    page.screenshot(path=str(path))
    shrink_png(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument(
        "--library",
        type=Path,
        metavar="FOLDER",
        help="serve a library of the report and LIBRARY_PDFS from FOLDER (built once)",
    )
    parser.add_argument("--no-screenshots", action="store_true", help="only measure timings")
    args = parser.parse_args()

    env = dict(os.environ, HF_HUB_OFFLINE="1")
    if args.library:
        env.update(build_library(args.library))
    port = free_port()
    env["GRADIO_SERVER_PORT"] = str(port)
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
            for path in screenshots(url, args.out, library=bool(args.library)):
                shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                print(f"wrote {shown} ({path.stat().st_size / 1024:.0f} KB)")
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
