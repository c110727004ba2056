"""The masthead of a UN document: symbol(s), date, title, kind and organ, read from page 1
(the file name only as a fallback)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .pdf import Line, Page

MONTHS = (
    "January February March April May June July August September October November December"
).split()
_MONTH = "|".join(MONTHS)
DATE = re.compile(rf"\b(\d{{1,2}})\s+({_MONTH})\s+(\d{{4}})\b")
_DATE_LINE = re.compile(rf"^\[?\d{{1,2}}\s+(?:{_MONTH})\s+\d{{4}}\]?$")
_SUPPLEMENT = re.compile(r"^Supplement No\. \w+$")
_COVER_LINE = re.compile(
    r"^(?:General Assembly|Economic and Social Council|Security Council|Official Records\b.*|"
    r"[A-Z][a-z]+(?:-[a-z]+)? (?:Session|session|Year|year)|Supplement No\. \w+)$"
)
_IMPRINT = re.compile(r"^United Nations\s+•\s+New York, \d{4}$|^ISSN \d{4}[- ]\d{3}[\dX]$")
_SYMBOLS_NOTE = re.compile(r"^Symbols of United Nations documents are composed")
_BRACKETED_DATE = re.compile(rf"^\[\d{{1,2}}\s+(?:{_MONTH})\s+\d{{4}}\]$")

# One element of a symbol after the first: "80", "AC.109", "ES-10", "L.17", "Add.1", "COP(8)".
_ELEMENT = r"[A-Za-z0-9][A-Za-z0-9.\-]*(?:\([0-9A-Za-z]{1,4}\))?"
# The first element: the organ's series ("A", "S", "E", "DP-FPA", "GEGN.2", "UNW").
_SERIES = r"[A-Z]{1,8}(?:[.\-][A-Z0-9]{1,5})?"
_SUFFIX = r"(?:\s?\((?:\d{4}|Part\s+[IVXL]+(?:/Add\.\d+)?)\))?(?:\s\[[A-Z][A-Za-z ]{2,30}\])?"
_ONE = rf"{_SERIES}(?:/{_ELEMENT})+\*?{_SUFFIX}"
SYMBOL = re.compile(rf"(?<![\w/])(?:{_ONE})(?:\s?-\s?(?:{_ONE}))*(?![\w/])")
# Where a joint symbol splits: "A/79/722-S/2025/27" (a hyphen after the first one's last
# element, before another series and a slash).
_JOINT = re.compile(r"(?<=[\d)*])\s?-\s?(?=[A-Z]{1,8}(?:[.\-][A-Z0-9]{1,5})?/)")

ORGANS = {
    "A/HRC": "Human Rights Council",
    "E/ICEF": "Executive Board of UNICEF",
    "DP": "Executive Board of UNDP/UNFPA/UNOPS",
    "DP-FPA": "Executive Board of UNDP/UNFPA/UNOPS",
    "UNW": "Executive Board of UN-Women",
    "A": "General Assembly",
    "S": "Security Council",
    "E": "Economic and Social Council",
    "CCPR": "Human Rights Committee",
    "CEB": "United Nations System Chief Executives Board for Coordination",
    "JIU": "Joint Inspection Unit",
    "FCCC": "United Nations Framework Convention on Climate Change",
    "ICCD": "United Nations Convention to Combat Desertification",
    "TPNW": "Meeting of States Parties to the Treaty on the Prohibition of Nuclear Weapons",
    "HRI": "International Human Rights Instruments",
    "GEGN.2": "Economic and Social Council",
    "UNEP": "United Nations Environment Programme",
    "TD": "United Nations Conference on Trade and Development",
    "ST": "Secretariat",
}
# Short names for filters: `qa search --organ SC`.
ORGAN_CODES = {
    "General Assembly": "GA",
    "Security Council": "SC",
    "Economic and Social Council": "ECOSOC",
    "Human Rights Council": "HRC",
    "Executive Board of UNICEF": "UNICEF",
    "Executive Board of UNDP/UNFPA/UNOPS": "UNDP",
    "Executive Board of UN-Women": "UNW",
}

KINDS = ("report", "letter", "resolution", "decision", "note", "other")

_ORGAN_LINE = re.compile(
    r"^(?:General Assembly|Security Council|Economic and Social Council|United Nations|"
    r"Nations Unies|Human Rights Council|Executive Board|Distr\.|Original:|English|"
    r"United Nations System|Chief Executives Board)",
)
_SESSION = re.compile(
    r"(?:\bsession\b|\bEightieth year\b|\byear$|^Agenda items?\b|^Items? \d|"
    r"of the (?:provisional|preliminary) (?:agenda|list)|^Resumed|^Substantive session)",
    re.IGNORECASE,
)
_AGENDA = re.compile(r"^(?:Provisional a|A)genda items?\b|^Items? \d.*(?:agenda|list)", re.I)
_PLACE_DATE = re.compile(
    rf"^(?:[A-Z][a-z]+(?: [A-Z][a-z]+)?, )?\d{{1,2}}(?:[–-]\d{{1,2}})?(?: and \d{{1,2}})?"
    rf"\s*(?:{_MONTH})?[\s–-]*.*\d{{4}}\.?$"
)
_SUBTITLE = re.compile(
    r"^(?:Report|Note|Letter|Identical letters|Note verbale|Resolution adopted|Decision adopted|"
    r"Draft (?:resolution|decision)|Addendum|Corrigendum|Adopted by|Statement submitted|"
    r"Memorandum|Summary record)",
    re.IGNORECASE,
)
_DRAFT_LINE = re.compile(
    r"^(?:Draft (?:resolutions?|decisions?)|(?:Resolution|Decision) adopted)\b"
)
# A chapter, section or subsection heading's number: "I. ", "A. ", "1. ".
_HEADING_NUMBER = re.compile(r"^(?:[IVXL]+|[A-Z]|\d{1,2})\.\s")
_LETTER = re.compile(r"^(?:Identical )?(?:letters?|notes? verbales?) dated\b", re.IGNORECASE)


@dataclass
class Masthead:
    symbol: str | None = None
    symbols: tuple[str, ...] = ()
    date: str | None = None
    date_iso: str | None = None
    title: str | None = None
    subtitle: str | None = None
    kind: str = "other"
    organ: str | None = None
    session: str | None = None
    agenda_item: str | None = None
    # Lines between the agenda item and the title that say what the document is ("Draft
    # decision submitted by the Vice-President of the Council ...").
    kicker: str = ""
    # Page-1 lines the masthead took (page, top, x0): the body starts below them.
    used: set[tuple[int, float, float]] = field(default_factory=set)


def iso_date(text: str | None) -> str | None:
    m = DATE.search(text or "")
    if not m:
        return None
    return f"{int(m.group(3)):04d}-{MONTHS.index(m.group(2)) + 1:02d}-{int(m.group(1)):02d}"


def split_symbols(symbol: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in _JOINT.split(symbol) if part.strip())


def clean_symbol(text: str) -> str:
    """A symbol as printed, without reissue asterisks and with one space before "(2025)"."""
    text = text.replace("*", "")
    text = re.sub(r"\s*-\s*(?=[A-Z]{1,8}(?:[.\-][A-Z0-9]{1,5})?/)", "-", text)
    text = re.sub(r"\s*\(", " (", text)
    return text.strip()


def find_symbol(text: str) -> str | None:
    """The first symbol in a line of text that has a digit (not "A/B" prose)."""
    for m in SYMBOL.finditer(text):
        candidate = m.group(0)
        if re.search(r"\d", candidate) and "/" in candidate:
            return clean_symbol(candidate)
    return None


def symbol_from_filename(name: str) -> str | None:
    """ "A_80_15 (Part I).en.pdf" -> "A/80/15 (Part I)"; None when it does not read as one."""
    stem = re.sub(r"(\.[a-z]{2})?\.(pdf|txt|md)$", "", name, flags=re.IGNORECASE)
    candidate = stem.replace("_", "/").replace(", ", "-")
    symbol = find_symbol(candidate)
    return symbol if symbol and len(symbol) >= len(candidate) - 2 else None


def organ_of(symbol: str | None) -> str | None:
    """The body a symbol belongs to, from its series (for a joint symbol, the first)."""
    if not symbol:
        return None
    first = split_symbols(symbol)[0]
    parts = first.split("/")
    for n in (2, 1):
        key = "/".join(parts[:n])
        if key in ORGANS:
            return ORGANS[key]
    return None


def organ_code(organ: str | None) -> str | None:
    return ORGAN_CODES.get(organ or "", None)


def kind_of(symbol: str | None, title: str | None, subtitle: str | None, numbered: bool) -> str:
    """report | letter | resolution | decision | note | other, from what the masthead says:
    the symbol, then the title, then the lines around it."""
    title = title or ""
    subtitle = subtitle or ""
    both = f"{title}\n{subtitle}"
    if symbol and "/RES/" in symbol:
        return "resolution"
    if re.search(r"\b(?:Resolution adopted|[Dd]raft resolution)\b|^Resolution \d", both):
        return "resolution"
    if re.search(r"\b(?:Decision adopted|[Dd]raft decisions?|[Cc]ompendium of decisions)\b", both):
        return "decision"
    if _LETTER.match(title):
        return "letter"
    if re.search(r"^Note (?:by|of) the\b", both, re.M):
        return "note"
    # A working paper ("…/WP.4") or a miscellaneous document ("…/Misc.14"): parties' and
    # observers' submissions, not a report of the body, however their title reads.
    if symbol and re.search(r"/(?:WP|Misc)\.\d", symbol, re.IGNORECASE):
        return "other"
    if re.search(
        r"\b(?:provisional agenda|annotated agenda|agenda and annotations|list of "
        r"participants|statement submitted|programme of work|organization of work)\b",
        both,
        re.I,
    ) and not re.match(r"^Report\b", title):
        return "other"
    if re.search(r"\b[Rr]eports?\b|\b[Ee]valuation\b|\b[Rr]eview\b|programme document", title):
        return "report"
    if _LETTER.match(subtitle):
        return "letter"
    if re.search(r"\b[Rr]eports?\b|\b[Ee]valuation\b", subtitle):
        return "report"
    return "report" if numbered else "other"


def read_masthead(pages: list[Page], body_size: float, filename: str) -> Masthead:
    """Symbol, date, title, kind and organ from the first page's lines (in visual order)."""
    head = Masthead()
    first = (
        sorted(pages[0].lines, key=lambda ln: (round(ln.baseline / 2.5), ln.x0)) if pages else []
    )
    height = pages[0].height if pages else 792.0

    # Symbol: the masthead's "United Nations A/80/159", else a symbol alone at the top of
    # page 1, else the running header of later pages, else the file name.
    for line in first:
        if line.top < 0.3 * height or line.text.startswith("United Nations"):
            found = find_symbol(line.text)
            if found:
                head.symbol = found
                break
    if head.symbol is None:
        for page in pages[1:4]:
            for line in page.lines:
                if line.top < 0.1 * page.height or line.baseline > 0.9 * page.height:
                    found = find_symbol(line.text)
                    if found:
                        head.symbol = found
                        break
            if head.symbol:
                break
    if head.symbol is None:
        head.symbol = symbol_from_filename(filename)
    head.symbols = split_symbols(head.symbol) if head.symbol else ()
    head.organ = organ_of(head.symbol)

    # Date: the one under "Distr.", else the first date in the top third of page 1.
    for line in first:
        if line.top < 0.35 * height and _DATE_LINE.match(line.text.strip()):
            head.date = line.text.strip("[] ")
            break
    if head.date is None:
        for line in first:
            if line.top < 0.35 * height and line.text.startswith(("Distr", "Date")):
                m = DATE.search(line.text)
                if m:
                    head.date = m.group(0)
                    break
    supplement = any(_SUPPLEMENT.match(line.text.strip()) for line in first)
    if head.date is None:
        # Official Records (a supplement's cover and contents, no "Distr." block) date the
        # report on a line of its own near the front: "[17 June 2025]" (in a supplement, with
        # or without the brackets).
        dated = _DATE_LINE if supplement else _BRACKETED_DATE
        for page in pages[1:8] if supplement else pages[1:6]:
            found = next((ln for ln in page.lines if dated.match(ln.text.strip())), None)
            if found:
                head.date = found.text.strip("[] ")
                if supplement:  # the preface's date line: the masthead's, not the text's
                    head.used.add((found.page, found.top, found.x0))
                break
    head.date_iso = iso_date(head.date)

    _read_title(first, body_size, height, head)
    # A supplement's cover names its series below the title ("General Assembly / Official
    # Records / Eightieth Session / Supplement No. 16"), and the pages before the report
    # repeat it with the publisher's note on symbols and the ISSN: the series', not the text.
    if supplement:
        named = f"{head.title or ''} {head.subtitle or ''}"
        for page in pages[:5]:
            lines = sorted(page.lines, key=lambda ln: (round(ln.baseline / 2.5), ln.x0))
            for line in _symbols_note(lines):
                head.used.add((line.page, line.top, line.x0))
            # The title page (the one naming the series again) repeats the title and session.
            title_page = page.number > 1 and any(_SUPPLEMENT.match(ln.text.strip()) for ln in lines)
            for line in lines:
                text = line.text.strip()
                if (
                    _COVER_LINE.match(text)
                    or _IMPRINT.match(text)
                    or (page.number > 1 and _is_symbol_line(text))
                    or (title_page and len(text) > 3 and text in named)
                ):
                    head.used.add((line.page, line.top, line.x0))
    return head


