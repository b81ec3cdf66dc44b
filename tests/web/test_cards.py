"""Model cards and fit summaries as HTML: the structure regen writes, and nothing of the card's own markup."""

from __future__ import annotations

import pytest

from regen.web.cards import card_html


def test_the_shipped_card_becomes_headings_lists_and_tables():
    from regen.web.forecasts import embedded_card

    html = str(card_html(embedded_card()))
    assert html.startswith("<h2>Model card: <code>regen-default@")
    assert html.count("<table>") >= 3 and "<ul><li>" in html
    assert "|---" not in html and "**" not in html and "`" not in html  # no Markdown left over


def test_a_fit_summary_keeps_its_lines():
    text = "model clinic@1\nn = 41 rows used\n\n| term | coefficient |\n|---|---|\n| age | -0.06 |\nwarning: few events"
    html = str(card_html(text, line_breaks=True))
    assert "<p>model clinic@1<br>n = 41 rows used</p>" in html
    assert "<tr><td>age</td><td>-0.06</td></tr>" in html and html.endswith("<p>warning: few events</p>")


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "**<img src=x onerror=alert(1)>**",
        "| <b>x</b> |\n|---|\n| <i>y</i> |",
        "- `<script>`",
        "[click](javascript:alert(1)) <a href='x'>",
        "```\n<script>\n```",
        "# <h1>title",
        "unmatched ` backtick <u>",
    ],
)
def test_a_cards_own_markup_is_text(text):
    html = str(card_html(text))
    for tag in ("<script", "<img", "<b>x", "<i>y", "<a ", "<h1>", "<u>", "javascript:"):
        assert tag not in html


def test_inline_marks():
    html = str(card_html("*italic* and _also_ but not snake_case_name, **bold**, `code_x`, [text](../data/x.md)"))
    assert html == (
        "<p><i>italic</i> and <i>also</i> but not snake_case_name, <b>bold</b>, <code>code_x</code>, text</p>"
    )
