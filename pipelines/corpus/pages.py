"""The corpus's pages and records: WARC records in, cleaned pieces and our marked records out (datatrove steps)."""
from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

from datatrove.data import Document, DocumentsPipeline, Media, MediaType
from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.readers.base import BaseDiskReader
from datatrove.pipeline.writers.parquet import ParquetWriter

from pipelines.errors import PageError
from pipelines.jsonl import dumps_record
from pipelines.normalize import DEFAULT_CONVERSION
from pipelines.warc import WarcCounts, WarcError, read_archive

logger = logging.getLogger(__name__)

NOT_ARTICLE = "no_content"  # a page the extractor finds no essay in: counted, not an error

class WarcPages(BaseDiskReader):
    """datatrove reader of WARC files that keeps each page's bytes: one document per page that
    :func:`pipelines.warc.read_archive` gives (2xx HTML responses), with the target URI, the header
    charset and its place (``file``: the file's number in ``files``, ``record``: the page's in the
    file). A damaged archive keeps the pages before the damage and is counted (``bad_warc``,
    ``truncated``) and logged."""

    name = "🕷 WARC pages"
    _requires_dependencies = ["warcio"]

    def __init__(self, data_folder: DataFolderLike, files: Sequence[str], paths_file: str | None = None):
        super().__init__(data_folder, paths_file=paths_file, recursive=False)
        self.numbers = {path: number for number, path in enumerate(files)}

    def read_file(self, filepath: str) -> Iterator[Document]:
        counts = WarcCounts()
        with self.data_folder.open(filepath, "rb", compression=None) as fh:
            try:
                for number, page in enumerate(read_archive(fh, counts)):
                    yield Document(text="", id=f"{self.numbers[filepath]}/{number}",
                                   media=[Media(id=page.url, type=MediaType.DOCUMENT, url=page.url,
                                                media_bytes=page.body)],
                                   metadata={"url": page.url, "charset": page.declared_encoding,
                                             "file": self.numbers[filepath], "record": number})
            except WarcError as exc:
                self.stat_update(exc.reason)
                logger.warning(f"{filepath}: {exc}")
        self.stat_update("not_html", value=counts.not_html)
        self.stat_update("not_2xx", value=counts.not_ok)


class CleanPages(PipelineStep):
    """A page document (HTML bytes in its media, or text, and ``url`` metadata) → one document per
    piece: ``text`` and ``id`` the record's, metadata ``record`` (the record ``essay-crawler clean``
    writes) and ``place`` (file, record, piece number). A page that is no article is counted
    (``not_article``); any other failure is a line in ``errors/<rank>.jsonl``, never lost."""

    name = "🧹 clean pages"
    type = "essay-crawler"

    def __init__(self, errors_folder: DataFolderLike, convert: str = DEFAULT_CONVERSION, profile=None):
        super().__init__()
        self.errors_folder = get_datafolder(errors_folder)
        self.convert, self.profile = convert, profile

    def clean(self, page: Document) -> list[dict] | tuple[str, str]:
        """The page's records, or its error (reason, message)."""
        from pipelines.clean import clean_page

        body: bytes | str = page.media[0].media_bytes if page.media and page.media[0].media_bytes else page.text
        try:
            return clean_page(body, page.metadata["url"], profile=self.profile, convert=self.convert,
                              declared_encoding=page.metadata.get("charset")).records
        except PageError as exc:
            return exc.reason, exc.message
        except Exception as exc:  # a bug: this page's error, the run goes on
            return "internal_error", f"{type(exc).__name__}: {exc}"

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        with self.errors_folder.open(f"{rank:05d}.jsonl", "wt", encoding="utf-8") as errors:
            for page in data or ():
                self.stat_update("pages")
                with self.track_time():
                    outcome = self.clean(page)
                if isinstance(outcome, tuple):
                    reason, message = outcome
                    self.stat_update("not_article" if reason == NOT_ARTICLE else f"error_{reason}")
                    if reason != NOT_ARTICLE:
                        errors.write(dumps_record({"url": page.metadata["url"], "reason": reason, "message": message}))
                    continue
                self.stat_update("articles")
                for record in outcome:
                    self.stat_update("pieces")
                    place = [page.metadata.get("file", 0), page.metadata.get("record", 0), record["piece_no"]]
                    yield Document(text=record["text"], id=record["id"], metadata={"record": record, "place": place})


def schema_row(_writer, document: Document) -> dict:
    from pipelines.dataset import arrow_schema

    record = document.metadata["record"]
    return {name: record.get(name) for name in arrow_schema().names}


def parquet_writer(output_folder: DataFolderLike) -> ParquetWriter:
    """Our records as Parquet, with the export's columns (the record schema): ``<rank>.parquet``."""
    from pipelines.dataset import arrow_schema

    return ParquetWriter(output_folder, output_filename="${rank}.parquet", compression="zstd",
                         adapter=schema_row, schema=arrow_schema())
