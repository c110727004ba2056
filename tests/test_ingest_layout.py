"""Reading mechanisms of qa.ingest on synthetic lines and blocks (no PDFs needed)."""

from __future__ import annotations

import dataclasses

import pytest

from qa.document import FOOTNOTE, PARAGRAPH, PREAMBLE, TEXT, Document, Paragraph
from qa.evaluate.ingest import footnote_numbers, own_label
from qa.ingest.layout import (
    Block,
    _blocks,
    _footnote_blocks,
    is_running,
    lay_out,
    reading_order,
)
from qa.ingest.masthead import read_masthead
from qa.ingest.paragraphs import footnote_units, read_body
from qa.ingest.pdf import Line, Page, _line, _split_lines


def _text(text: str, page: int, indent: float | None = 0.0, bold: bool = False) -> Block:
    return Block(text, page, "text", bold, 10.0, lines=(text,), indent=indent)


def test_unnumbered_text_stops_at_a_page_break():
    body = read_body([
        _text("The letter goes on and on until the page ends.", 1),
        _text("Then the next page opens a paragraph of its own.", 2),
    ])  # fmt: skip
    texts = [(u.page, u.last_page, u.intro) for u in body.units if u.kind == TEXT]
    assert texts == [
        (1, None, "The letter goes on and on until the page ends."),
        (2, None, "Then the next page opens a paragraph of its own."),
    ]


def test_unnumbered_text_a_page_break_cuts_mid_sentence_runs_on_and_is_cited_by_both_pages():
    # E/HLPF/2025/5: "… although a significant gender gap" / "persists (the rate was …".
    body = read_body([
        _text("Unemployment fell, although a significant gender gap", 1),
        _text("persists (the rate was 3.0 per cent for men).", 2),
        _text("Another paragraph follows on that page.", 2),
        _text("and a lower-case line after a finished sentence is its own text", 3),
    ])  # fmt: skip
    units = [u for u in body.units if u.kind == TEXT]
    assert [(u.page, u.last_page, u.ordinal) for u in units] == [
        (1, 2, "1"), (2, None, "1"), (3, None, "1"),
    ]  # fmt: skip
    assert units[0].intro == (
        "Unemployment fell, although a significant gender gap persists (the rate was 3.0 per "
        "cent for men)."
    )
    assert units[0].locator == "pp. 1–2"
    assert units[1].locator == "p. 2"


def test_a_page_of_headings_alone_is_cited_by_them():
    blocks = [
        _text("I write to inform you of the attacks.", 1),
        _text("Consequences of the attacks", 2, bold=True),
        _text("Source: Emergency Service.", 3),
    ]
    units = read_body(blocks).units
    assert [(u.page, u.intro) for u in units] == [
        (1, "I write to inform you of the attacks."),
        (2, "Consequences of the attacks"),
        (3, "Source: Emergency Service."),
    ]


def test_a_list_numbered_inside_a_paragraph_is_not_the_next_paragraphs():
    blocks = [
        _text("1. The Commission met.", 1),
        _text("2. The agenda read as follows:", 1),
        _text("1. Opening of the session.", 1, indent=24.0),
        _text("2. Adoption of the agenda.", 1, indent=24.0),
        _text("3. Other business.", 1, indent=24.0),
        _text("3. At its 398th meeting, the Commission took note of its schedule.", 1),
    ]
    numbered = [u for u in read_body(blocks, 10.0).units if u.kind == PARAGRAPH]
    assert [u.number for u in numbered] == [1, 2, 3]
    assert "Other business" in numbered[1].intro
    assert numbered[2].intro.startswith("At its 398th meeting")


def test_numbers_at_the_paragraph_indent_stay_paragraphs():
    # A decision's paragraphs with first lines indented like every other paragraph.
    blocks = [_text(f"{n}. Requests the Secretary-General to report.", 1, 24.0) for n in (1, 2)]
    numbered = [u.number for u in read_body(blocks, 10.0).units if u.kind == PARAGRAPH]
    assert numbered == [1, 2]


def test_the_enclosure_of_an_unnumbered_annex():
    blocks = [
        _text("Annex", 2, bold=True),
        _text("I have the honour to transmit the report.", 2),
        _text("Enclosure", 3, bold=True),
        _text("1. The report covers the period.", 3),
    ]
    units = read_body(blocks).units
    assert [u.annex for u in units] == ["", "enclosure"]
    assert own_label("enclosure") == "" and own_label("II*") == "II"


def _line_at(text: str, top: float, x0: float = 72.0, size: float = 10.0, bold=False) -> Line:
    return Line(text, 1, x0, x0 + 6 * len(text), top, top + size * 0.8, size, bold)


