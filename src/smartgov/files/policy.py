"""What a domain accepts (上传规则): file types by content (magic bytes), size limit, link kinds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from smartgov.errors import ValidationFailed

# content type → (suffix, label); the suffix is the one a stored file is served with
TYPES: dict[str, tuple[str, str]] = {
    "image/jpeg": (".jpg", "JPEG"),
    "image/png": (".png", "PNG"),
    "image/gif": (".gif", "GIF"),
    "image/webp": (".webp", "WebP"),
    "application/pdf": (".pdf", "PDF"),
}
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)


def sniff(content: bytes) -> str | None:
    """The content type from the first bytes (never from the name); None when not recognised."""
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    for signature, content_type in _SIGNATURES:
        if content.startswith(signature):
            return content_type
    return None


def size_text(size: int) -> str:
    """A byte count for people: 10 MB, 512 KB, 300 字节."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            return f"{value:g} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} 字节"


@dataclass(frozen=True)
class FilePolicy:
    """A domain's upload rule: which types (checked by content), how large, which link kinds.

    ``max_bytes`` may be a function so a limit read from the settings follows them."""

    types: frozenset[str]
    max_bytes: int | Callable[[], int]
    kinds: frozenset[str] = frozenset({"file"})
    what: str = "文件"  # how the pages name such a file: 照片, 材料 …

    @property
    def limit(self) -> int:
        return self.max_bytes() if callable(self.max_bytes) else self.max_bytes

    def check(self, content: bytes, kind: str) -> str:
        """The content type of an acceptable upload; a ValidationFailed in Chinese otherwise."""
        if kind not in self.kinds:
            raise ValidationFailed(f"未知的{self.what}类型：{kind}", code="bad_file_kind")
        if not content:
            raise ValidationFailed("文件为空", code="empty_file")
        if len(content) > self.limit:
            raise ValidationFailed(f"文件超过 {size_text(self.limit)}", code="file_too_large")
        content_type = sniff(content)
        if content_type not in self.types:
            names = "、".join(TYPES[t][1] for t in TYPES if t in self.types)
            raise ValidationFailed(f"只能上传 {names} 格式的{self.what}", code="unsupported_file_type")
        return content_type
