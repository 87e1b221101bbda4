"""Documentation markup -> the paragraphs of prose a reader sees: reStructuredText (Python and
Linux documentation), POD (Perl), HTML (PostgreSQL and Django manuals). The rules are in the
docstring of genlab.data._text."""

from __future__ import annotations

import gzip
import html
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path


_ADORNMENT = re.compile(r"^\s*([!-/:-@\[-`{-~])\1{2,}\s*$")  # a title's under/overline, or a transition
_DIRECTIVE = re.compile(r"^\s*\.\.(?:\s+([\w:.|-]+)::(.*)|\s.*|)$")  # ".. name:: args", or a comment/target
_TABLE_BORDER = re.compile(r"^\s*(\+[-=+]{2,}\+|=+(\s+=+)+)\s*$")
_OPTION = re.compile(r"^\s*:[\w -]+:(\s|$)")
# Directives whose body is prose. An admonition's text after "::" is already body text; a versioned
# directive's argument is a version number (dropped); a description's signature lines (arguments,
# options) are dropped up to the blank line before its body.
_ADMONITIONS = {
    "note", "warning", "tip", "important", "hint", "caution", "attention", "danger", "error", "seealso",
    "impl-detail", "admonition", "topic", "sidebar",
}
_VERSIONED = {"versionadded", "versionchanged", "deprecated", "deprecated-removed"}
_DESCRIPTIONS = {
    "function", "method", "class", "attribute", "data", "exception", "module", "describe", "decorator",
    "decoratormethod", "classmethod", "staticmethod", "abstractmethod", "coroutinefunction",
    "coroutinemethod", "property", "opcode", "cmdoption", "option", "envvar", "pdbcommand", "2to3fixer",
    "audit-event", "glossary", "only", "container", "rst-class", "hlist", "epigraph", "macro", "member",
    "type", "var", "struct", "enum", "enumerator", "union",
}  # "c:function" and the like are looked up without their domain


def _rst_inline(text: str) -> str:
    """reStructuredText inline markup reduced to the text a reader sees."""
    text = re.sub(r"((?::[\w.-]+)+):`([^`]*)`", _role, text)  # :func:`~os.open`
    text = re.sub(r"`([^`<]*?)\s*<([^`>]*)>`__?", lambda m: m.group(1) or m.group(2), text)  # `text <url>`_
    text = re.sub(r"``(.+?)``", r"\1", text)
    text = re.sub(r"`([^`]+)`_{0,2}", r"\1", text)  # `interpreted text` and `reference`_
    text = re.sub(r"\*\*(\S(?:.*?\S)?)\*\*", r"\1", text)
    text = re.sub(r"(?<![\w*])\*(\S(?:[^*]*?\S)?)\*(?![\w*])", r"\1", text)
    text = re.sub(r"\s*\[(?:#[\w-]*|\*|\d+)\]_", "", text)  # footnote references
    return text.replace("\\ ", "")


_NUMBERED_ROLES = {"issue": "bpo-{}", "gh": "gh-{}", "pep": "PEP {}", "rfc": "RFC {}", "cve": "CVE-{}"}


def _role(m: re.Match) -> str:
    """An interpreted-text role as Sphinx shows it: ``:pep:`8``` -> "PEP 8", ``:ref:`text <target>``` -> "text"."""
    role, target = m.group(1).rsplit(":", 1)[-1], m.group(2).lstrip("~!")
    if role in _NUMBERED_ROLES and target.isdigit():
        return _NUMBERED_ROLES[role].format(target)
    titled = re.match(r"(.*?)\s*<[^<>]*>$", target)
    return titled.group(1) if titled and titled.group(1) else target


def rst_paragraphs(text: str) -> Iterator[str]:
    """The prose paragraphs of a reStructuredText (or plain-text) document; see the module docstring."""
    paragraph: list[str] = []
    drop_paragraph = False
    skip_above: int | None = None  # drop blank lines and lines indented more than this (a dropped body)
    signature_of: int | None = None  # drop the lines right under a kept directive, up to a blank line
    body_options = False  # a kept admonition: drop the ":option:" lines at the top of its body

    def flush() -> Iterator[str]:
        nonlocal paragraph, drop_paragraph
        if paragraph and not drop_paragraph:
            joined = " ".join(line.strip() for line in paragraph)
            if joined.endswith("::"):  # "Example::" reads "Example:"; a lone " ::" reads as nothing
                joined = joined[:-3] if joined.endswith(" ::") else joined[:-1]
            yield _rst_inline(joined)
        paragraph, drop_paragraph = [], False

    for line in text.splitlines():
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if skip_above is not None:
            if not stripped or indent > skip_above:
                continue
            skip_above = None
        if signature_of is not None:
            if stripped and indent > signature_of:
                continue
            signature_of = None
        if not stripped:
            yield from flush()
            body_options = False
            continue
        if body_options and _OPTION.match(line):
            continue
        body_options = False
        if _ADORNMENT.match(line):  # drop the title above an underline (and the line itself)
            if paragraph:
                paragraph.pop()
            yield from flush()
            continue
        directive = _DIRECTIVE.match(line)
        if directive:
            yield from flush()
            kind = (directive.group(1) or "").rsplit(":", 1)[-1]
            if kind in _ADMONITIONS:
                if directive.group(2).strip() and kind not in {"admonition", "topic", "sidebar"}:
                    paragraph.append(directive.group(2))
                body_options = True
            elif kind in _VERSIONED:
                body_options = True
            elif kind in _DESCRIPTIONS:
                signature_of = indent
            else:  # comments, targets, substitutions and directives whose body is not prose
                skip_above = indent
            continue
        if stripped.startswith(">>>") or _TABLE_BORDER.match(line):
            drop_paragraph = True
        paragraph.append(line)
        if stripped.endswith("::"):  # a literal block (code) follows, indented under this paragraph
            first = paragraph[0]
            skip_above = len(first) - len(first.lstrip())
            yield from flush()
    yield from flush()