def test_an_official_records_date_in_brackets_on_a_later_page():
    page1 = Page(1, 612, 792, (_line_at("A/80/42", 60), _line_at("Supplement No. 42", 200)))
    page4 = Page(4, 612, 792, (_line_at("[30 April 2025]", 300, x0=260),))
    head = read_masthead([page1, Page(2, 612, 792, ()), Page(3, 612, 792, ()), page4], 10.0, "x")
    assert head.date_iso == "2025-04-30"


def test_draft_decision_line_above_the_title_tells_the_kind():
    lines = (
        _line_at("United Nations E/2025/L.5", 40),
        _line_at("10 April 2025", 80, x0=400),
        _line_at("2025 session", 200),
        _line_at("Agenda item 2", 214),
        _line_at("Adoption of the agenda and other organizational matters", 228, bold=True),
        _line_at("Draft decision submitted by the Vice-Presidents of the Council", 250),
        _line_at("Meeting on the transition from relief to development", 280, size=12, bold=True),
    )
    head = read_masthead([Page(1, 612, 792, lines)], 10.0, "E_2025_L.5.pdf")
    assert head.title == "Meeting on the transition from relief to development"
    assert head.kind == "decision"


def _piece(text, x0, base, size=10.0):
    return (text, x0, x0 + 5 * len(text), base - size, base, size, False)


def test_pieces_make_lines_and_raised_markers():
    pieces = [_piece("adopted in 2024,", 72, 100), _piece("1", 153, 96, 6.0), None]
    pieces += [_piece("Next line", 72, 112)]
    lines = [_line(group, 1) for group in _split_lines(pieces)]
    assert [ln.text for ln in lines] == ["adopted in 2024,", "Next line"]
    assert lines[0].markers == ("1",)


def test_blocks_carry_their_indent_from_the_margin():
    lines = [
        _line_at("5. The agenda read as follows:", 100, x0=124),
        _line_at("1. Opening of the session.", 118, x0=148),
        _line_at("the text of the next line, at the margin.", 130, x0=124),
        _line_at("and another line of running text here.", 142, x0=124),
    ]
    blocks = _blocks(lines, 10.0)
    assert [b.indent for b in blocks] == [0.0, 24.0]


def test_footnote_numbers_must_run_from_one():
    def note(ordinal):
        return Paragraph(None, (), "See.", page=1, kind=FOOTNOTE, ordinal=ordinal)

    document = Document("d", "t", paragraphs=(note("*"), note("1"), note("2"), note("1 (p. 9)")))
    assert footnote_numbers(document) == 2
    assert footnote_numbers(Document("d", "t", paragraphs=(note("1"), note("3")))) == -1


def _at(text, top, x0, size=10.0, base=None, markers=(), x1=None):
    base = top + size * 0.7 if base is None else base
    x1 = x0 + size * 0.5 * len(text) if x1 is None else x1
    return Line(text, 1, x0, x1, top, base, size, False, tuple(markers))


_PROSE = "and emphasizing that Parties should, in all climate change-related actions, respect"


def _prose(top: float, n: int = 6) -> tuple[Line, ...]:
    return tuple(_at(_PROSE, top + 12 * k, 113.5, x1=481.0) for k in range(n))


def test_a_raised_marker_set_as_its_own_line_belongs_to_the_line_it_ends():
    page = Page(1, 612, 792, (
        _at("the final report of the Study Group", 637.7, 113.6, base=644.7, x1=481.3),
        _at("5", 649.7, 304.6, 6.0, base=653.7, x1=307.0),
        _at("on sea-level rise in relation to international law,", 649.9, 113.6, base=656.7,
            x1=303.9),
    ))  # fmt: skip
    lines = reading_order(page)
    assert [ln.text for ln in lines] == [
        "the final report of the Study Group",
        "on sea-level rise in relation to international law,",
    ]
    assert lines[1].markers == ("5",)


def test_footnotes_at_a_foot_without_a_rule_and_markers_on_lines_of_their_own():
    page = Page(1, 595, 842, _prose(600) + (
        _at("3", 710.2, 104.9, 6.0, base=714.2, x1=107.2),
        _at("Intergovernmental Panel on Climate Change, Climate Change 2023.", 711.1, 113.5, 9.0,
            base=717.2),
        _at("4", 743.2, 104.7, 6.0, base=747.2, x1=107.5),
        _at("International Tribunal for the Law of the Sea, Request for an Advisory", 744.1, 113.5,
            9.0, base=750.2),
        _at("May 2024.", 766.2, 113.4, 9.0, base=772.3),
        _at("2 GE.25-04731", 805.6, 56.8, 8.0, base=811.8),
    ))  # fmt: skip
    layout = lay_out([page], [])
    assert [(n.label, n.text[:20]) for n in layout.footnotes] == [
        ("3", "Intergovernmental Pa"),
        ("4", "International Tribun"),
    ]
    assert "May 2024." in layout.footnotes[1].text
    assert all("GE.25" not in b.text for b in layout.blocks)


