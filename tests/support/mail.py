"""Read what the file-based email backend wrote, as a person would: find the link, follow it."""

import re
from email import message_from_string, policy
from pathlib import Path

LINK = re.compile(r"https?://[^\s\"'<>]+")


def messages_in(directory: str | Path) -> list[str]:
    folder = Path(directory)
    if not folder.is_dir():
        return []
    return [
        p.read_text(encoding="utf-8")
        for p in sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime)
    ]


def body_text(raw: str) -> str:
    """The plain-text body of a stored message (the backend writes whole MIME messages)."""
    message = message_from_string(raw.split("\n" + "-" * 79)[0], policy=policy.default)
    part = message.get_body(preferencelist=("plain",)) if message.is_multipart() else message
    return part.get_content() if part is not None else raw


def links_in_latest(directory: str | Path, *, containing: str) -> list[str]:
    for raw in reversed(messages_in(directory)):
        links = [link for link in LINK.findall(body_text(raw)) if containing in link]
        if links:
            return links
    raise AssertionError(f"No email in {directory} has a link containing {containing!r}")


def verification_key(directory: str | Path) -> str:
    link = links_in_latest(directory, containing="/accounts/confirm-email/")[0]
    return link.rstrip("/").rsplit("/", 1)[1]