def rst_files(pattern: str) -> Callable[[Path], Iterator[str]]:
    def read(folder: Path) -> Iterator[str]:
        for path in sorted(folder.rglob(pattern)):
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rt", encoding="utf-8", errors="replace") as f:
                yield from rst_paragraphs(f.read())

    return read


_POD_ENTITIES = {"lt": "\ue000", "gt": "\ue001", "verbar": "|", "sol": "/"}  # "<" and ">" held back until the end


def _pod_code(m: re.Match) -> str:
    code, inner = m.group(1), m.group(2)
    if code == "E":
        if inner in _POD_ENTITIES:
            return _POD_ENTITIES[inner]
        if re.fullmatch(r"0x[0-9a-fA-F]+|\d+", inner):
            return chr(int(inner, 0))
        return html.unescape(f"&{inner};")
    if code in "XZ":
        return ""
    if code == "L":
        if "|" in inner:
            return inner.split("|", 1)[0]
        page, sep, section = inner.partition("/")
        if sep and "://" not in inner:
            section = section.strip('"')
            return f'"{section}" in {page}' if page else f'"{section}"'
        return inner
    return inner  # B, I, C, F, S


def _pod_text(text: str) -> str:
    """POD formatting codes reduced to their text; nested codes are resolved innermost first."""
    for n in (4, 3, 2):  # C<< $a <=> $b >>
        text = re.sub(rf"([A-Z])<{{{n}}}\s+(.*?)\s+>{{{n}}}", _pod_code, text, flags=re.S)
    while True:
        new = re.sub(r"([A-Z])<([^<>]*)>", _pod_code, text)
        if new == text:
            break
        text = new
    return text.replace("\ue000", "<").replace("\ue001", ">")


def pod_paragraphs(text: str) -> Iterator[str]:
    """The ordinary paragraphs of the POD in a ``.pod`` or ``.pm`` file. POD runs from any command
    paragraph (``=head1``, ``=pod``, ...) to ``=cut``; Perl code outside it, commands, verbatim
    (indented) paragraphs and ``=begin``/``=end`` regions are dropped."""
    in_pod = in_region = False
    for paragraph in re.split(r"\n[ \t]*\n", text):
        paragraph = paragraph.strip("\n")
        if re.match(r"=[a-zA-Z]", paragraph):
            in_pod = not paragraph.startswith("=cut")
            if paragraph.startswith("=begin"):
                in_region = True
            elif paragraph.startswith("=end"):
                in_region = False
        elif in_pod and not in_region and paragraph.strip() and paragraph[0] not in " \t":
            yield _pod_text(paragraph)


def pod_files(folder: Path) -> Iterator[str]:
    for path in sorted(p for p in folder.rglob("*") if p.suffix in (".pod", ".pm")):
        yield from pod_paragraphs(path.read_text(encoding="utf-8", errors="replace"))


class HTMLParagraphs(HTMLParser):
    """Collects the text of each ``<p>`` element, leaving out ``<pre>`` blocks, tables, scripts and
    permalink anchors (an ``<a>`` whose whole text is a pilcrow or section sign)."""

    _SKIPPED = {"pre", "table", "script", "style"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._text: list[str] | None = None  # the open <p>'s text, None outside a <p>
        self._skipping = 0
        self._in_anchor = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "p":
            self._close()
            self._text = []
        elif tag in self._SKIPPED:
            self._skipping += 1
        elif tag == "a":
            self._in_anchor = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self._close()
        elif tag in self._SKIPPED and self._skipping:
            self._skipping -= 1
        elif tag == "a":
            self._in_anchor = False

    def handle_data(self, data: str) -> None:
        if self._text is not None and not self._skipping and not (self._in_anchor and data.strip() in {"¶", "§"}):
            self._text.append(data)

    def close(self) -> None:
        super().close()
        self._close()

    def _close(self) -> None:
        if self._text:
            self.paragraphs.append("".join(self._text))
        self._text = None


def html_files(folder: Path) -> Iterator[str]:
    for path in sorted(p for p in folder.rglob("*.html") if p.is_file()):  # a folder may be named *.html
        parser = HTMLParagraphs()
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
        parser.close()
        yield from parser.paragraphs
