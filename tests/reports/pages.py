"""Reading report pages in tests: the header's tables and every script element."""

from __future__ import annotations

from html.parser import HTMLParser


class ReportPage(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.header_text = ""
        self.title = ""
        self._script: list[str] | None = None
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._in_header = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self._script = []
        elif tag == "section" and a.get("id") == "driftwarden-header":
            self._in_header += 1
        elif tag == "table" and self._in_header:
            self._table = self.tables.setdefault(a.get("class") or "", [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append("".join(self._script))
            self._script = None
        elif tag == "section" and self._in_header:
            self._in_header -= 1
        elif tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None and self._table is not None:
            self._table[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._in_header:
            self.header_text += data
        if self._in_title:
            self.title += data

    def rows(self, table: str) -> list[dict[str, str]]:
        """The table's rows as dicts keyed by its header row."""
        head, *body = self.tables[table]
        return [dict(zip(head, row, strict=True)) for row in body]


def read_page(html: str) -> ReportPage:
    page = ReportPage()
    page.feed(html)
    page.close()
    return page