def test_a_footnote_repeated_on_every_page_is_not_a_running_footer():
    def page(n):
        return Page(n, 595, 842, _prose(400) + (
            _at("Adopted under the Convention on Climate Change; see", 765.4, 104.9, 9.0,
                base=772.3, markers=(str(n),)),
            _at("FCCC/CP/2015/10/Add.1, decision 1/CP.21.", 777.1, 113.4, 9.0, base=783.2),
            _at(str(n), 805.6, 534.2, 9.0, base=811.8),
        ))  # fmt: skip

    layout = lay_out([page(n) for n in range(1, 5)], [])
    assert [n.label for n in layout.footnotes] == ["1", "2", "3", "4"]
    assert all(n.text.endswith("decision 1/CP.21.") for n in layout.footnotes)


def test_a_page_number_set_just_below_the_notes_in_their_type_is_not_part_of_them():
    # DP-FPA/2025/1: the page number sits 4 points under the last note line, same size.
    def page(n):
        return Page(n, 612, 792, _prose(400) + (
            _at("__________________", 694.3, 111.6, 8.0),
            _at(f"{n} See PCB 53 decision point 6.5 and the scorecards for {n}.", 701.4, 135.5,
                8.5, base=707.3),
            _at("urgency is now, AIDS at a crossroads.", 711.2, 135.5, 8.5, base=717.0),
            _at(str(n + 1), 720.8, 72.3, 8.5, base=726.5, x1=76.1),
        ))  # fmt: skip

    layout = lay_out([page(n) for n in range(1, 5)], [])
    assert [n.label for n in layout.footnotes] == ["1", "2", "3", "4"]
    assert all(n.text.endswith("at a crossroads.") for n in layout.footnotes)


@pytest.mark.parametrize(
    "asterisk_x0",
    [
        115.7,  # E/2025/66's notes: the raised "1" a little right of the "*"
        102.4,  # E/2025/L.18's: the raised "1", "2", "3" 15 points right of the "*"
    ],
)
def test_numbered_notes_right_of_an_asterisk_note_are_notes_of_their_own(asterisk_x0):
    notes = _footnote_blocks([
        _at("* In accordance with rule 72 of the rules of procedure.", 666.0, asterisk_x0, 8.5),
        _at("See General Assembly resolution 70/1.", 675.8, 117.6, 8.5, markers=("1",)),
        _at("E/2025/66.", 686.3, 117.1, 8.5, markers=("2",)),
        _at("See E/2025/SR.15.", 696.8, 117.2, 8.5, markers=("3",)),
    ])  # fmt: skip
    assert [(n.label, n.text) for n in notes] == [
        ("*", "In accordance with rule 72 of the rules of procedure."),
        ("1", "See General Assembly resolution 70/1."),
        ("2", "E/2025/66."),
        ("3", "See E/2025/SR.15."),
    ]


def test_a_note_citing_the_documents_own_symbol_at_the_foot_is_not_its_footer():
    # E/2025/72, a draft resolution: "¹ E/2025/72." is the report it considers.
    page = Page(4, 612, 792, _prose(500) + (
        _at("__________________", 719.6, 99.6, 8.0),
        _at("E/2025/72.", 725.7, 117.6, 8.5, base=732.5, markers=("1",)),
        _at("4/25 25-08365", 749.0, 60.2, 7.0, base=753.8),
    ))  # fmt: skip
    layout = lay_out([page], ["E/2025/72"])
    assert [(n.label, n.text) for n in layout.footnotes] == [("1", "E/2025/72.")]


def test_the_languages_a_text_was_submitted_in_are_not_its_text():
    # A/80/61: wrapped onto a second line under the title; E/HLPF/2025/5: run into the text.
    page = Page(1, 595, 842, (
        _at("Report of UN-Nutrition", 100, 72, 12.0),
        _at("[Original: Arabic, Chinese, English, French,", 130, 360),
        _at("Russian and Spanish]", 142, 460),
        _at("The right to have access to safe, sufficient and nutritious foods.", 170, 72),
        _at("[Original: English]", 300, 460),
        _at("In 2025, Angola will celebrate 50 years of independence.", 312, 72),
    ))  # fmt: skip
    texts = [b.text for b in lay_out([page], []).blocks]
    assert not any("Original" in t for t in texts)
    assert "The right to have access to safe, sufficient and nutritious foods." in texts
    assert any(t.startswith("In 2025, Angola") for t in texts)


