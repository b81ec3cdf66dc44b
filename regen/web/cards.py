"""Model cards and fit summaries (the Markdown regen writes) as HTML: every text escaped, a few tags added.

Headings, paragraphs, bullet lists, pipe tables and fenced code; inside them
inline code, bold, italics, and links (shown as their text: a card's links point
into the repository, not to pages of this tool). Anything else stays text.
Every character of the source is escaped before a tag is added, so a card
cannot carry markup of its own.

Examples
--------
>>> str(card_html("# Model card\\n\\n**What** it is: `m@1` <b>"))
'<h2>Model card</h2>\\n<p><b>What</b> it is: <code>m@1</code> &lt;b&gt;</p>'
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

__all__ = ["card_html"]

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])[*_](?=\S)(.+?)(?<=\S)[*_](?![\w*])")
_LINK = re.compile(r"\[([^\]]+)\]\([^)\s]*\)")


def _inline(text: str) -> str:
    """Escaped text with code spans, bold, italics and link texts."""
    text = text.replace("\x00", "")
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unmatched backtick: no code spans
        parts = [text]
    rest = "\x00".join(parts[::2])  # a NUL where each code span was
    html = str(escape(_LINK.sub(r"\1", rest)))
    html = _ITALIC.sub(r"<i>\1</i>", _BOLD.sub(r"<b>\1</b>", html))
    spans = iter(f"<code>{escape(c)}</code>" for c in parts[1::2])
    return re.sub("\x00", lambda _: next(spans), html)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _table(lines: list[str]) -> str:
    rows = [_cells(line) for line in lines if not re.fullmatch(r"\|?[\s|:-]+\|?", line.strip())]
    head, body = rows[0], rows[1:]
    th = "".join(f"<th>{_inline(c)}</th>" for c in head)
    trs = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in body)
    return f'<div class="scroll"><table><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table></div>'


def _blocks(lines: list[str]):
    """(kind, lines) per block: heading, table, list, code, paragraph."""
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif line.startswith("```"):
            end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("```")), len(lines))
            yield "code", lines[i + 1 : end]
            i = end + 1
        elif re.match(r"#{1,6} ", line):
            yield "heading", [line]
            i += 1
        else:
            kind = "table" if line.lstrip().startswith("|") else "list" if re.match(r"[-*] ", line) else "paragraph"
            j = i + 1
            while j < len(lines) and lines[j].strip() and not lines[j].startswith(("```", "#")):
                starts_table = lines[j].lstrip().startswith("|")
                if (kind == "table") != starts_table or (kind == "paragraph" and re.match(r"[-*] ", lines[j])):
                    break
                j += 1
            yield kind, lines[i:j]
            i = j


def _list(lines: list[str]) -> str:
    items: list[str] = []
    for line in lines:
        if re.match(r"[-*] ", line):
            items.append(line[2:].strip())
        elif items:
            items[-1] += " " + line.strip()
    return "<ul>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + "</ul>"


def card_html(text: str, line_breaks: bool = False) -> Markup:
    """The Markdown of a card or a fit summary as safe HTML (headings start at ``<h2>``).

    Parameters
    ----------
    text : str
        The Markdown.
    line_breaks : bool
        Keep each line of a paragraph on its own line (a summary printed line by
        line), instead of joining wrapped lines.
    """
    html = []
    for kind, lines in _blocks(text.splitlines()):
        if kind == "heading":
            level = min(len(lines[0]) - len(lines[0].lstrip("#")) + 1, 6)
            html.append(f"<h{level}>{_inline(lines[0].lstrip('#').strip())}</h{level}>")
        elif kind == "table":
            html.append(_table(lines))
        elif kind == "list":
            html.append(_list(lines))
        elif kind == "code":
            html.append(f"<pre>{escape(chr(10).join(lines))}</pre>")
        else:
            joiner = "<br>" if line_breaks else " "
            html.append("<p>" + joiner.join(_inline(line.strip()) for line in lines) + "</p>")
    return Markup("\n".join(html))
