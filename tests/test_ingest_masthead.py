"""The masthead reader on synthetic page-1 lines: which bold run is the title."""

from __future__ import annotations

from qa.ingest.masthead import front_lines, read_masthead
from qa.ingest.pdf import Line, Page
from qa.ingest.text import read_front_matter


def _line(text: str, top: float, x0: float = 124.0, size: float = 10.0, bold=False) -> Line:
    return Line(text, 1, x0, x0 + 5 * len(text), top, top + size * 0.8, size, bold)


def _page_line(page: int, text: str, top: float, x0=124.0, size=10.0, bold=False) -> Line:
    return Line(text, page, x0, x0 + 5 * len(text), top, top + size * 0.8, size, bold)


def _cover(symbol: str, *runs: tuple[str, float, float]) -> tuple[Line, ...]:
    """An Official Records supplement's cover: its symbol at the top right, "United Nations",
    then bold lines given as (text, top, size)."""
    return (
        _line(symbol, 41, x0=441),
        _line("United Nations", 138, size=20, bold=True),
        *(_line(text, top, size=size, bold=True) for text, top, size in runs),
    )


_TOP = (
    _line("United Nations A/80/1", 43),
    _line("General Assembly Distr.: General", 73, size=20, bold=True),
    _line("12 March 2025", 92, x0=398),
    _line("Original: English", 115, x0=398),
)


def _head(*lines: Line):
    return read_masthead([Page(1, 612, 792, _TOP + lines)], 10.0, "A_80_1.pdf")


def test_a_date_that_ends_the_title_stays_in_it():
    head = _head(
        _line(
            "Implementation of resolution 1701 (2006) from 21 October 2024 to", 215, 124, 14, True
        ),
        _line("20 February 2025", 230, 124, 14, True),
        _line("Report of the Secretary-General", 257, 124, 12, True),
    )
    assert (
        head.title
        == "Implementation of resolution 1701 (2006) from 21 October 2024 to 20 February 2025"
    )
    assert head.subtitle == "Report of the Secretary-General"
    assert head.date_iso == "2025-03-12"


def test_a_committee_name_in_the_left_column_is_not_the_title():
    head = _head(
        _line("Special Committee on the Situation with regard to", 215, 60, 12, True),
        _line("the Implementation of the Declaration", 229, 60, 12, True),
        _line("Report of the visiting mission to the Islands", 284, 124, 12, True),
    )
    assert head.title == "Report of the visiting mission to the Islands"


def test_a_chapter_heading_under_the_title_is_not_its_subtitle():
    head = _head(
        _line("Annual session 2025", 205, 72, bold=True),
        _line("Report on the first regular session 2025", 270, 124, 14, True),
        _line("I. Election of the Bureau", 311, 114, 14, True),
    )
    assert head.title == "Report on the first regular session 2025"
    assert head.subtitle is None


def test_without_bold_type_the_title_is_told_by_size_and_may_be_centred():
    lines = (
        _line("UNITED NATIONS", 57, 154, 14),
        _line("Distr. GENERAL", 119, 404, 12),
        _line("10 July 2007", 177, 404, 12),
        _line("Eighth session", 265, 85, 10),
        _line("Abridged report on the international workshop on", 362, 168, 14),
        _line("climate and land degradation", 379, 218, 14),
        _line("Note by the secretariat", 405, 258, 12),
    )
    head = read_masthead([Page(1, 595, 842, lines)], 10.0, "x.pdf")
    assert (
        head.title
        == "Abridged report on the international workshop on climate and land degradation"
    )
    assert head.kind == "note"


def test_a_supplements_cover_is_titled_by_its_report_and_its_series_is_not_text():
    """An Official Records cover: the report's name set large in title case is the title
    (not a body's name above it), and "General Assembly … Supplement No. 21" is furniture."""
    cover = _cover(
        "A/80/21",
        ("Report of the Committee on", 197, 28.5),
        ("Information", 224, 28.5),
        ("Forty-seventh session", 298, 20),
        ("(28 April–9 May 2025)", 318, 20),
        ("General Assembly", 390, 20),
        ("Official Records", 411, 14),
        ("Eightieth Session", 427, 14),
        ("Supplement No. 21", 443, 14),
    )
    # The title page, the publisher's note and the preface's date: front matter, not text.
    title_page = (
        _page_line(3, "General Assembly", 75, 66, 12, True),
        _page_line(3, "A/80/21", 77, 513),
        _page_line(3, "Official Records", 89, 66, 12),
        _page_line(3, "Eightieth Session", 102, 66, 12),
        _page_line(3, "Supplement No. 21", 116, 66, 12),
        _page_line(3, "Report of the Committee on Information", 194, 124, 20, True),
        _page_line(3, "United Nations • New York, 2025", 632, 124, 14),
    )
    note_page = (
        _page_line(4, "Note", 156),
        _page_line(4, "Symbols of United Nations documents are composed of letters", 179, 147),
        _page_line(4, "figures. Mention of such a symbol indicates a reference.", 191),
        _page_line(4, "ISSN 0255-190X", 672),
    )
    report_page = (
        _page_line(5, "30 May 2025", 108, 476),
        _page_line(5, "Information", 150, 124, 14, True),
        _page_line(5, "1. The Committee on Information held its session in May.", 180),
    )
    head = read_masthead(
        [
            Page(1, 612, 792, cover),
            Page(2, 612, 792, ()),
            Page(3, 612, 792, title_page),
            Page(4, 612, 792, note_page),
            Page(5, 612, 792, report_page),
        ],
        10.0,
        "A_80_21.pdf",
    )
    assert head.title == "Report of the Committee on Information"
    assert head.subtitle == "Forty-seventh session (28 April–9 May 2025)"
    used = {(page, top) for page, top, _x0 in head.used}
    assert {(1, line.top) for line in cover[-4:]} <= used
    assert {(line.page, line.top) for line in title_page + note_page} <= used
    assert (5, 108) in used and head.date_iso == "2025-05-30"  # the preface's date
    # The report's own text stays, even a heading that repeats a word of the title.
    assert not {(5, 150), (5, 180)} & used


