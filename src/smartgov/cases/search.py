"""Full-text search over cases for Chinese text (全文检索), on SQLite and PostgreSQL.

Chinese has no spaces, so text is indexed as overlapping character bigrams (as Lucene's CJK
analyzer does) plus lower-cased latin words and numbers; a query becomes a phrase of its
bigrams. SQLite keeps them in an FTS5 table, PostgreSQL in a tsvector column with a GIN index.
Both live outside the ORM metadata and are created by ``install_search``.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, column, table, text
from sqlalchemy.orm import Session

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-]*")
SEARCH_TABLES = ("case_fts", "case_search")

INSTALL_SQL = {
    "sqlite": [
        "CREATE VIRTUAL TABLE IF NOT EXISTS case_fts USING fts5(terms, tokenize='unicode61')"
    ],
    "postgresql": [
        "CREATE TABLE IF NOT EXISTS case_search (case_id INTEGER PRIMARY KEY "
        "REFERENCES case_record(id), terms tsvector NOT NULL)",
        "CREATE INDEX IF NOT EXISTS ix_case_search_terms ON case_search USING gin (terms)",
    ],
}


def install_search(connection: Connection) -> None:
    for statement in INSTALL_SQL.get(connection.dialect.name, []):
        connection.execute(text(statement))


def terms_of(*parts: str | None) -> list[str]:
    """Index terms: CJK bigrams (single characters for one-character runs) and latin words."""
    terms: list[str] = []
    for part in parts:
        if not part:
            continue
        for run in _CJK.findall(part):
            terms.extend(run[i : i + 2] for i in range(max(len(run) - 1, 1)))
        terms.extend(w.lower() for w in _WORD.findall(part))
    return terms


def index_rows(session: Session | Connection, rows: list[tuple[int, str]] | list[tuple[int, str, list[str]]],
               *, new: bool = False) -> None:
    """(case id, text[, scope tokens]) into the search index; a case already there is replaced
    (``new`` says none of them is indexed yet)."""
    if not rows:
        return
    dialect = (
        session.get_bind().dialect.name if isinstance(session, Session) else session.dialect.name
    )
    params = [{"id": row[0], "terms": " ".join([*terms_of(row[1]), *(row[2] if len(row) > 2 else [])])}
              for row in rows]
    if dialect == "sqlite":
        if not new:
            session.execute(_FTS_DELETE, [{"id": p["id"]} for p in params])
        session.execute(_FTS_INSERT, params)
    elif dialect == "postgresql":
        session.execute(_PG_UPSERT, params)


_FTS_DELETE = text("DELETE FROM case_fts WHERE rowid = :id")
_FTS_INSERT = text("INSERT INTO case_fts(rowid, terms) VALUES (:id, :terms)")
_PG_UPSERT = text(
    "INSERT INTO case_search(case_id, terms) VALUES (:id, to_tsvector('simple', :terms)) "
    "ON CONFLICT (case_id) DO UPDATE SET terms = EXCLUDED.terms"
)


def searchable_text(case: Any) -> str:
    return " ".join(p for p in (case.case_no, case.title, case.description, case.address) if p)


SCOPE_PREFIX = "zz"  # scope tokens cannot collide with a searched word


def scope_tokens(case: Any) -> list[str]:
    """Who may see the case, as index tokens (lead/helper department, grid, street, recorder), so a
    narrow principal's search is intersected inside the index (see service.visibility_tokens)."""
    return scope_tokens_of(lead=case.lead_department_id, helpers=[h.department_id for h in case.helpers],
                           grid=case.grid_id, street=case.street_id, recorder=case.created_by_id,
                           reporter=case.reporter_user_id)


def scope_tokens_of(*, lead: int | None = None, helpers: list[int] | None = None,
                    grid: int | None = None, street: int | None = None, recorder: int | None = None,
                    reporter: int | None = None) -> list[str]:
    pairs = [("d", lead), ("g", grid), ("s", street), ("u", recorder), ("r", reporter)]
    pairs += [("h", h) for h in helpers or []]
    return [f"{SCOPE_PREFIX}{kind}{value}" for kind, value in pairs if value]


def index_case(session: Session | Connection, case: Any, *, new: bool = False) -> None:
    """(Re)index a case: at intake and whenever who may see it changes (dispatch, return)."""
    index_rows(session, [(case.id, searchable_text(case), scope_tokens(case))], new=new)