def front_lines(lines: list[Line], height: float) -> list[str]:
    """Page 1's lines above the body as text lines, a title's or subtitle's wrapped lines
    joined: a typewritten masthead (one font, no bold) sets its title in capitals over several
    lines, centred ("INFORMATION FROM NON-SELF-GOVERNING TERRITORIES TRANSMITTED / UNDER
    ARTICLE 73 e OF THE CHARTER OF THE UNITED NATIONS"), and its reader
    (`text.read_front_matter`) takes a title as one line."""
    runs: list[list[Line]] = []
    for line in lines:
        last = runs[-1][-1] if runs else None
        if (
            last is not None
            and _same_run(last, line)
            and _wraps(last, height)
            and _wraps(line, height)
            and not _SUBTITLE.match(line.text.strip())
            and not line.text.strip().startswith("Rapporteur")
        ):
            runs[-1].append(line)
        else:
            runs.append([line])
    return [_join(run) for run in runs]


def _wraps(line: Line, height: float) -> bool:
    """A line that may be part of a wrapped title: not the masthead's furniture (organ,
    symbol, distribution, date, language), not a session or agenda line."""
    text = line.text.strip()
    return not (
        _is_furniture(line, height)
        or _SESSION.search(text)
        or _AGENDA.search(text)
        or _DATE_LINE.match(text)
        or re.match(r"^(?:GENERAL|ENGLISH|FRENCH|SPANISH|RUSSIAN|ARABIC|CHINESE|ORIGINAL\b)", text)
    )


