"""How well documents are read: symbol, date, title, kind, organ and paragraph numbering
against labels written by reading the PDFs (`qa eval --ingest`)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from ..document import FOOTNOTE, PARAGRAPH, PREAMBLE, Document

LABELS = Path(__file__).resolve().parents[1] / "data" / "ingest_labels.jsonl"
CHECKS = (
    "ingested",
    "symbol",
    "date",
    "title",
    "kind",
    "organ",
    "numbering",
    "annexes",
    "pages",
    "footnotes",
    "preamble",
)


@dataclass
class DocResult:
    file: str
    split: str
    kind: str
    checks: dict[str, bool | None] = field(default_factory=dict)  # None: not applicable
    got: dict[str, object] = field(default_factory=dict)
    error: str | None = None


def load_labels(path: Path = LABELS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _norm(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"[–—‐-]", "-", text)
    return re.sub(r"\s+", " ", text).strip(" .*:;,")


def _symbol_norm(text: str | None) -> str:
    return re.sub(r"\s+", "", (text or "").replace("*", "")).casefold()


def title_matches(got: str | None, label: dict) -> bool:
    """Equal to the labelled title (or an accepted alternative) once case, quotes, dashes and
    spacing are set aside; a ratio of 0.95 absorbs a line-break hyphen read either way."""
    wanted = [label["title"], *(label.get("title_also") or [])]
    mine = _norm(got)
    return any(
        mine == _norm(w) or SequenceMatcher(None, mine, _norm(w)).ratio() >= 0.95 for w in wanted
    )


def numbering_exact(document: Document, last: int | None, annexes: Sequence[dict] = ()) -> bool:
    """The body's numbered paragraphs are exactly 1..last, in order. Annexes that carry on the
    body's numbering (not restarting it, with a last paragraph of their own) are read as the
    body's paragraphs: their numbers are unique in the document and cited as "para. 54"."""
    got = [p.number for p in document.paragraphs if p.kind == PARAGRAPH and p.annex is None]
    continuing = [
        a["last_paragraph"] for a in annexes if not a.get("restarts") and a.get("last_paragraph")
    ]
    return got == list(range(1, max([last or 0, *continuing]) + 1))


def own_label(annex: str | None) -> str | None:
    """The label an annex scope is printed with: "II" for "II" or "II*" (a second annex II),
    "" for "enclosure" (an unnumbered enclosure, which labels write as an unlabelled annex),
    "2" for "II, enclosure 2"."""
    if annex is None:
        return None
    last = annex.rstrip("*").split(", ")[-1]
    return re.sub(r"^(?:enclosure|appendix|attachment)\b\s*", "", last)


def annexes_exact(document: Document, annexes: list[dict]) -> bool | None:
    """Each annex that restarts its numbering is read as 1..last under its own label."""
    restarting = [a for a in annexes if a.get("restarts")]
    if not restarting:
        return None
    for annex in restarting:
        numbers = [
            p.number
            for p in document.paragraphs
            if p.kind == PARAGRAPH and p.annex is not None and own_label(p.annex) == annex["label"]
        ]
        if numbers[: annex["last_paragraph"]] != list(range(1, annex["last_paragraph"] + 1)):
            return False
    return True


def pages_right(
    document: Document, checks: list[dict], annexes: Sequence[dict] = ()
) -> tuple[int, int]:
    """(right, checked) page checks: the page a paragraph starts on, or where a phrase is. A
    paragraph of an annex that carries on the body's numbering is the body's paragraph."""
    continuing = {a["label"] for a in annexes if not a.get("restarts") and a.get("last_paragraph")}
    right = 0
    for check in checks:
        if "paragraph" in check:
            unit = document.paragraph(check["paragraph"], check.get("annex"))
            if unit is None and check.get("annex") is not None and check["annex"] in continuing:
                unit = document.paragraph(check["paragraph"])  # the annex goes on numbering
            if unit is None and check.get("annex") is not None:
                unit = next(
                    (
                        p
                        for p in document.paragraphs
                        if p.kind == PARAGRAPH
                        and p.number == check["paragraph"]
                        and own_label(p.annex) == check["annex"]
                    ),
                    None,
                )
            right += unit is not None and unit.page == check["page"]
        elif "text" in check:
            phrase = _norm(check["text"])[:40]
            pages = {
                p.page
                for p in [*document.paragraphs, *([document.summary] if document.summary else [])]
                if phrase and phrase in _norm(p.text)
            }
            right += check["page"] in pages or _runs_onto(document, phrase, check["page"])
    return right, len(checks)


def _runs_onto(document: Document, phrase: str, page: int) -> bool:
    """The phrase is in a numbered paragraph that starts on an earlier page and runs on over
    the page break (cited by its number, not its page), or in text cited by the pages it
    runs over ("pp. 5–6")."""
    units = [p for p in document.paragraphs if p.kind != FOOTNOTE]
    for at, unit in enumerate(units):
        if unit.last_page is not None and phrase and phrase in _norm(unit.text):
            if unit.page is not None and unit.page <= page <= unit.last_page:
                return True
        if unit.kind == PARAGRAPH and phrase and phrase in _norm(unit.text):
            following = units[at + 1].page if at + 1 < len(units) else None
            if unit.page is not None and unit.page < page and (following or page) >= page:
                return True
    return False


