"""文件: stored files (each content once, never deleted) linked to any subject, checked by content."""

from smartgov.files.policy import FilePolicy, sniff
from smartgov.files.service import (
    attach,
    download_name,
    first_link_ids,
    get_link,
    link,
    links_of,
    path_of,
    store,
)

__all__ = [
    "FilePolicy",
    "attach",
    "download_name",
    "first_link_ids",
    "get_link",
    "link",
    "links_of",
    "path_of",
    "sniff",
    "store",
]