def test_the_job_number_above_the_footer_band_and_a_continued_mark_are_furniture():
    # A/80/42's last page: the job number under the text, above the band; A/52/620 (typed in
    # 1997): "/..." at the foot of each page, run into the job number on the first.
    page = Page(1, 612, 792, (
        _at("appreciation to the Chair and the Secretariat.", 195.3, 147.5),
        _at("25-06847 (E) 090525", 697.5, 60.2),
        _at("97-31708 (E) 181197 /...", 713.2, 65.9),
        _at("/...", 724.9, 524.4),
    ))  # fmt: skip
    kept = [ln.text for ln in page.lines if not is_running(ln, page, set(), [])]
    assert kept == ["appreciation to the Chair and the Secretariat."]


def test_the_symbol_in_a_footer_is_furniture_in_any_case():
    page = Page(1, 595, 842, (_at("FCCC/SBSTA/2011/MISC.14", 723.8, 56.8),))
    assert is_running(page.lines[0], page, set(), ["FCCC/SBSTA/2011/Misc.14"], edge=True)


def test_text_set_larger_after_the_last_paragraph_is_not_part_of_it():
    blocks = [
        _text("1. The secretariat provided an update, which is attached.", 1),
        Block("Letter dated 2 November 2011 from the secretariat", 3, "text", False, 12.0,
              lines=("Letter dated 2 November 2011 from the secretariat",), indent=0.0),
        _text("I am writing to update you about the status of the proposals.", 3),
    ]  # fmt: skip
    units = read_body(blocks, 10.0).units
    assert [(u.kind, u.number, u.page) for u in units] == [
        (PARAGRAPH, 1, 1),
        (TEXT, None, 3),
    ]


def test_notes_below_a_small_type_table_at_the_foot_of_the_page():
    page = Page(1, 595, 842, _prose(300, 10) + (
        _at("State party 2012 2013 2014 2015 2016 2024 2025 Total", 600, 56.7, 9.0,
            markers=("a",)),
        _at("Iraq – – 5 42 22 43 50 612", 615, 56.7, 9.0),
        _at("Japan – – – – – 1 – 1", 630, 56.7, 9.0, markers=("d",)),
        _at("Mali – – – – – 1 11 12", 645, 56.7, 9.0),
        _at("See CED/C/28/3, para. 6.", 690, 104.8, 9.0, markers=("7",)),
        _at("https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY", 703, 104.8, 9.0,
            markers=("8",)),
    ))  # fmt: skip
    layout = lay_out([page], [])
    assert [n.label for n in layout.footnotes] == ["7", "8"]
    assert any("Mali" in b.text for b in layout.blocks)


def test_a_page_number_run_into_the_job_number_is_furniture():
    page = Page(16, 595, 842, (_at("16/21-08803", 805, 56.8, 8.0),))
    assert is_running(page.lines[0], page, set(), [], edge=True)


def test_a_decision_preamble_run_into_one_paragraph_before_lettered_decisions():
    blocks = [
        _text("The Economic and Social Council, recalling its resolution 78/285, and noting the"
              " arrangements for the session:", 1),
        _text("(a) Recommends the proposed dates;", 1),
        _text("(b) Requests its subsidiary bodies to organize their sessions.", 1),
    ]  # fmt: skip
    units = read_body(blocks, 10.0).units
    assert [(u.kind, len(u.items)) for u in units] == [(PREAMBLE, 0), (TEXT, 2)]


def test_conclusions_quoted_before_the_reports_own_paragraph_one_are_not_its_paragraphs():
    blocks = [
        _text("The Board adopted the following agreed conclusions:", 2),
        *[
            _text(f"{n}. Welcomes the report and its findings on trade.", 2, 29.0)
            for n in (1, 2, 3)
        ],
        _text("1. At its closing meeting, the Board adopted the agreed conclusions above.", 3, 0.8),
        _text("2. Under the agenda item, the secretariat presented the report.", 4, 1.0),
    ]
    numbered = [(u.number, u.page) for u in read_body(blocks, 10.0).units if u.kind == PARAGRAPH]
    assert numbered == [(1, 3), (2, 4)]


