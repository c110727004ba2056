"""HTML of hits and the report: all text escaped, sentence and terms marked, sub-items listed."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from conftest import small_report

from qa import render
from qa.document import Document, Heading, Paragraph, SubItem
from qa.ingest import parse

ATTACKS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "' onmouseover='alert(1)",
    "{{constructor.constructor('alert(1)')()}}",
    "${alert(1)}",
    "`${alert(1)}`",
]


class _Elements(HTMLParser):
    """Every start tag and attribute name in a piece of HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]


def elements(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


def assert_inert(html: str) -> None:
    """No element or attribute that runs code, and no template syntax left unescaped."""
    found = elements(html)
    assert not {"script", "img", "svg", "iframe"} & set(found.tags)
    assert not [a for a in found.attributes if a.startswith("on")]
    assert not re.search(r"\$\{|\{\{|`", html)


@pytest.mark.parametrize("attack", ATTACKS)
def test_esc_makes_any_text_inert(attack):
    assert_inert(render.esc(attack))
    assert_inert(f'<p title="{render.esc(attack)}">{render.esc(attack)}</p>')


def test_terms_are_marked_by_stem_and_the_rest_escaped():
    terms = render.query_terms("How many victims were assisted?")
    html = render.mark_terms("IOM assists <b>victims</b> & a victim", terms)
    assert html.count('<strong class="term">') == 3  # assists, victims, victim
    assert "&lt;b&gt;" in html and "&amp;" in html
    assert "<b>" not in html


def test_digit_groups_match_as_one_number():
    html = render.mark_terms("assisted 7,400 victims", render.query_terms("7400"))
    assert '<strong class="term">7,400</strong>' in html


def test_highlight_marks_the_sentence_once():
    text = "First sentence here. The answer is 42. Last one."
    html, found = render.highlight(text, "The answer is 42.", frozenset())
    assert found
    assert html == 'First sentence here. <mark class="best">The answer is 42.</mark> Last one.'


def test_highlight_without_the_sentence_marks_nothing():
    html, found = render.highlight("Some text.", "Not in it.", frozenset())
    assert not found and "<mark" not in html


def test_highlight_escapes_an_attack_inside_the_sentence():
    text = "Before. <img src=x onerror=alert(1)> is here. After."
    html, found = render.highlight(text, "<img src=x onerror=alert(1)> is here.", frozenset())
    assert found
    assert_inert(html)


def _paragraph() -> Paragraph:
    return Paragraph(
        number=139,
        headings=(Heading(1, "IX", "Recommendations"),),
        intro="It is recommended that the General Assembly consider the following:",
        items=(
            SubItem(("a",), "Encourage Member States to monitor trafficking;"),
            SubItem(("d",), "Call upon Member States to:"),
            SubItem(("d", "i"), "Assess their cooperation;"),
            SubItem(("d", "iv"), "Provide interpretation to victims;"),
            SubItem(("e",), "Invite <Member> States to act."),
        ),
    )


def test_sub_items_are_a_nested_list_with_the_cited_one_marked():
    html = render.paragraph_body(
        _paragraph(), "Provide interpretation to victims;", frozenset(), ("d", "iv")
    )
    tags = elements(html).tags
    assert tags.count("ol") == 2  # the items, and (d)'s roman sub-items inside it
    assert tags.count("li") == 5
    inner = html[html.index('<ol class="items sub">') : html.index("</ol>")]
    assert "(i)" in inner and "(iv)" in inner and "(e)" not in inner
    focus = re.search(r'<li class="item focus-item" data-label="d iv">.*?</li>', html)
    assert focus and '<mark class="best">' in focus.group(0)
    assert "Invite &lt;Member&gt; States" in html


def test_outline_gives_each_heading_its_paragraph_range(document):
    sections = render.outline(document)
    assert len(sections) == len(document.headings)
    iom = next(s for s in sections if s.heading.title == "International Organization for Migration")
    assert iom.code == "III.B.3"
    assert iom.first <= 57 <= iom.last
    chapter = next(s for s in sections if s.code == "III")
    assert chapter.first <= iom.first and chapter.last >= iom.last
    numbers = [p.number for p in document.paragraphs]
    assert sections[0].first == numbers[0]
    assert max(s.last for s in sections if s.last) == numbers[-1]


def test_toc_lists_every_heading_with_its_range(document):
    html = render.toc_html({document.doc_id: document})
    assert html.count("data-open=") == len(document.headings) + (document.summary is not None)
    assert "3. International Organization for Migration" in html
    assert re.search(r"paras\. \d+–\d+", html)


def test_a_paragraph_in_context_shows_its_section_with_it_marked(document):
    html = render.paragraph_in_context(document, 57)
    assert html.count('class="rpara focus"') == 1
    assert 'id="para-57"' in html
    assert "International Organization for Migration" in html
    paragraphs = re.findall(r'id="para-(\d+)"', html)
    section = document.paragraph(57).headings
    expected = [str(p.number) for p in document.paragraphs if p.headings == section]
    assert paragraphs == expected


def test_a_missing_paragraph_has_no_context(document):
    assert render.paragraph_in_context(document, 10_000) is None


def test_report_text_with_markup_is_escaped_everywhere():
    doc = parse(
        small_report(
            [
                "An attack <img src=x onerror=alert(1)> in the report ${alert(1)} {{x}}.",
                "A second paragraph with `backticks`.",
            ],
            title="A <script>alert(1)</script> report",
        ),
        doc_id="attack",
    )
    documents = {doc.doc_id: doc}
    assert_inert(render.header_html(documents))
    assert_inert(render.toc_html(documents))
    assert_inert(render.paragraph_in_context(doc, 1))
    assert_inert(render.section_html(doc, 0))


def test_results_escape_the_question_and_the_hits(index):
    question = "<img src=x onerror=alert(1)> victims IOM 2018 ${x} {{y}}"
    hits = index.search(question, k=3)
    html = render.results_html(hits, index.documents, question, "hybrid", ["a <b>note</b>"])
    assert_inert(html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;note&lt;/b&gt;" in html
    assert html.count('class="hit"') == 3


def test_a_hit_has_citation_copy_score_context_and_section(index):
    hit = index.search("How many victims did IOM assist in 2018?", k=1)[0]
    html = render.hit_html(hit, index.documents[hit.document], render.query_terms("IOM"))
    assert f">{hit.citation}</a>" in html.replace("&#x27;", "'")
    assert f'data-copy="{render.esc(hit.citation)}"' in html
    assert 'href="?q=para%2057"' in html
    assert '<mark class="best">' in html
    assert "Paragraphs before and after" in html and "(para. 56 and 58)" in html
    # In a library, the neighbours' links name their document too (a new tab opened
    # "?q=para 56" in whichever document answered it first).
    named = render.hit_html(hit, index.documents[hit.document], frozenset(), named=True)
    assert f'href="?q=para%2056&amp;doc={hit.document}"' in named
    assert "Read in context: III.B.3 International Organization for Migration" in html
    width = re.search(r'style="width:(\d+)%"', html)
    assert width and int(width.group(1)) == round(hit.score * 100)


def test_a_hit_in_a_long_list_shows_its_sub_item_and_folds_the_rest(index):
    hit = index.search("provide interpretation and language assistance to victims", k=1)[0]
    assert hit.paragraph == 139 and hit.item == "(d) (iv)"
    document = index.documents[hit.document]
    html = render.hit_html(hit, document, frozenset())
    shown, folded = html.split("<details class='whole'>", 1)
    assert 'data-label="d iv"' in shown and 'data-label="d"' in shown
    assert 'data-label="a"' not in shown and 'data-label="d i"' not in shown
    assert f"({len(document.paragraph(139).items)} sub-items)" in folded
    assert 'data-label="a"' in folded


def test_the_header_has_the_title_and_date(document):
    html = render.header_html({document.doc_id: document})
    assert f"<h1>{render.esc(document.title)}</h1>" in html
    assert "18 June 2019" in html


def test_the_header_of_a_library_counts_documents_by_organ_and_year(document):
    from dataclasses import replace

    many = {
        f"r{n}": replace(
            document,
            doc_id=f"r{n}",
            title=f"Report {n}",
            organ="Security Council" if n < 4 else "General Assembly",
            date_iso=f"202{n}-01-01",
        )
        for n in range(6)
    }
    html = render.header_html(many)
    assert "<h1>6 United Nations documents</h1>" in html
    assert "Security Council 4" in html and "General Assembly 2" in html
    assert "2020–2025" in html


# --- a library: documents of every kind of unit, facets, the reader's parts -------------------


def _unit(kind, page, ordinal=None, number=None, headings=(), text="Some text."):
    return Paragraph(number, headings, text, page=page, kind=kind, ordinal=ordinal)


def _letter(doc_id="letter", units=3, title="Letter dated 1 May 2025 <b>from</b> Ruritania"):
    """A letter: unnumbered text by page, an annex heading, a footnote."""
    annex = (Heading(1, None, "Annex to the letter"),)
    paragraphs = tuple(
        _unit("text", 1 + n // 2, str(n % 2 + 1), text=f"Letter text {n}.") for n in range(units)
    )
    paragraphs += (
        _unit("text", 9, "1", headings=annex, text="The annexed statement."),
        _unit("footnote", 1, "1", text="A note <img src=x onerror=alert(1)>."),
    )
    return Document(
        doc_id=doc_id,
        title=title,
        date="1 May 2025",
        date_iso="2025-05-01",
        symbol="S/2025/999",
        symbols=("S/2025/999",),
        kind="letter",
        organ="Security Council",
        paragraphs=paragraphs,
        headings=(annex,),
        pages=9,
    )


def _resolution():
    paragraphs = tuple(_unit("preamble", 1, str(n), text=f"Recalling {n},") for n in (1, 2, 3))
    paragraphs += tuple(Paragraph(n, (), f"Decides {n};", page=1, kind="paragraph") for n in (1, 2))
    return Document(
        doc_id="res",
        title="Resolution 2775 (2025)",
        date="28 February 2025",
        date_iso="2025-02-28",
        symbol="S/RES/2775 (2025)",
        kind="resolution",
        organ="Security Council",
        paragraphs=paragraphs,
    )


def test_a_document_s_contents_list_its_text_annex_and_footnotes():
    letter = _letter()
    html = render.contents_html(letter, named=True)
    assert "S/2025/999" in html and "← Library" in html
    entries = re.findall(r"<span class='toc-name'>(.*?)</span><span class='toc-range'>(.*?)<", html)
    assert entries == [
        ("Opening text", "pp. 1–2"),
        ("Annex to the letter", "p. 9"),
        ("Footnotes", "1 note"),
    ]
    assert 'data-open="s:top:letter"' in html and 'data-open="s:notes:letter"' in html
    assert_inert(html)


def test_a_resolution_s_preamble_and_paragraphs_have_their_ranges():
    resolution = _resolution()
    assert render.part_title(resolution, render.TOP) == "Full text"
    assert render.part_span(resolution, render.TOP) == "paras. 1–2"
    preamble = resolution.paragraphs[:3]
    assert render.units_range(list(preamble)) == "preambular paras. 1–3"


@pytest.mark.parametrize(
    ("ref", "title"),
    [("p1/text1", "Opening text"), ("footnote/1", "Footnotes"), ("p9/text1", "Annex")],
)
def test_units_without_numbers_open_in_their_part(ref, title):
    letter = _letter()
    html = render.paragraph_in_context(letter, ref, named=True)
    assert html.count('class="rpara focus"') == 1
    assert re.search(rf'<h2 class="reader-title">{title}', html)
    assert "S/2025/999" in html  # the document is named above its part
    assert_inert(html)


def test_a_long_part_is_shown_a_window_at_a_time():
    letter = _letter(units=200)
    first = render.part_html(letter, render.TOP)
    assert first.count('class="rpara"') == render.PART_UNITS
    assert 'data-open="s:top@80:letter"' in first and "nav-earlier" not in first
    # A unit far down opens the window that holds it, with a way back.
    html = render.paragraph_in_context(letter, "p76/text2")  # the 152nd unit
    assert 'id="u-p76-text2"' in html and 'class="rpara focus"' in html
    assert re.search(r'class="link nav-earlier" data-open="s:top:letter"', html)
    assert 'data-open="s:top@160:letter"' in html
    assert render.part_html(letter, render.TOP, start=160).count('class="rpara"') == 40


def test_a_hit_on_unnumbered_text_names_its_document_and_opens_in_context():
    from qa.search import Hit

    letter = _letter()
    unit = letter.unit("p2/text1")
    hit = Hit(
        1,
        0.8,
        None,
        None,
        [],
        "",
        unit.text,
        unit.text,
        unit.text,
        "S/2025/999, p. 2",
        letter.doc_id,
        letter.title,
        ref=unit.ref,
        kind="text",
    )
    html = render.hit_html(hit, letter, frozenset(), named=True)
    assert '<span class="doc-symbol">S/2025/999</span>' in html
    assert '<span class="doc-kind">Letter</span><span class="doc-date">1 May 2025</span>' in html
    assert "Letter dated 1 May 2025 &lt;b&gt;from&lt;/b&gt; Ruritania" in html
    assert 'data-open="d:letter"' in html
    assert "Read in context: Opening text <span class='muted'>(pp. 1–2)</span>" in html
    assert 'href="?doc=letter&amp;ref=p2/text1"' in html
    assert_inert(html)


def test_the_library_lists_documents_newest_first_with_facets():
    documents = {"letter": _letter(title=ATTACKS[0]), "res": _resolution()}
    facets = [
        render.Facet(
            "kind",
            "Kind",
            (
                render.FacetValue("letter", "Letter", 1, True),
                render.FacetValue("resolution", "Resolution", 1),
            ),
        )
    ]
    html = render.library_html(documents, ["res", "letter"], facets, "Letter")
    assert html.index("S/2025/999") < html.index("S/RES/2775 (2025)")  # May before February
    assert html.count('class="doc-entry"') == 2
    assert 'data-open="f:kind:"' in html  # the active value clears the filter
    assert 'data-open="f:kind:resolution"' in html and 'data-open="f:clear:"' in html
    assert "2 match the filters" in html
    assert_inert(html)


def test_the_document_picker_label_has_symbol_date_and_title():
    assert render.document_choice(_letter()) == (
        "S/2025/999 · 1 May 2025 · Letter dated 1 May 2025 <b>from</b> Ruritania"
    )


def test_results_across_documents_and_the_address_are_escaped(index):
    hits = index.search("victims", k=2)
    html = render.results_html(
        hits, index.documents, "victims", "hybrid", by_document=True, filters="<b>SC</b>"
    )
    assert "The best paragraph in each of 2 documents, oldest first," in html
    assert 'class="results by-document"' in html and "&lt;b&gt;SC&lt;/b&gt;" in html
    shared = render.shareable(html, "?q=" + ATTACKS[5] + "&organ=SC")
    assert 'data-share="?q=&#36;&#123;alert(1)&#125;&amp;organ=SC"' in shared
    assert_inert(shared)


def test_a_paragraphs_footnotes_show_under_it_and_a_footnote_says_what_cites_it():
    from pathlib import Path

    from qa.ingest import read_document
    from qa.render import notes_html

    document = read_document(Path(__file__).parent / "fixtures" / "un" / "A_80_159.en.pdf")
    cited = notes_html(document, document.paragraph(17))
    assert 'class="sources"' in cited and ">footnote 1</a>" in cited
    assert "Information concerning the panellists" in cited
    citing = notes_html(document, document.unit("footnote/1"))
    assert citing.startswith('<div class="sources">Cited in ') and ">para. 17</a>" in citing
    assert notes_html(document, document.paragraph(16)) == ""


def test_the_reader_lists_a_paragraphs_footnotes_under_it():
    from pathlib import Path

    from qa.ingest import read_document
    from qa.render import part_of, section_html

    document = read_document(Path(__file__).parent / "fixtures" / "un" / "A_80_159.en.pdf")
    paragraph = document.paragraph(17)
    html = section_html(document, part_of(document, paragraph), focus=paragraph.ref)
    sources = html[html.index('id="para-17"') :].split('class="sources"', 1)[1]
    assert ">footnote 1</a>" in sources.split("</section>", 1)[0]