def footnote_numbers(document: Document) -> int:
    """n when the numbered footnotes read are exactly 1..n (a number may recur where an annex
    restarts them), else -1; asterisk and lettered notes are not counted."""
    numbers = {
        int(p.ordinal.split()[0].rstrip("*"))
        for p in document.paragraphs
        if p.kind == FOOTNOTE and p.ordinal and p.ordinal.split()[0].rstrip("*").isdigit()
    }
    return len(numbers) if numbers == set(range(1, len(numbers) + 1)) else -1


def _count_right(got: int, labelled: int | None) -> bool | None:
    return None if labelled is None else got == labelled


def evaluate_document(label: dict, read: Callable[[Path], Document], folder: Path) -> DocResult:
    result = DocResult(label["file"], label.get("split", "dev"), label["kind"])
    try:
        document = read(folder / label["file"])
    except Exception as exc:  # what the reader raised is the finding
        result.error = f"{exc.__class__.__name__}: {exc}"
        result.checks = {name: False for name in CHECKS}
        result.checks["annexes"] = None
        return result
    searchable = bool(document.paragraphs) or document.summary is not None
    numbered = bool(label.get("numbered"))
    annexes = label.get("annexes") or []
    right, checked = pages_right(document, label.get("pages") or [], annexes)
    footnotes = footnote_numbers(document)
    preamble = sum(1 for p in document.paragraphs if p.kind == PREAMBLE)
    result.checks = {
        "ingested": searchable,
        "symbol": _symbol_norm(document.symbol) == _symbol_norm(label["symbol"]),
        "date": document.date_iso == label.get("date"),
        "title": title_matches(document.title, label),
        "kind": document.kind == label["kind"],
        "organ": _norm(document.organ) == _norm(label.get("organ")),
        "numbering": numbering_exact(document, label.get("last_paragraph"), annexes)
        if numbered
        else None,
        "annexes": annexes_exact(document, annexes),
        "pages": right == checked if checked else None,
        # As many footnote units as the document prints footnotes (none when it has none).
        "footnotes": footnotes == label["footnotes"]
        if label.get("footnotes") is not None
        else None,
        "preamble": preamble == label["preamble"] if label.get("preamble") is not None else None,
    }
    body = [p.number for p in document.paragraphs if p.kind == PARAGRAPH and p.annex is None]
    result.got = {
        "symbol": document.symbol,
        "date": document.date_iso,
        "title": document.title,
        "kind": document.kind,
        "organ": document.organ,
        "paragraphs": f"{len(body)} (last {body[-1] if body else None})",
        "annex paragraphs": sum(
            1 for p in document.paragraphs if p.kind == PARAGRAPH and p.annex is not None
        ),
        "preamble": preamble,
        "footnotes": footnotes,
        "pages right": f"{right}/{checked}",
    }
    return result


def evaluate(
    labels: Sequence[dict], read: Callable[[Path], Document], folder: Path
) -> list[DocResult]:
    return [evaluate_document(label, read, folder) for label in labels]


def rate(results: Sequence[DocResult], check: str) -> tuple[int, int]:
    applicable = [r.checks.get(check) for r in results if r.checks.get(check) is not None]
    return sum(bool(v) for v in applicable), len(applicable)


def format_report(results: Sequence[DocResult], per_document: bool = True) -> str:
    lines: list[str] = []
    if per_document:
        lines.append("| file | kind | " + " | ".join(CHECKS) + " |")
        lines.append("|---|---|" + "---|" * len(CHECKS))
        for r in results:
            marks = ["✓" if v else "—" if v is None else "✗" for v in (r.checks[c] for c in CHECKS)]
            lines.append(f"| {r.file} | {r.kind} | " + " | ".join(marks) + " |")
        lines.append("")
    lines.append("| set | documents | " + " | ".join(CHECKS) + " |")
    lines.append("|---|---:|" + "---:|" * len(CHECKS))
    groups: dict[str, list[DocResult]] = {"all": list(results)}
    for r in results:
        groups.setdefault(r.kind, []).append(r)
    for name, group in groups.items():
        cells = []
        for check in CHECKS:
            right, n = rate(group, check)
            cells.append(f"{right}/{n} ({100 * right / n:.0f}%)" if n else "—")
        lines.append(f"| {name} | {len(group)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_misses(results: Sequence[DocResult], labels: Sequence[dict]) -> str:
    by_file = {label["file"]: label for label in labels}
    out = []
    for r in results:
        wrong = [c for c in CHECKS if r.checks.get(c) is False]
        if not wrong:
            continue
        label = by_file[r.file]
        out.append(f"{r.file}: {', '.join(wrong)}" + (f" — {r.error}" if r.error else ""))
        for check in wrong:
            if check in ("symbol", "date", "title", "kind", "organ"):
                want = label.get(check)
                out.append(f"    {check}: got {r.got.get(check)!r}, labelled {want!r}")
            elif check == "numbering":
                out.append(
                    f"    paragraphs: got {r.got.get('paragraphs')}, "
                    f"labelled last {label.get('last_paragraph')}"
                )
            elif check == "pages":
                out.append(f"    pages: {r.got.get('pages right')} checks right")
            elif check in ("footnotes", "preamble"):
                out.append(f"    {check}: got {r.got.get(check)}, labelled {label.get(check)}")
    return "\n".join(out)