def _symbols_note(lines: list[Line]) -> list[Line]:
    """The publisher's "Note / Symbols of United Nations documents are composed …" paragraph
    of an Official Records supplement, heading included."""
    start = next((i for i, ln in enumerate(lines) if _SYMBOLS_NOTE.match(ln.text)), None)
    if start is None:
        return []
    end = start + 1
    while end < len(lines) and 0 <= lines[end].top - lines[end - 1].baseline < lines[end].size:
        end += 1
    if start and lines[start - 1].text.strip() == "Note":
        start -= 1
    return lines[start:end]


def _is_symbol_line(text: str) -> bool:
    """A symbol alone on a line (with a short tail: "A/80/21*", "E/2025/24 (Part I)")."""
    symbol = find_symbol(text)
    return bool(symbol and len(text) <= len(symbol) + 16)


def _is_furniture(line: Line, height: float) -> bool:
    """Masthead lines that are not the title: organ, symbol, distribution, date, language,
    job number, barcode."""
    text = line.text.strip()
    return bool(
        (line.top < 0.22 * height and _ORGAN_LINE.match(text))
        # "United Nations" alone: the masthead's, in the top band; lower down it ends a title
        # ("… associated with the / United Nations").
        or (line.top < 0.22 * height and re.match(r"^(?:United Nations|Nations Unies)$", text))
        or re.match(r"^Distr\.|^Original:", text)
        # The Distr. date, in the top band; a bold date lower down ends a title or a
        # resolution's "Adopted by the Security Council ..., on" line.
        or (_DATE_LINE.match(text) and (line.top < 0.25 * height or not line.bold))
        or re.match(r"^\*?\d{7,}\*?$|^(?:GE\.)?\d{2}-\d{5}", text)
        or re.match(r"^(?:English|French|Spanish|Arabic|Russian|Chinese)\b.*\bonly$", text)
        or re.match(r"^For (?:decision|information|action)$", text)
        or _is_symbol_line(text)
        or len(text) <= 2
    )