def test_an_agenda_at_the_paragraph_indent_whose_numbers_the_paragraphs_take_up_again():
    blocks = [
        _text("1. The Committee adopted the following provisional agenda for its next session:", 6),
        _text("1. Opening of the session.", 13, 1.1),
        _text("2. Review of progress made in implementing the plan of action.", 13, 1.1),
        _text("3. Other matters.", 13, 1.1),
        _text("2. At its 1st meeting, on 27 May 2025, the President opened the session.", 14, 0.6),
        _text("3. At the same meeting, the Administrator made a statement.", 14, 0.6),
    ]
    numbered = [(u.number, u.page) for u in read_body(blocks, 10.0).units if u.kind == PARAGRAPH]
    assert numbered == [(1, 6), (2, 14), (3, 14)]


def test_lines_under_a_hanging_label_stay_in_its_block():
    lines = [
        _at("I. Kobia is an apolitical, non-profit association made up of people of", 155.9,
            123.6, x1=489.0),
        _at("goodwill who are willing to help it to achieve its goals.", 167.9, 147.4, x1=383.7),
        _at("II. Formally recognized as an association, No. 0635/MATDCL.", 185.9, 123.6,
            x1=488.1),
    ]  # fmt: skip
    blocks = _blocks(lines, 10.0)
    assert [b.text[:6] for b in blocks] == ["I. Kob", "II. Fo"]
    assert blocks[0].text.endswith("achieve its goals.")


def test_rows_of_figures_under_a_table_header_stay_in_the_table():
    lines = [
        _at("Thematic area Total Closure requested | implementation", 288.5, 118.1, 9.0),
        _at("Financial management 5 1 4", 307.2, 110.6, 9.0),
        _at("Investment management 2 - 2", 324.2, 110.7, 9.0),
        _at("Project management 2 1 1", 340.9, 110.7, 9.0),
        _at("Total 9 2 7", 357.8, 125.2, 9.0),
    ]
    blocks = _blocks(lines, 10.0)
    assert [(b.kind, len(b.lines)) for b in blocks] == [("table", 5)]


def test_a_box_beside_narrowed_running_text_is_read_after_it_as_a_table():
    # DP/2025/12, p. 7: paragraph 20 runs in a narrowed column beside a "spotlight" box whose
    # lines share its baselines; read line by line, the paragraph number was lost in the box.
    narrow = [
        "1. The integrated approach recognizes that",
        "sustainable poverty reduction requires a",
        "combination of strong foundations: physical",
        "infrastructure, essential services and digital",
        "connectivity. These must be combined with",
    ]
    box = ["Signature solutions", "- Poverty and inequality", "- Governance", "- Gender equality"]
    lines = [_at(_PROSE + " a", 100, 113.5, x1=481.0)]
    lines += [_at(t, 130 + 13.3 * k, 113.5, x1=290.0) for k, t in enumerate(narrow[:-1])]
    lines += [_at(narrow[-1], 130 + 13.3 * 4, 113.5, x1=230.0)]
    lines += [_at(t, 130 + 13.3 * k, 320.0) for k, t in enumerate(box)]
    lines += [_at("effective and accountable governance and adequate finance.", 200, 113.5)]
    lines += [_at("2. This is powerfully demonstrated by the local development programme.",
                  226, 113.5)]  # fmt: skip
    blocks = lay_out([Page(1, 612, 792, tuple(lines))], []).blocks
    tables = [b for b in blocks if b.kind == "table"]
    assert [t.lines for t in tables] == [tuple(box)]
    assert all("|" not in b.text for b in blocks)
    units = [u for u in read_body(blocks, 10.0).units if u.kind == PARAGRAPH]
    assert [u.number for u in units] == [1, 2]
    first = next(u for u in read_body(blocks, 10.0).units if u.number == 1)
    assert first.intro.endswith("adequate finance.")
    assert "Governance" not in first.intro


def test_a_table_of_two_columns_of_text_is_not_a_box():
    left = ["Staff members", "Affiliate workforce", "Consultants", "Interns", "Total"]
    right = ["1 268 1 383 +9", "784 1 450 +85", "200 210 +5", "12 30 +150", "2 052 2 833 +38"]
    lines = [_at(t, 100 + 12 * k, 113.5) for k, t in enumerate(left)]
    lines += [_at(t, 100 + 12 * k, 330.0) for k, t in enumerate(right)]
    blocks = lay_out([Page(1, 612, 792, tuple(lines))], []).blocks
    assert blocks[0].kind == "table"
    assert blocks[0].lines[0] == "Staff members | 1 268 1 383 +9"


