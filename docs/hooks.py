"""MkDocs hooks for regen's docs: generated pages that cannot drift from the code.

- **CLI reference**: one page per command (per command group, when a command
  has subcommands) under ``cli/``, rendered from the command's own ``--help``
  (typer's test runner on ``regen.cli.app``), with the ``Example:`` line of
  its help as a shell block. Commands are found by iterating the app, so a
  new command or group gets its page without editing anything here.
- **Cards**: every ``data/*.md`` and ``models/*.md`` of the repository becomes
  a page at the same path (``data/nerves.md``, ``models/default.md``), and the
  tables and model file beside them are copied as downloads; ``cards/index.md``
  lists them (``<!-- cards -->``). Nothing is duplicated by hand.
- **Outputs**: ``<!-- regen: ARGS -->`` on a page becomes ``regen ARGS`` and
  what it prints, run while the site is built (a failing command fails the
  build); ``<!-- regen-table: ARGS; key=value -->`` becomes a table of the
  JSON records ``regen ARGS`` prints (those whose ``key`` is ``value``);
  :data:`PICTURES` are drawn by ``regen predict --plot``.
- **Checks** (warnings, so ``mkdocs build --strict`` fails): a command whose
  help has no example; an audience page without the decision-support framing;
  a public name of ``regen.__all__`` missing from the API page.

Both generated sections are added to the nav after their hand-written index
page (``cli/index.md``, ``cards/index.md``).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from mkdocs.structure.files import File

log = logging.getLogger("mkdocs.hooks.regen")

#: Help is rendered at this width (a usual terminal).
WIDTH = 80
#: Folders of the repository whose cards (``*.md``) become pages and whose other files become downloads.
CARD_FOLDERS = ("models", "data")
#: Pages that must carry the medical framing, and the phrase that must appear on them.
FRAMED_PAGES = ("index.md", "clinic.md", "analyst.md", "researcher.md", "developer/index.md")
FRAMING = "not a medical device"
#: The page that documents the Python API (every name of ``regen.__all__`` must appear as ``::: regen.<name>``).
API_PAGE = "developer/api.md"
#: Where a command is explained for its readers (shown on its page; a new command simply has no such link).
AUDIENCE = {
    "predict": ("clinic.md", "Clinic"),
    "report": ("clinic.md#regen-report-a-page-for-the-clinic", "Clinic"),
    "nerves": ("clinic.md#which-nerves-and-indications", "Clinic"),
    "columns": ("analyst.md#columns", "Analyst"),
    "score": ("analyst.md", "Analyst"),
    "simulate": ("researcher.md#a-synthetic-cohort-regen-simulate", "Researcher"),
    "fit": ("researcher.md#a-clinics-own-model-regen-fit", "Researcher"),
    "evaluate": ("researcher.md#how-good-is-a-model-regen-evaluate", "Researcher"),
    "describe": ("researcher.md#the-data-without-the-model-regen-describe", "Researcher"),
    "validate": ("researcher.md#the-default-model-study-by-study-regen-validate", "Researcher"),
}
#: Commands whose output is itself reference (shown in full on their page).
SHOW_OUTPUT = {"columns": ["columns"], "nerves": ["nerves"]}
#: Pictures drawn while the site is built: site path -> the ``regen`` arguments (``--plot`` is added).
PICTURES = {
    "images/timeline.png": [
        "predict",
        "--nerve",
        "genicular_superolateral",
        "--age",
        "64",
        "--treated-on",
        "2026-03-14",
    ],
}

_pages: dict[str, str] = {}  # generated CLI pages: src path -> markdown
_root_help: list[str] = []


# --------------------------------------------------------------------------- the command line
def _app():
    """The Typer app behind ``regen`` (imported here, by its public path, so the docs follow any package layout)."""
    from regen.cli import app

    return app


def _tree():
    """The command tree of the app (click's, or the click that typer ships inside it)."""
    import typer

    return typer.main.get_command(_app())


def _run(args: list[str]) -> str:
    """What ``regen ARGS`` prints to stdout, through typer's own test runner; a failure stops the build."""
    from typer.testing import CliRunner

    result = CliRunner().invoke(_app(), args, prog_name="regen", terminal_width=WIDTH, env={"COLUMNS": str(WIDTH)})
    if result.exit_code != 0:
        from mkdocs.exceptions import PluginError

        raise PluginError(f"docs/hooks.py: 'regen {' '.join(args)}' exited {result.exit_code}: {result.output}")
    return result.stdout.rstrip()


def _is_group(command) -> bool:
    """Whether a command has subcommands (duck-typed: typer may ship its own click)."""
    return callable(getattr(command, "list_commands", None))


def _commands(group, path: tuple[str, ...] = ()):
    """(path, command) for every visible subcommand of ``group``, in the order the app lists them."""
    ctx = group.context_class(group, info_name="regen")
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or getattr(command, "hidden", False):
            continue
        yield (*path, name), command


def _examples(command) -> list[str]:
    """The ``Example:`` lines of a command's own help text (one command each)."""
    return re.findall(r"^\s*Example:\s*(\S.*?)\s*$", command.help or "", flags=re.MULTILINE)


def _first_paragraph(command) -> str:
    text = (command.help or "").strip().split("\n\n")[0]
    return " ".join(text.split())


def _fence(text: str, language: str = "text") -> str:
    return f"```{language}\n{text}\n```"


def _command_section(path: tuple[str, ...], command, level: int) -> list[str]:
    """Markdown for one command: what it does, its example(s), its --help (and its output, for listings)."""
    name = " ".join(("regen", *path))
    hashes = "#" * level
    lines = [f"{hashes} `{name}`", "", _first_paragraph(command), ""]
    audience = AUDIENCE.get(path[0]) if len(path) == 1 else None
    if audience:
        lines += [f"Explained for its readers on the [{audience[1]} page](../{audience[0]}).", ""]
    examples = _examples(command)
    if not examples and not _is_group(command):
        log.warning("docs/hooks.py: the help of '%s' has no 'Example: ...' line", name)
    if examples:
        lines += ["Example:", "", _fence("\n".join(examples), "bash"), ""]
    lines += [f"{hashes}# `{name} --help`", "", _fence(_run([*path, "--help"])), ""]
    for args in SHOW_OUTPUT.get(path[-1], []) if len(path) == 1 else []:
        lines += [f"{hashes}# What `regen {args}` prints", "", _fence(_run([args])), ""]
    if _is_group(command):
        for sub_path, sub in _commands(command, path):
            lines += _command_section(sub_path, sub, level + 1)
    return lines


def _cli_pages() -> dict[str, str]:
    """``cli/<command>.md`` for every top-level command (a group's subcommands on its page)."""
    pages = {}
    for path, command in _commands(_tree()):
        body = "\n".join(_command_section(path, command, 1))
        note = (
            "<!-- Generated by docs/hooks.py from the command's own --help: edit the command's help "
            "text in the code, not this page. -->\n\n"
        )
        pages[f"cli/{path[0]}.md"] = note + body + "\n"
    return pages


# --------------------------------------------------------------------------- the cards
def _repository(config) -> Path:
    return Path(config.config_file_path).resolve().parent


def _cards(config) -> list[str]:
    """Repository-relative paths of the cards, models first, each folder in name order."""
    root = _repository(config)
    return [f"{folder}/{path.name}" for folder in CARD_FOLDERS for path in sorted((root / folder).glob("*.md"))]


def _heading(root: Path, card: str) -> str:
    """The first level-1 heading of a card, without the ``#``."""
    for line in (root / card).read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return card


def _card_title(root: Path, card: str) -> str:
    """The nav title of a card: the code span of its first heading (``nerves.csv``), else the heading."""
    found = re.search(r"`([^`]+)`", _heading(root, card))
    return found.group(1) if found else _heading(root, card)


def _cards_table(config) -> str:
    """The table of cards for ``cards/index.md``: each card with its heading, and the files beside them."""
    root = _repository(config)
    rows = ["| card | what it describes |", "|---|---|"]
    for card in _cards(config):
        heading = _heading(root, card)
        about = heading.split(" — ", 1)[1] if " — " in heading else heading.replace("`", "")
        rows.append(f"| [`{card}`](../{card}) | {about} |")
    downloads = [
        f"[`{folder}/{path.name}`](../{folder}/{path.name})"
        for folder in CARD_FOLDERS
        for path in sorted((root / folder).iterdir())
        if path.is_file() and path.suffix != ".md" and not path.name.startswith(".")
    ]
    return "\n".join(rows) + "\n\nThe files they describe, to download: " + ", ".join(downloads) + "."


def _output(found: re.Match) -> str:
    """``<!-- regen: ARGS -->`` -> the command and what it prints, as a console block."""
    import shlex

    args = shlex.split(found.group(1))
    return _fence(f"$ regen {found.group(1)}\n{_run(args)}")


def _cell(value) -> str:
    """A JSON value as the text of a Markdown table cell."""
    text = "" if value is None else " ".join(str(value).split())
    return text.replace("|", "\\|").replace("*", "\\*").replace("<", "&lt;")


def _table(found: re.Match) -> str:
    """``<!-- regen-table: ARGS; key=value -->`` -> the JSON records of ``regen ARGS`` as a Markdown table."""
    import json
    import shlex

    args, *filters = [part.strip() for part in found.group(1).split(";")]
    records = json.loads(_run(shlex.split(args)))
    for key, _, value in (f.partition("=") for f in filters):
        records = [r for r in records if str(r.get(key)) == value]
        for r in records:
            r.pop(key, None)
    if not records:
        log.warning("docs/hooks.py: 'regen %s' gave no records for %s", args, filters)
        return ""
    name, *rest = records[0]
    lead = [k for k in ("meaning", "description") if k in rest][:1]
    others = [k for k in rest if k not in lead]
    rows = [f"| {name} | {' | '.join(lead)} | {', '.join(others)} |", "|---|" + "---|" * len(lead) + "---|"]
    for r in records:
        details = "; ".join(f"{k}: {_cell(r[k])}" for k in others if r.get(k) not in (None, ""))
        rows.append(f"| `{r[name]}` | " + "".join(f"{_cell(r.get(k))} | " for k in lead) + f"{details} |")
    return "\n".join(rows)


# --------------------------------------------------------------------------- hooks
def _insert_after(nav: list, anchor: str, entries: list) -> bool:
    """Add ``entries`` after the nav item ``anchor`` (a page path), wherever it sits in the nav."""
    for i, item in enumerate(nav):
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if value == anchor:
            nav[i + 1 : i + 1] = entries
            return True
        if isinstance(value, list) and _insert_after(value, anchor, entries):
            return True
    return False


def on_config(config):
    """Render the CLI pages once, and list them and the cards in the nav."""
    _pages.clear()
    _pages.update(_cli_pages())
    _root_help[:] = [_run(["--help"])]
    nav = config.nav or []
    cli = [{f"regen {Path(src).stem}": src} for src in _pages]
    root = _repository(config)
    cards = [{_card_title(root, card): card} for card in _cards(config)]
    for anchor, entries in (("cli/index.md", cli), ("cards/index.md", cards)):
        if not _insert_after(nav, anchor, entries):
            log.warning("docs/hooks.py: '%s' is not in the nav of mkdocs.yml; its generated pages are unlisted", anchor)
    return config


def on_files(files, config):
    """Add the generated CLI pages, the pictures, the cards and the files they describe."""
    for src, text in _pages.items():
        files.append(File.generated(config, src, content=text))
    import tempfile

    with tempfile.TemporaryDirectory(prefix="regen-docs-") as folder:
        for src, args in PICTURES.items():
            picture = Path(folder) / Path(src).name
            _run([*args, "--plot", str(picture)])
            files.append(File.generated(config, src, content=picture.read_bytes()))
    root = _repository(config)
    for folder in CARD_FOLDERS:
        for path in sorted((root / folder).iterdir()):
            if path.is_file() and not path.name.startswith("."):
                files.append(File.generated(config, f"{folder}/{path.name}", abs_src_path=str(path)))
    return files


def on_page_markdown(markdown, page, config, files):
    """Fill the command list on the CLI index; check the framing and the API page."""
    src = page.file.src_uri
    markdown = re.sub(r"^<!-- regen: (.+?) -->$", _output, markdown, flags=re.MULTILINE)
    markdown = re.sub(r"^<!-- regen-table: (.+?) -->$", _table, markdown, flags=re.MULTILINE)
    if src == "cards/index.md":
        markdown = markdown.replace("<!-- cards -->", _cards_table(config))
    if src == "cli/index.md":
        rows = ["| command | what it does |", "|---|---|"]
        for path, command in _commands(_tree()):
            rows.append(f"| [`regen {path[0]}`]({path[0]}.md) | {_first_paragraph(command)} |")
        markdown = markdown.replace("<!-- commands -->", "\n".join(rows))
        markdown = markdown.replace("<!-- regen --help -->", _fence(_root_help[0] if _root_help else ""))
    if src in FRAMED_PAGES and FRAMING not in markdown.lower():
        log.warning("docs/hooks.py: %s does not say that regen is %s", src, FRAMING)
    if src == API_PAGE:
        import regen

        missing = [
            name
            for name in regen.__all__
            if not re.search(rf"^::: regen\.{re.escape(name)}\s*$", markdown, flags=re.MULTILINE)
        ]
        if missing:
            log.warning(
                "docs/hooks.py: %s does not document regen.%s (add '::: regen.<name>')", src, ", regen.".join(missing)
            )
    return markdown


def on_page_content(html, page, config, files):
    """Drop the Sphinx roles of the docstrings (``:func:`x``` shows as ``x``), which Markdown leaves as text."""
    if page.file.src_uri == API_PAGE:
        html = re.sub(r":(?:func|mod|class|data|attr|meth|exc|obj|py:\w+):(?=<code>)", "", html)
    return html