def _read_title(lines: list[Line], body_size: float, height: float, head: Masthead) -> None:
    """The title: after the session and agenda lines (a committee's or meeting's name above
    them is not it), the first run of bold lines set larger than the body, or else the first
    bold run after the agenda item's own title; then the subtitle below it ("Report of the
    Secretary-General", a letter's line). Bold lines between the agenda and the title
    ("Draft decision submitted by …") are kept to tell the kind."""
    runs: list[list[Line]] = []
    for line in lines:
        if _is_furniture(line, height) or line.top > 0.85 * height:
            continue
        if runs and _same_run(runs[-1][-1], line):
            runs[-1].append(line)
        else:
            runs.append([line])
    # The masthead ends where running text begins.
    end = next((i for i, run in enumerate(runs) if _is_prose(run, body_size)), len(runs))
    runs = runs[:end]

    session_at = -1
    for index, run in enumerate(runs):
        text = _join(run)
        if (
            (_SESSION.search(text) or _PLACE_DATE.match(text))
            and len(text) < 200
            and run[0].size < body_size + 2.5
        ):
            session_at = index
            if head.session is None and re.search(r"session|year$", text, re.I):
                head.session = text
            if head.agenda_item is None and _AGENDA.search(text):
                head.agenda_item = text
                if index + 1 < len(runs) and runs[index + 1][0].bold:
                    head.agenda_item += ": " + _join(runs[index + 1])
    # A page set without bold type tells its title by size alone.
    weighted = any(line.bold for run in runs for line in run)

    def is_title(i: int) -> bool:
        return _is_title_run(runs[i], body_size, height, weighted)

    candidates = list(range(session_at + 1, len(runs)))
    if not any(is_title(i) for i in candidates):
        candidates = list(range(len(runs)))  # the title stands above the session lines
    titles = [i for i in candidates if is_title(i)]
    # A committee's or conference's name set large in the masthead's left column, where the
    # session lines stand, above the title set at the text margin: the body's name.
    left_column = min((run[0].x0 for run in runs), default=0.0)
    if (
        len(titles) > 1
        and runs[titles[0]][0].x0 < left_column + 5
        and runs[titles[1]][0].x0 > runs[titles[0]][0].x0 + 30
        and not _HEADING_NUMBER.match(_join(runs[titles[1]]))
    ):
        titles.pop(0)
    body_name = ""
    # A body's proper name ("United Nations Population Fund", "Commission on Population and
    # Development") set as large as the title just above it: the title is the next run, in
    # sentence case, unless that is only "Report of the …" / "Note by the …". A run that is
    # itself "Report of the Committee on …" in title case is the title, not a body's name.
    if (
        len(titles) > 1
        and titles[1] == titles[0] + 1
        and _is_proper_name(_join(runs[titles[0]]))
        # Set in capitals, a run is a body's name only if it names a body: "UNITED NATIONS
        # POPULATION FUND" is one; "LIST OF PARTICIPANTS", over "CHAIRPERSON", is the title.
        and (not _join(runs[titles[0]]).isupper() or _BODY_NOUN.search(_join(runs[titles[0]])))
        and not _PERSONAL_SUBTITLE.match(_join(runs[titles[0]]))
        and not _PERSONAL_SUBTITLE.match(_join(runs[titles[1]]))
        and not _BODY_OPENING.match(_join(runs[titles[1]]))
        and not _HEADING_NUMBER.match(_join(runs[titles[1]]))
    ):
        body_name = _join(runs[titles.pop(0)])
    title_run = titles[0] if titles else None
    if title_run is None:
        bold = [i for i in candidates if runs[i][0].bold]
        # After "Agenda item 3", the agenda item's title comes first.
        skip = 1 if head.agenda_item and len(bold) > 1 and bold[0] == session_at + 1 else 0
        title_run = bold[skip] if bold else None
    if title_run is None:
        head.kind = kind_of(head.symbol, None, None, False)
        return
    kicker = " ".join(_join(runs[i]) for i in range(session_at + 2, title_run) if runs[i][0].bold)
    # "Draft decision submitted by the Vice-President ..." above the title, in any type.
    kicker += "".join(
        "\n" + _join(runs[i])
        for i in range(session_at + 1, title_run)
        if _DRAFT_LINE.match(_join(runs[i]))
    )
    title_lines = runs[title_run]
    title = _join(title_lines)
    sub_lines: list[Line] = []
    following = runs[title_run + 1 : title_run + 3]
    # "Resolution adopted by the Human Rights Council on 8 July 2025", then "59/25. Title".
    if re.match(r"^(?:Resolution|Decision) adopted", title) and following and following[0][0].bold:
        numbered_title = re.match(r"^\d+/\d+\.\s+(.*)$", _join(following[0]))
        sub_lines, title_lines = title_lines, following[0]
        title = numbered_title.group(1) if numbered_title else _join(following[0])
        following = runs[title_run + 2 : title_run + 3]
    if not sub_lines and following:
        nxt = following[0]
        text = _join(nxt)
        # A chapter heading ("I. Introduction") or the summary's right below the title opens
        # the body; "General Assembly / Official Records" on a supplement's cover is its series.
        if (
            (
                (nxt[0].bold and nxt[0].size >= body_size + 1 and len(text) < 400)
                or (_SUBTITLE.match(text) and len(text) < 300)
            )
            and not _HEADING_NUMBER.match(text)
            and not _BODY_OPENING.match(text)
            and not _ORGAN_LINE.match(text)
        ):
            sub_lines = nxt
    # "Report on the fifty-sixth session" says whose only with the body's name above it.
    if body_name and _SESSION_REPORT.match(title):
        title = f"{body_name}: {title}"
    head.title = title
    head.subtitle = _join(sub_lines) if sub_lines else None
    bottom = max(ln.baseline for ln in title_lines + sub_lines)
    for line in lines:
        if line.top <= bottom + 1:
            head.used.add((line.page, line.top, line.x0))
    head.kicker = kicker
    head.kind = kind_of(head.symbol, head.title, f"{head.subtitle or ''}\n{kicker}", False)