def test_a_number_printed_without_its_full_stop_between_its_neighbours():
    blocks = [
        _text("1. In its decision, the Board requested an external evaluation.", 7),
        _text("2 With that adjustment in timing, the go-live date was moved to 2028.", 7),
        _text("3. Progress is being made across all areas of the programme.", 7),
    ]
    units = [u for u in read_body(blocks, 10.0).units if u.kind == PARAGRAPH]
    assert [u.number for u in units] == [1, 2, 3]
    assert units[1].intro.startswith("With that adjustment")


def test_a_bold_first_line_that_the_next_block_carries_on_is_a_paragraph():
    # JIU/REP/2025/1: run-in headings in bold that wrap ("... has various distinct" /
    # "subcommittees. In addition ..."), one with a year opening its next line.
    blocks = [
        _text("1. Accreditation of Member States to the Committee is open to all.", 13),
        _text("2. The Committee of Permanent Representatives has various distinct", 13,
              bold=True),
        _text("subcommittees. In addition to the formal meetings, it has informal ones.", 13),
        _text("3. Only fixed-term appointment limited positions advertised as of February",
              13, bold=True),
        _text("2025. Since June 2024, UNEP management has used the contractual modality.", 13),
        _text("4. Geographical diversity. The principles regarding diversity apply.", 14),
    ]  # fmt: skip
    units = [u for u in read_body(blocks, 10.0).units if u.kind == PARAGRAPH]
    assert [u.number for u in units] == [1, 2, 3, 4]
    assert units[1].intro.endswith("it has informal ones.")
    assert "2025. Since June 2024" in units[2].intro


def test_a_bold_numbered_title_is_still_a_heading():
    blocks = [
        _text("1. The Council met.", 1),
        _text("2. Center for Family Studies", 1, bold=True),
        _text("The Center opened in 2020 and serves the region.", 1),
        _text("2. The Center reported on its work.", 1),
    ]
    units = [u for u in read_body(blocks, 10.0).units if u.kind == PARAGRAPH]
    assert [u.number for u in units] == [1, 2]
    assert units[1].intro.startswith("The Center reported")


def test_an_annex_quoted_inside_the_body_gives_the_numbering_back():
    # E/2025/15/Add.1/Rev.1: draft resolutions with annexed decisions (numbered from 1, set
    # further right) between the report's paragraphs 2 and 3.
    blocks = [
        _text("1. At its session, the Commission adopted a decision.", 2, indent=1.0),
        _text("2. At its seventy-first session, the Commission adopted decisions.", 2,
              indent=0.6),
        _text("Annex", 3, bold=True),
        _text("1. Requests the Secretary-General to strengthen the secretariat.", 3,
              indent=25.0),
        _text("2. Decides to transmit to the Council a draft resolution.", 3, indent=24.0),
        _text("3. At its fortieth session, held in Lima, the Commission adopted a resolution.",
              5, indent=0.7),
        _text("4. At its eighty-first session, held in Bangkok, the Commission decided.", 6,
              indent=0.6),
    ]  # fmt: skip
    units = [u for u in read_body(blocks, 10.0).units if u.kind == PARAGRAPH]
    assert [(u.number, u.annex) for u in units] == [
        (1, None), (2, None), (1, ""), (2, ""), (3, None), (4, None),
    ]  # fmt: skip


def test_an_annex_at_the_body_margin_keeps_its_own_numbering():
    blocks = [
        _text("1. The report covers the year.", 1),
        _text("2. The Board is invited to take note.", 1),
        _text("Annex", 2, bold=True),
        _text("1. The evaluation began in March.", 2),
        _text("2. It covered three offices.", 2),
        _text("3. It ended in June with a report to the Board.", 2),
    ]
    units = [u for u in read_body(blocks, 10.0).units if u.kind == PARAGRAPH]
    assert [(u.number, u.annex) for u in units] == [(1, None), (2, None), (1, ""), (2, ""), (3, "")]