def _query_groups(query: str) -> list[list[str]]:
    """Each CJK run or latin word of the query becomes one phrase of index terms."""
    groups = [terms_of(run) for run in _CJK.findall(query)]
    groups += [[w.lower()] for w in _WORD.findall(query)]
    return [[t.replace('"', "").replace("'", "").replace("\\", "") for t in g] for g in groups if g]


def matching_ids(
    session: Session, query: str, scope: list[str] | None = None, after_id: int | None = None
) -> Any | None:
    """PostgreSQL: a SELECT of case ids matching every phrase of ``query``, or None when it has
    no terms (SQLite joins its FTS table instead: ``sqlite_match``).

    ``scope`` (service.visibility_tokens) narrows the match inside the index to cases carrying
    one of the tokens, so a department's search never walks the whole district's matches;
    ``after_id`` keeps to cases newer than that id (PostgreSQL: rechecking phrase positions
    costs a row each, so a page of the newest cases must not recheck the whole table)."""
    groups = _query_groups(query)
    if not groups:
        return None
    if session.get_bind().dialect.name == "postgresql":
        tsquery = " & ".join("(" + " <-> ".join(g) + ")" for g in groups)
        if scope:
            tsquery += " & (" + " | ".join(scope) + ")"
        if after_id is not None:
            # A window of the newest cases is read in key order and each row's terms matched
            # (the function form of @@ keeps the GIN index out): a common word's posting list
            # would cost far more than the window itself.
            return text(
                "SELECT case_id FROM case_search WHERE case_id > :after_id "
                "AND ts_match_vq(terms, to_tsquery('simple', :q))"
            ).bindparams(q=tsquery, after_id=after_id)
        return text(
            "SELECT case_id FROM case_search WHERE terms @@ to_tsquery('simple', :q)"
        ).bindparams(q=tsquery)
    return None


def indexed_matches(session: Session, query: str, scope: list[str] | None,
                    cap: int) -> tuple[list[int], bool] | None:
    """PostgreSQL: cases matching ``query`` within ``scope`` found through the full-text index,
    newest first, and whether that is all of them; None when the query has no index terms.

    The bigrams are ANDed for the index (GIN answers that without rechecking positions) and
    the phrases checked on the first ``cap`` rows found only; when ``cap`` rows hold the bigrams
    the list is a part (``False``). The CTE is planned for all its rows, so the planner cannot
    bet on meeting ``cap`` of them early in a scan of the whole table, and stops at ``cap``."""
    groups = _query_groups(query)
    if not groups or session.get_bind().dialect.name != "postgresql":
        return None
    loose = " & ".join(term for group in groups for term in group)
    if scope:
        loose += " & (" + " | ".join(scope) + ")"
    ids = session.scalars(text(
        "WITH m AS MATERIALIZED (SELECT case_id FROM case_search "
        "WHERE terms @@ to_tsquery('simple', :q)) SELECT case_id FROM m LIMIT :cap"
    ), {"q": loose, "cap": cap}).all()
    complete = len(ids) < cap
    if ids and any(len(group) > 1 for group in groups):
        phrases = " & ".join("(" + " <-> ".join(group) + ")" for group in groups)
        ids = session.scalars(text(
            "SELECT case_id FROM case_search WHERE case_id = ANY(:ids) "
            "AND ts_match_vq(terms, to_tsquery('simple', :q))"
        ), {"ids": list(ids), "q": phrases}).all()
    return sorted(ids, reverse=True), complete


CASE_FTS = table("case_fts", column("rowid"))


def sqlite_match(session: Session, query: str, scope: list[str] | None = None) -> Any | None:
    """On SQLite, the MATCH condition on ``case_fts`` for a query (None elsewhere or no terms).

    Callers join ``CASE_FTS`` on rowid = case id and order by rowid descending, so SQLite walks
    the index newest-first and stops after one page instead of collecting every match."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    groups = _query_groups(query)
    if not groups:
        return None
    match = " AND ".join('"' + " ".join(g) + '"' for g in groups)
    if scope:
        match += " AND (" + " OR ".join(scope) + ")"
    return text("case_fts MATCH :fts_q").bindparams(fts_q=match)
