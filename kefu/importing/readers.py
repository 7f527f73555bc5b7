"""Stream the rows of a CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or XLSX export, one at a time.

Rows are never all held in memory: CSV is decoded through a text wrapper over the binary file,
XLSX is read with openpyxl's read-only (streaming) mode.
"""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext as _

ENCODINGS = ("auto", "utf-8", "gbk", "gb18030")
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
_SCAN_CHUNK = 1 << 20


class FileUnreadable(Exception):
    """The whole file cannot be read: wrong format, wrong encoding, no header."""


@dataclass(slots=True)
class SourceRow:
    line: int  # as the user sees it: the header is line 1
    values: tuple[Any, ...]


def detect_encoding(binary: IO[bytes]) -> str:
    """Return "utf-8-sig" or "gb18030": UTF-8 if the whole file decodes as UTF-8, else GB18030.

    Scans the file in chunks (memory stays flat) and rewinds it; GB18030 is a superset of GBK.
    """
    binary.seek(0)
    head = binary.read(3)
    if head == codecs.BOM_UTF8:
        binary.seek(0)
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    data = head
    try:
        while True:
            decoder.decode(data, final=False)
            data = binary.read(_SCAN_CHUNK)
            if not data:
                decoder.decode(b"", final=True)
                break
    except UnicodeDecodeError:
        binary.seek(0)
        return "gb18030"
    binary.seek(0)
    return "utf-8-sig"


def _python_encoding(encoding: str) -> str:
    if encoding in ("gbk", "gb2312", "gb18030"):
        return "gb18030"
    if encoding in ("utf-8", "utf8", "utf-8-sig"):
        return "utf-8-sig"  # also strips a BOM if there is one
    raise FileUnreadable(_("Unknown encoding %(encoding)s.") % {"encoding": encoding})


class TableReader:
    """The header and the data rows of one file, plus its progress in bytes or rows."""

    header: list[str]
    encoding: str
    progress_total: int | None

    def rows(self) -> Iterator[SourceRow]:
        raise NotImplementedError

    def progress_position(self) -> int:
        raise NotImplementedError

    def close(self) -> None:
        pass


class CsvReader(TableReader):
    def __init__(self, binary: IO[bytes], *, encoding: str = "auto"):
        self.binary = binary
        if encoding == "auto":
            encoding = detect_encoding(binary)
        self.encoding = _python_encoding(encoding)
        binary.seek(0, io.SEEK_END)
        self.progress_total = binary.tell()
        binary.seek(0)
        self.text = io.TextIOWrapper(binary, encoding=self.encoding, newline="")
        try:
            first = self.text.readline()
        except UnicodeDecodeError as error:
            raise FileUnreadable(self._decode_message()) from error
        if not first.strip():
            raise FileUnreadable(_("The file is empty or has no header row."))
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
        self.delimiter = delimiter
        self.header = [cell.strip() for cell in next(csv.reader([first], delimiter=delimiter))]

    def _decode_message(self) -> str:
        label = "GBK/GB18030" if self.encoding == "gb18030" else "UTF-8"
        return _("The file is not valid %(encoding)s text; choose the right encoding.") % {"encoding": label}

    def rows(self) -> Iterator[SourceRow]:
        reader = csv.reader(self.text, delimiter=self.delimiter)
        offset = 1  # the header line, read above
        previous_end = 0
        try:
            for values in reader:
                line = offset + previous_end + 1
                previous_end = reader.line_num
                if not values or not any(value.strip() for value in values):
                    continue
                yield SourceRow(line=line, values=tuple(values))
        except UnicodeDecodeError as error:
            raise FileUnreadable(self._decode_message()) from error
        except csv.Error as error:
            raise FileUnreadable(_("line %(line)d: the CSV file is malformed (%(error)s).") % {"line": offset + reader.line_num, "error": error}) from error

    def progress_position(self) -> int:
        try:
            return self.binary.tell()
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        self.text.detach()


class XlsxReader(TableReader):
    encoding = ""

    def __init__(self, binary: IO[bytes]):
        import openpyxl

        binary.seek(0)
        try:
            self.workbook = openpyxl.load_workbook(binary, read_only=True, data_only=True)
        except Exception as error:  # zipfile.BadZipFile, KeyError, InvalidFileException...
            raise FileUnreadable(_("The XLSX file cannot be opened: %(error)s") % {"error": error}) from error
        sheet = self.workbook.worksheets[0]
        self._iterator = sheet.iter_rows(values_only=True)
        self._position = 1
        try:
            header = next(self._iterator)
        except StopIteration:
            raise FileUnreadable(_("The file is empty or has no header row.")) from None
        self.header = ["" if cell is None else str(cell).strip() for cell in header]
        max_row = sheet.max_row
        self.progress_total = max_row if isinstance(max_row, int) and max_row > 1 else None

    def rows(self) -> Iterator[SourceRow]:
        line = 1
        for values in self._iterator:
            line += 1
            self._position = line
            if not any(value is not None and (not isinstance(value, str) or value.strip()) for value in values):
                continue
            yield SourceRow(line=line, values=values)

    def progress_position(self) -> int:
        return self._position

    def close(self) -> None:
        self.workbook.close()


def open_table(binary: IO[bytes], *, file_name: str = "", encoding: str = "auto") -> TableReader:
    """Open a CSV or XLSX file (told apart by its first bytes, then its name)."""
    if encoding not in ENCODINGS:
        raise FileUnreadable(_("Unknown encoding %(encoding)s.") % {"encoding": encoding})
    binary.seek(0)
    magic = binary.read(4)
    binary.seek(0)
    if magic == _XLSX_MAGIC or file_name.lower().endswith((".xlsx", ".xlsm")):
        return XlsxReader(binary)
    if magic == _XLS_MAGIC or file_name.lower().endswith(".xls"):
        raise FileUnreadable(_("Old Excel .xls files cannot be read; save the file as .xlsx or CSV."))
    return CsvReader(binary, encoding=encoding)