_SESSION_REPORT = re.compile(r"^Report on (?:the|its) .*\bsession\b", re.IGNORECASE)
# Headings that open a document's body, not a title's second line.
_BODY_OPENING = re.compile(r"^(?:Summary|Abstract|Contents|Introduction)\b\W*$", re.IGNORECASE)
_PERSONAL_SUBTITLE = re.compile(
    r"^(?:Report|Note|Letter|Memorandum|Statement)s? (?:of|by|from) the\b|^(?:Identical )?letters? "
    r"dated|^Notes? verbales?\b|^Addendum|^Corrigendum|^Adopted by",
    re.IGNORECASE,
)
_BODY_NOUN = re.compile(
    r"\b(?:Assembly|Council|Commission|Committee|Board|Fund|Programme|Organization|Office"
    r"|Conference|Group|Forum|Agency|Union|Court|Tribunal|Secretariat|Institute|University"
    r"|Meeting|Parties|Bank|Entity|Panel|Mechanism|Women)\b",
    re.IGNORECASE,
)
_NAME_LINKS = {"of", "the", "and", "for", "on", "in", "to", "with", "against", "at", "by", "de"}


def _is_proper_name(text: str) -> bool:
    """A name in title case ("United Nations Population Fund"), not a sentence-case title."""
    words = re.findall(r"[A-Za-z][\w’'-]*", text)
    if len(words) < 2 or re.search(r"\d", text):
        return False
    return all(w[0].isupper() or w.lower() in _NAME_LINKS for w in words)