def test_a_unit_names_the_footnotes_its_blocks_mark():
    # Paragraph 1 carries marker 1 on page 1 and, continued on page 2, marker 2. The heading
    # on page 2 carries marker 3: it goes to the first unit under the heading, paragraph 2,
    # whose own marker 1 is the footnote "1" printed again on page 2 ("1 (p. 2)"), not page
    # 1's. A table keeps its own markers.
    footnotes = footnote_units(
        [
            Block("A/79/1.", 1, "footnote", label="1"),
            Block("See annex.", 2, "footnote", label="2"),
            Block("A/80/3.", 2, "footnote", label="3"),
            Block("Same number, second page.", 2, "footnote", label="1"),
            Block("Provisional figures.", 2, "footnote", label="a"),
        ]
    )
    blocks = [
        dataclasses.replace(_text("1. The first paragraph runs on", 1), markers=("1",)),
        dataclasses.replace(_text("to the next page and ends here.", 2), markers=("2",)),
        dataclasses.replace(_text("II. Findings", 2, bold=True), markers=("3",)),
        dataclasses.replace(_text("2. The second paragraph.", 2), markers=("1",)),
        Block("Year Cases\n2024 12", 2, "table", markers=("a",)),
        _text("3. The third paragraph cites nothing.", 2),
    ]
    units = read_body(blocks, 10.0, footnotes).units
    assert sorted((u.kind, u.number or 0, u.notes) for u in units) == [
        (PARAGRAPH, 1, ("1", "2")),
        (PARAGRAPH, 2, ("3", "1 (p. 2)")),
        (PARAGRAPH, 3, ()),
        ("table", 0, ("a",)),
    ]
    assert [f.ordinal for f in footnotes] == ["1", "2", "3", "1 (p. 2)", "a"]


def test_a_bold_lead_the_next_plain_line_carries_on_opens_the_paragraph():
    # S/2025/453: a speaker's name in bold makes the line bold; it is not a title.
    body = read_body([
        _text("The Briefings", 2, bold=True),
        _text("Ms Mirjana Spoljaric Egger, President of the ICRC, emphasized that water is", 2,
              bold=True),
        _text("essential for life, dignity, and survival.", 2),
        _text("Recommendations", 2, bold=True),
        _text("Member States should act.", 2),
    ])  # fmt: skip
    units = [(u.intro, [h.title for h in u.headings]) for u in body.units]
    assert units == [
        (
            "Ms Mirjana Spoljaric Egger, President of the ICRC, emphasized that water is "
            "essential for life, dignity, and survival.",
            ["The Briefings"],
        ),
        ("Member States should act.", ["Recommendations"]),
    ]


def test_a_bold_line_going_on_in_lower_case_after_a_page_break_continues_the_paragraph():
    # A/79/7/Add.13 para. 24: the Committee's bold recommendation runs over the page.
    body = read_body([
        _text("1. The contracts had a retention clause. The Advisory Committee stresses the "
              "need for strengthened", 7),
        _text("accountability of managers and contractors for breach of contractual", 8, bold=True),
        _text("requirements.", 8),
    ])  # fmt: skip
    assert [(u.number, u.intro) for u in body.units] == [
        (1, "The contracts had a retention clause. The Advisory Committee stresses the need for "
            "strengthened accountability of managers and contractors for breach of contractual "
            "requirements."),
    ]  # fmt: skip


def test_a_table_label_on_its_own_line_is_read_with_the_title_or_table_under_it():
    body = read_body([
        _text("1. The overall cost plan for the project remains unchanged.", 11),
        _text("Table 2", 11),
        _text("Resource requirements for 2025", 11, bold=True),
        Block("Item | Amount\nConstruction | 12 173.9", 11, "table", False, 10.0,
              lines=("Item | Amount", "Construction | 12 173.9")),
        _text("Figure III", 12),
        Block("Weeks | Attacks", 12, "table", False, 10.0, lines=("Weeks | Attacks",)),
        _text("2. The Committee was informed of the plan.", 12),
    ])  # fmt: skip
    units = body.units
    assert units[0].intro == "The overall cost plan for the project remains unchanged."
    assert units[1].kind == "table"
    assert units[1].headings[-1].title == "Table 2 Resource requirements for 2025"
    assert units[2].intro.startswith("Figure III Weeks")
    assert units[3].number == 2


def test_a_title_wrapped_under_its_hanging_label_is_one_title():
    # S/2025/153: "A. Situation in the area of operations of the United Nations Interim" /
    # "Force in Lebanon", the second line set under the title's first word.
    lines = [
        Line("A. Situation in the area of operations of the United Nations Interim", 1, 98.6,
             473.0, 633.7, 642.0, 12.0, True),
        Line("Force in Lebanon", 1, 123.4, 218.7, 647.3, 655.5, 12.0, True),
        Line("2. From 21 October to 26 November, the United Nations Interim Force in", 1,
             123.3, 487.7, 673.0, 680.0, 10.0, False),
        Line("Lebanon recorded 2,182 trajectories of projectiles fired from within the", 1,
             123.5, 551.0, 685.0, 692.0, 10.0, False),
        # A title's own line under a short section title is a title of its own.
        Line("E. Asia", 1, 99.6, 147.0, 707.0, 715.2, 12.0, True),
        Line("Central and South Asia", 1, 123.8, 229.9, 732.6, 739.5, 12.0, True),
    ]  # fmt: skip
    texts = [b.text for b in _blocks(lines, 10.0)]
    assert texts[0] == (
        "A. Situation in the area of operations of the United Nations Interim Force in Lebanon"
    )
    assert texts[-2:] == ["E. Asia", "Central and South Asia"]


