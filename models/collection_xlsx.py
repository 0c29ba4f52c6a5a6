import io


class CollectionWorkbook:
    """The module's spreadsheets, written one way: the formats named once,
    a sheet with its title and its headers (frozen under them), and the
    file's bytes when closed. Every export (`_get_xlsx` on its record)
    writes through it::

        book = CollectionWorkbook()
        sheet = book.add_sheet(_("Lines"), headers, title=_("..."))
        sheet.write_number(3, 1, amount, book.money)
        return book.close()

    `constant_memory` writes the rows as they come, for exports of a whole
    book (they must then be written in order)."""

    def __init__(self, constant_memory=False):
        import xlsxwriter

        self._output = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(
            self._output,
            {"constant_memory": True} if constant_memory else {"in_memory": True},
        )
        add = self.workbook.add_format
        self.bold = add({"bold": True})
        self.header = add({"bold": True, "bottom": 1, "text_wrap": True})
        self.money = add({"num_format": "#,##0.00"})
        self.money_total = add({"num_format": "#,##0.00", "bold": True, "top": 1})
        self.number = add({"num_format": "0.00"})
        self.days = add({"num_format": "0.0"})
        self.day = add({"num_format": "yyyy-mm-dd"})
        self.moment = add({"num_format": "yyyy-mm-dd hh:mm"})
        self.missed = add(
            {"num_format": "yyyy-mm-dd", "font_color": "#C00000", "bold": True}
        )

    def add_sheet(self, name, headers=None, title=None, widths=(), frozen_columns=0):
        """A sheet named `name`: `title` in bold on its first row, `headers`
        under a line (on the first row, or the third under a title), frozen
        with the first `frozen_columns`; `widths` as [(first column, last
        column, width)]. The data start on the row under the headers."""
        sheet = self.workbook.add_worksheet(name)
        for first, last, width in widths:
            sheet.set_column(first, last, width)
        row = 0
        if title:
            sheet.write(0, 0, title, self.bold)
            row = 2
        if headers:
            sheet.write_row(row, 0, headers, self.header)
            sheet.freeze_panes(row + 1, frozen_columns)
        return sheet

    def close(self):
        """The workbook's bytes."""
        self.workbook.close()
        return self._output.getvalue()