def test_a_summary_under_the_title_is_neither_title_nor_subtitle():
    head = _head(
        _line("United Nations Group of Experts on", 215, 60, 12, True),
        _line("Geographical Names", 229, 60, 12, True),
        _line("2025 session", 242, 60, bold=True),
        _line("Item 7 (b) of the provisional agenda", 266, 60),
        _line("Report of Denmark", 320, 124, 14, True),
        _line("Summary", 362, 124, 12, True),
    )
    assert head.title == "Report of Denmark"
    assert head.subtitle is None


def test_united_nations_at_the_end_of_a_title_stays_in_it():
    head = _head(
        _line("Support to Non-Self-Governing Territories by the specialized", 377, 124, 12, True),
        _line("agencies and international institutions associated with the", 391, 124, 12, True),
        _line("United Nations", 404, 124, 12, True),
    )
    assert head.title.endswith("associated with the United Nations")


def test_a_working_paper_or_miscellaneous_document_is_other_whatever_its_title():
    from qa.ingest.masthead import kind_of

    review = "Review process of the mandate of the scientific advisory group"
    assert kind_of("TPNW/MSP/2025/WP.4", review, None, True) == "other"
    assert kind_of("FCCC/SBSTA/2011/Misc.14", "Views on a report", None, True) == "other"
    assert kind_of("A/80/4", review, None, True) == "report"


def test_a_report_named_by_its_session_keeps_the_bodys_name_above_it():
    cover = _cover(
        "E/2025/24-E/CN.3/2025/37",
        ("Statistical Commission", 197, 28.6),
        ("Report on the fifty-sixth session", 244, 20),
        ("(4–7 March 2025)", 264, 20),
        ("Economic and Social Council", 347, 20),
        ("Official Records, 2025", 369, 14),
        ("Supplement No. 4", 385, 14),
    )
    head = read_masthead([Page(1, 612, 792, cover)], 10.0, "E_2025_24.pdf")
    assert head.title == (
        "Statistical Commission: Report on the fifty-sixth session (4–7 March 2025)"
    )
    assert head.subtitle is None


def test_a_typewritten_title_in_capitals_over_two_lines_is_read_whole():
    # A/52/620 (1997), page 1: one font, no bold; the title centred in capitals on two lines,
    # the committee's report on two more, the distribution block in the right column.
    lines = [
        _line("UNITED", 36, x0=66, size=13.5),
        _line("General Assembly", 96, x0=159, size=16),
        _line("Distr.", 110, x0=437),
        _line("GENERAL", 123, x0=437),
        _line("A/52/620", 146, x0=437),
        _line("13 November 1997", 158, x0=437),
        _line("ENGLISH", 170, x0=437),
        _line("ORIGINAL: ENGLISH", 181, x0=437),
        _line("Fifty-second session", 231, x0=65),
        _line("Agenda item 90", 242, x0=65),
        _line("INFORMATION FROM NON-SELF-GOVERNING TERRITORIES TRANSMITTED", 278, x0=130),
        _line("UNDER ARTICLE 73 e OF THE CHARTER OF THE UNITED NATIONS", 290, x0=141),
        _line("Report of the Special Political and Decolonization", 313, x0=156),
        _line("Committee (Fourth Committee)", 324, x0=211),
        _line("Rapporteur: Mr. Ali Al-Sharafi (Yemen)", 348, x0=185),
    ]
    texts = front_lines(lines, 792)
    assert "Fifty-second session" in texts and "Agenda item 90" in texts
    assert "13 November 1997" in texts
    meta = read_front_matter(texts)
    assert meta["title"] == (
        "INFORMATION FROM NON-SELF-GOVERNING TERRITORIES TRANSMITTED UNDER ARTICLE 73 e OF THE "
        "CHARTER OF THE UNITED NATIONS"
    )
    assert meta["subtitle"] == (
        "Report of the Special Political and Decolonization Committee (Fourth Committee)"
    )
    assert meta["date_iso"] == "1997-11-13"


def test_a_list_in_capitals_is_the_title_not_a_bodys_name():
    # A/AC.182/2025/INF/1: the committee's name and dates, then "LIST OF PARTICIPANTS" set
    # large, then the list's own headings ("CHAIRPERSON") in bold capitals.
    head = _head(
        _line("Special Committee on the Charter of the", 215, 61, 12, True),
        _line("United Nations and on the Strengthening", 229, 61, 12, True),
        _line("of the Role of the Organization", 242, 61, 12, True),
        _line("18–26 February 2025", 256, 61),
        _line("LIST OF PARTICIPANTS", 342, 210, 16, True),
        _line("CHAIRPERSON", 387, 262, 12, True),
        _line("Mr. Nathaniel Khng (Singapore)", 415, 222, 12),
        _line("VICE-CHAIRPERSONS", 456, 241, 12, True),
    )
    assert head.title == "LIST OF PARTICIPANTS"


def test_a_bodys_name_in_capitals_stays_above_the_title():
    # DP/FPA/2025/4 (Part II): the fund's name set large, the report's title below it.
    head = _head(
        _line("UNITED NATIONS POPULATION FUND", 274, 144, 14, True),
        _line(
            "Report on the recommendations of the Joint Inspection Unit in 2024", 301, 144, 12, True
        ),
    )
    assert head.title == "Report on the recommendations of the Joint Inspection Unit in 2024"
