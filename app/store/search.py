"""Turns what a user types into a safe search over conversation titles and message text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, and_, column, false, or_, select, table
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.store.schema import Conversation, Message

# The trigram tokenizer indexes runs of three characters: a term of three or
# more is a phrase of trigrams. A shorter one (many Chinese words have two
# characters) becomes the set of indexed trigrams that begin with it, read from
# the index's vocabulary, unless it begins too many to be worth it.
MIN_INDEXED_CHARS = 3
MAX_EXPANSION = 200
# How many of the most recent conversations to look through before asking the index.
PROBE_CONVERSATIONS = 200

_TERM = re.compile(r'"([^"]+)"|(\S+)')
_UNSAFE = re.compile(r"[\x00\ud800-\udfff]")  # NUL and lone surrogates cannot be bound

messages_fts = table("messages_fts", column("rowid"), column("messages_fts"))
messages_fts_terms = table("messages_fts_terms", column("term"))
conversations_fts = table("conversations_fts", column("rowid"), column("conversations_fts"))


@dataclass(frozen=True)
class SearchTerms:
    """The words of a query: every one must appear (as a substring, case-insensitively)."""

    indexed: tuple[str, ...]
    short: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.indexed or self.short)

    @property
    def all(self) -> tuple[str, ...]:
        return self.indexed + self.short


def parse_query(text: str) -> SearchTerms:
    """Split user text into terms; "double quotes" keep a phrase with spaces together."""
    text = _UNSAFE.sub(" ", text)
    indexed: list[str] = []
    short: list[str] = []
    for quoted, word in _TERM.findall(text):
        term = (quoted or word).strip()
        if not term:
            continue
        (indexed if len(term) >= MIN_INDEXED_CHARS else short).append(term)
    return SearchTerms(tuple(dict.fromkeys(indexed)), tuple(dict.fromkeys(short)))


def fts_expression(terms: tuple[str, ...]) -> str:
    """An FTS5 MATCH expression in which each term is a quoted string, so no
    user text is ever read as FTS5 syntax (AND, NEAR, column filters, stray quotes)."""
    return " AND ".join(_quote(t) for t in terms)


def like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_conversations(
    session: Session, terms: SearchTerms, limit: int, offset: int
) -> Sequence[Conversation]:
    """Live conversations matching ``terms``, most recently active first.

    A common word matches most conversations, and walking its whole index entry
    (100,000+ hits) costs far more than the page needs; a rare word is the
    opposite. So first look among the most recent conversations only: if the
    page fills there, it is exactly the page a full search would return. If not,
    the words are rare enough for the index to answer quickly.
    """
    if limit <= 0:
        return []
    live = select(Conversation).where(Conversation.deleted == false())
    newest_first = (Conversation.updated_at.desc(), Conversation.pk.desc())
    recent = (
        select(Conversation.pk)
        .where(Conversation.deleted == false())
        .order_by(*newest_first)
        .limit(PROBE_CONVERSATIONS + offset + limit)
    )
    probe = live.where(Conversation.pk.in_(recent), _matches_by_scan(terms))
    rows = session.scalars(probe.order_by(*newest_first).limit(limit).offset(offset)).all()
    if len(rows) == limit:
        return rows
    full = live.where(_matches_by_index(session, terms)).order_by(*newest_first)
    return session.scalars(full.limit(limit).offset(offset)).all()


def _likes(
    column: ColumnElement[str] | InstrumentedAttribute[str], terms: SearchTerms
) -> list[ColumnElement[bool]]:
    return [column.like(like_pattern(t), escape="\\") for t in terms.all]


def _matches_by_scan(terms: SearchTerms) -> ColumnElement[bool]:
    """Per conversation: its title, or one of its messages, holds every term."""
    in_a_message = (
        select(Message.pk)
        .where(
            Message.conversation_id == Conversation.id,
            Message.deleted == false(),
            *_likes(Message.content, terms),
        )
        .exists()
    )
    return or_(and_(*_likes(Conversation.title, terms)), in_a_message)


def _matches_by_index(session: Session, terms: SearchTerms) -> ColumnElement[bool]:
    """The same test driven by the FTS index. LIKE still has the last word, so both
    paths agree exactly (the index also folds non-ASCII case; LIKE does not)."""
    title = _likes(Conversation.title, terms)
    if terms.indexed:
        title.append(
            Conversation.pk.in_(
                select(conversations_fts.c.rowid).where(
                    conversations_fts.c.conversations_fts.op("MATCH")(fts_expression(terms.indexed))
                )
            )
        )
    in_title = and_(*title)
    expr = _message_expression(session, terms)
    if expr is False:
        return in_title
    in_messages = select(Message.conversation_id).where(
        Message.deleted == false(), *_likes(Message.content, terms)
    )
    if expr:
        in_messages = in_messages.join(messages_fts, messages_fts.c.rowid == Message.pk).where(
            messages_fts.c.messages_fts.op("MATCH")(expr)
        )
    return or_(in_title, Conversation.id.in_(in_messages))


def _message_expression(session: Session, terms: SearchTerms) -> str | Literal[False]:
    """The MATCH expression for messages: "" when the index cannot narrow the
    search (LIKE scans), False when some term is in no message at all."""
    parts = [_quote(t) for t in terms.indexed]
    for term in terms.short:
        folded = term.lower()
        if not (term.isascii() or folded == term.upper()):
            continue  # cased non-ASCII: our folding might not be the index's
        grams = session.scalars(
            select(messages_fts_terms.c.term)
            .where(
                messages_fts_terms.c.term >= folded,
                messages_fts_terms.c.term < folded + "\U0010ffff",
            )
            .limit(MAX_EXPANSION + 1)
        ).all()
        if not grams:
            return False
        if len(grams) <= MAX_EXPANSION:
            parts.append("(" + " OR ".join(_quote(g) for g in grams) + ")")
    return " AND ".join(parts)


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'