def _is_title_run(run: list[Line], body_size: float, height: float, weighted: bool) -> bool:
    first = run[0]
    if first.top < 0.2 * height and first.size >= body_size + 5:
        return False  # the organ's name, set large at the top
    if not weighted:  # by size alone, below the organ's name and the distribution block
        return first.top >= 0.2 * height and first.size >= body_size + 1.5
    return first.bold and first.size >= body_size + 1.5


def _is_prose(run: list[Line], body_size: float) -> bool:
    """Running text: lines of body type, not bold, long enough to be sentences."""
    text = _join(run)
    return (
        not run[0].bold
        and abs(run[0].size - body_size) < 0.8
        and (len(text) > 140 or re.match(r"^1\.\s", text) is not None)
    )


def _same_run(a: Line, b: Line) -> bool:
    """Consecutive lines of one title or heading: same type, close below each other."""
    return (
        a.bold == b.bold
        and abs(a.size - b.size) < 0.6
        and 0 <= b.top - a.baseline < 1.2 * a.size
        # Flush left, or centred one under the other.
        and (abs(a.x0 - b.x0) < 40 or abs(a.x0 + a.x1 - b.x0 - b.x1) < 20)
    )


def _join(lines: list[Line]) -> str:
    text = ""
    for line in lines:
        if text.endswith("-") and line.hyphenated is False and text[-2:-1].isalpha():
            text = text + line.text
        else:
            text = f"{text} {line.text}".strip()
    return re.sub(r"\s+", " ", text).strip(" *")
