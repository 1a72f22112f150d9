"""Tables that fit the width they are printed at, without cutting a value.

A cell is never cut with an ellipsis: text wraps between words, and a column is never narrower than its longest
word, so identifiers and numbers stay whole; only columns of prose (named by the caller) may fold a long word.
A table too wide for that leaves out its low-value columns first (the caller names them), then shows one block
per row; either way a note under it says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType
    from rich.text import Text


def table_width(column_widths: Sequence[int]) -> int:
    """The width of a Rich table with edges and one space of padding each side of a cell, as `console.table`
    makes them: a border before each column and after the last, two spaces of padding per column."""
    return sum(column_widths) + 3 * len(column_widths) + 1


@dataclass
class TableLayout:
    """How a table is shown at some width: which columns (by index), which were left out, or one block per row."""

    shown: list[int]
    widths: list[int]  # of the shown columns' content, in their order; of names and values for blocks
    left_out: list[str] = field(default_factory=list)
    vertical: bool = False


def fit_layout(headers: Sequence[str], natural: Sequence[int], minimum: Sequence[int], optional: Sequence[str],
               width: int, prose: Sequence[str] = ()) -> TableLayout:
    """Choose the layout of a table whose columns want `natural` width and need `minimum` (their longest word) for
    `width` columns: all columns when their minimums fit; else without the `optional` columns, least valuable
    (first named) first, while that is needed; else one block per row (tables of three columns or more; narrower
    ones fold their longest words instead). Columns of `prose` give up width first."""
    shown = list(range(len(headers)))

    def widths() -> list[int]:
        return share_width([natural[index] for index in shown], [minimum[index] for index in shown], width,
                           [headers[index] in prose for index in shown])

    if table_width([minimum[index] for index in shown]) <= width or len(headers) <= 2:
        return TableLayout(shown, widths())
    left_out: list[str] = []
    for name in optional:
        if name not in headers or headers.index(name) not in shown:
            continue
        shown.remove(headers.index(name))
        left_out.append(name)
        if table_width([minimum[index] for index in shown]) <= width:
            return TableLayout(shown, widths(), left_out)
    return TableLayout(list(range(len(headers))), block_widths(headers, natural, minimum, width), vertical=True)


def block_widths(headers: Sequence[str], natural: Sequence[int], minimum: Sequence[int], width: int) -> list[int]:
    """The two widths of the one-block-per-row layout, of column names and of values: values wrap between words
    first, then names; a value longer than all the width left is folded over lines, the one case where that
    happens."""
    names = [len(name) for name in headers]
    name_words = [max((len(word) for word in name.split()), default=0) for name in headers]
    widths = share_width([max(names), max(natural)], [max(name_words), max(minimum)], width, [False, True])
    widths[1] = max(1, min(widths[1], width - table_width([widths[0], 0])))
    return widths


def share_width(natural: Sequence[int], minimum: Sequence[int], width: int,
                prose: Sequence[bool] | None = None) -> list[int]:
    """Column widths for a table `width` wide: each column's natural width, narrowed one character at a time
    where it is widest, the columns of `prose` first, none below its minimum (Rich's own squeezing narrows every
    column alike, below its longest word)."""
    widths = list(natural)
    everything = [True] * len(widths)
    # words of prose wrap well; headers and figures wrapped over two lines read worse
    for allowed in (prose or everything, everything):
        while table_width(widths) > width:
            candidates = [index for index in range(len(widths)) if allowed[index] and widths[index] > minimum[index]]
            if not candidates:
                break
            widths[max(candidates, key=lambda index: widths[index])] -= 1
    return widths


# a column of prose may fold its words down to this width (or its header's longest word)
_PROSE_MIN_WIDTH = 10


def _widest_line(text: Text) -> int:
    from rich.cells import cell_len

    return max((cell_len(line) for line in text.plain.splitlines()), default=0)


def _longest_word(text: Text) -> int:
    from rich.cells import cell_len

    return max((cell_len(word) for line in text.plain.splitlines() for word in line.split()), default=0)


class FittingTable:
    """A table (title, header, rows of Rich markup) that lays itself out for the width it is rendered at."""

    def __init__(self, title: str | None, columns: Sequence[str], rows: Iterable[Sequence[object]],
                 right_align: Iterable[str] = (), optional: Sequence[str] = (), prose: Iterable[str] = ()):
        self.title = title
        self.columns = list(columns)
        self.rows = [["" if cell is None else str(cell) for cell in row] for row in rows]
        for row in self.rows:  # a short row's missing cells are empty, as in Rich
            row.extend([""] * (len(self.columns) - len(row)))
        self.right_align = set(right_align)
        self.optional = list(optional)
        self.prose = set(prose)

    def layout(self, console: Console, width: int) -> TableLayout:
        """The layout this table takes at `width` columns."""
        cells = [[console.render_str(cell) for cell in row] for row in self.rows]
        headers = [console.render_str(name) for name in self.columns]
        natural, minimum = [], []
        for index, name in enumerate(self.columns):
            header = _longest_word(headers[index])
            longest = max([header] + [_longest_word(row[index]) for row in cells])
            minimum.append(min(longest, max(header, _PROSE_MIN_WIDTH)) if name in self.prose else longest)
            natural.append(max([headers[index].cell_len] + [_widest_line(row[index]) for row in cells]))
        return fit_layout(self.columns, natural, minimum, self.optional, width, sorted(self.prose))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[RenderableType]:
        from rich.text import Text

        layout = self.layout(console, options.max_width)
        if layout.vertical:
            yield self._blocks(layout)
            yield Text(f"(one block per row: the {len(self.columns)} columns do not fit in {options.max_width}; "
                       "a wider terminal or COLUMNS shows a table)", style="dim")
            return
        yield self._table(layout)
        if layout.left_out:
            yield Text(f"(left out to fit in {options.max_width} columns: {', '.join(layout.left_out)}; --json, "
                       "or a wider terminal or COLUMNS, shows them)", style="dim")

    def _table(self, layout: TableLayout) -> RenderableType:
        from rich.table import Table

        result = Table(title=self.title, title_justify="left", header_style="bold", show_header=any(self.columns))
        for index, width in zip(layout.shown, layout.widths, strict=True):
            name = self.columns[index]
            # fold, never cut: a value longer than the whole width is broken over lines, not ellipsized
            result.add_column(name, justify="right" if name in self.right_align else "left", overflow="fold",
                              width=width)
        for row in self.rows:
            result.add_row(*(row[index] for index in layout.shown))
        return result

    def _blocks(self, layout: TableLayout) -> RenderableType:
        from rich.table import Table

        result = Table(title=self.title, title_justify="left", show_header=False)
        result.add_column(style="bold", width=layout.widths[0])
        result.add_column(overflow="fold", width=layout.widths[1])
        for number, row in enumerate(self.rows):
            filled = [(name, cell) for name, cell in zip(self.columns, row, strict=True) if cell != ""]
            for position, (name, cell) in enumerate(filled):
                result.add_row(name, cell, end_section=position == len(filled) - 1 and number < len(self.rows) - 1)
        return result