def test_a_running_header_of_several_lines_is_dropped_on_every_page():
    # E/HLS/2025/1: three lines of title over the symbol's line, each page's top band; only
    # the first three lines of a page were compared from page to page.
    words = ["poverty", "oceans", "health", "energy"]

    def page(n: int) -> Page:
        header = (
            _at("Ministerial declaration of the high-level segment of the 2025 session", 23.6, 60),
            _at("and the 2025 high-level political forum on sustainable development", 33.5, 60),
            _at("Council on the theme of advancing sustainable, inclusive solutions", 43.3, 60),
            _at(f"E/HLS/2025/1 | Agenda for Sustainable Development {n}", 53.2, 60),
        )
        body = tuple(
            _at(f"We commit to act on {words[n - 1]} in line {words[k]}.", 100 + 12 * k, 123)
            for k in range(4)
        )
        return Page(n, 612, 792, tuple(dataclasses.replace(ln, page=n) for ln in header + body))

    layout = lay_out([page(n) for n in range(1, 5)], ["E/HLS/2025/1"])
    assert not [b.text for b in layout.blocks if "Agenda" in b.text or "declaration" in b.text]
    assert len(layout.blocks) == 4


def test_a_figures_caption_heads_what_is_under_it_not_the_paragraphs_after_it():
    # S/2025/153 para. 14 was cited under "Figure III Weekly air attacks …".
    body = read_body([
        _text("A. Situation in the area of operations", 4, bold=True),
        _text("1. UNIFIL recorded 1,295 air violations.", 4),
        _text("Figure III", 5),
        _text("Weekly air attacks observed by UNIFIL", 5, bold=True),
        _text("180 160 140 120 Weeks Source: UNIFIL.", 5),
        _text("2. After 27 November, the situation remained tense.", 5),
        _text("Figure IV", 6),
        _text("Daily trajectories of projectiles", 6, bold=True),
        _text("50 45 40 Weeks Source: UNIFIL.", 6),
        _text("A text on the next page, after the figure.", 7),
    ])  # fmt: skip
    paths = [(u.number, u.page, [h.display for h in u.headings]) for u in body.units]
    assert paths == [
        (1, 4, ["A. Situation in the area of operations"]),
        (None, 5, ["A. Situation in the area of operations",
                   "Figure III Weekly air attacks observed by UNIFIL"]),
        (2, 5, ["A. Situation in the area of operations"]),
        (None, 6, ["A. Situation in the area of operations",
                   "Figure IV Daily trajectories of projectiles"]),
        (None, 7, ["A. Situation in the area of operations"]),
    ]  # fmt: skip


def test_a_bold_row_of_totals_is_not_a_title_but_a_decisions_number_is():
    body = read_body([
        _text("I. Estimated costs", 3, bold=True),
        _text("Total 25 942.7 2 810.7 23 132.0", 3, bold=True),
        _text("1. The project's cost plan remains unchanged.", 3),
        _text("2025/4", 4, bold=True),
        _text("2. The Board takes note of the report.", 4),
    ])  # fmt: skip
    paths = [(u.number, u.text, [h.display for h in u.headings]) for u in body.units]
    assert paths == [
        (None, "Total 25 942.7 2 810.7 23 132.0", ["I. Estimated costs"]),
        (1, "The project's cost plan remains unchanged.", ["I. Estimated costs"]),
        (2, "The Board takes note of the report.", ["I. Estimated costs", "2025/4"]),
    ]


def test_a_panels_numbered_and_titled_annexes_are_annexes():
    # S/2025/356: "Annex 10B: The spawning" was read as a title under the body's last section.
    body = read_body([
        _text("C. Attacks on the port", 20, bold=True),
        _text("1. The Panel documented attacks on the port.", 20),
        _text("Annex 3.1: Panel's visit to the border", 33, bold=True),
        _text("The Panel visited the border in January.", 33),
        _text("Annex 10B: The spawning", 55, bold=True),
        _text("Elvers spawn in the Sargasso Sea.", 55),
    ])  # fmt: skip
    assert [(u.annex, u.citation()) for u in body.units] == [
        (None, "para. 1 — C Attacks on the port"),
        ("3.1", "annex 3.1, p. 33"),
        ("10B", "annex 10B, p. 55"),
    ]
