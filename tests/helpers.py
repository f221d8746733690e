"""Builders for test inputs, from code (no third-party text)."""

from __future__ import annotations

from typing import Any


def html_page(record: dict[str, Any], *, with_date: bool = True) -> str:
    """An HTML page for one sample record, with the metadata a news site's markup carries."""
    paragraphs = "".join(f"<p>{p}</p>" for p in record["text"].split("\n\n"))
    date_meta = (
        f'<meta property="article:published_time" content="{record["published"]}">'
        if with_date
        else ""
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{record['title']}</title>"
        f'<meta property="og:site_name" content="{record["source"]}">'
        f'<meta name="author" content="Staff Reporter">{date_meta}</head>'
        f"<body><nav><a href='/'>Home</a> | <a href='/world'>World</a></nav>"
        f"<article><h1>{record['title']}</h1>{paragraphs}</article>"
        "<footer>Copyright the fictional outlet</footer></body></html>"
    )


def rss_feed(title: str, records: list[dict[str, Any]], links: list[str]) -> str:
    """An RSS 2.0 feed whose items point at ``links`` (one more link than records is allowed)."""
    items = []
    for index, link in enumerate(links):
        record = records[index] if index < len(records) else {"title": "Missing page"}
        items.append(
            f"<item><title>{record['title']}</title><link>{link}</link>"
            f"<pubDate>Sat, 0{1 + index % 9} Mar 2025 09:00:00 GMT</pubDate></item>"
        )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>{title}</title><link>https://example.org/</link>"
        f"<description>Fictional feed</description>{''.join(items)}</channel></rss>"
    )


def write_warc(path: Any, responses: list[tuple[str, int, str, str]]) -> None:
    """A gzipped WARC of HTTP responses (url, status, content type, body), made with warcio."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=str(path).endswith(".gz"))
        for url, status, content_type, body in responses:
            reason = "OK" if status == 200 else "Not Found"
            headers = StatusAndHeaders(
                f"{status} {reason}", [("Content-Type", content_type)], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                url, "response", payload=BytesIO(body.encode()), http_headers=headers
            )
            writer.write_record(record)
            record.raw_stream.close()  # warcio buffers payloads in temporary files
