"""Times listing and searching a large conversation store (10,000 conversations, 200,000 messages),
encrypted (SQLCipher, as the app opens it) beside the same data in a plain SQLite file.

Run: ``python bench/store.py [--conversations N] [--messages-per-conversation M]``.
Prints a table and ends with ``RESULT list_page_ms=… search_ms=… plain_list_page_ms=…
plain_search_ms=… search_ratio=…`` (the slowest median of each kind, in milliseconds, the
encrypted store's first; search_ratio is the encrypted store's total search time over
the plain one's).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
import unicodedata
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from app.store import Store, cipher, open_store  # noqa: E402
from app.store.schema import Conversation, Message  # noqa: E402

ENGLISH = (
    "the model report revenue quarter budget forecast analysis data customer market growth "
    "risk policy contract meeting summary table chart figure trend cost price sales region "
    "team project plan review draft email letter client product service quality issue "
    "question answer result method sample source audit compliance security training"
).split()
CHINESE = (
    "模型 报告 收入 季度 预算 预测 分析 数据 客户 市场 增长 风险 政策 合同 会议 总结 表格 "
    "图表 趋势 成本 价格 销售 地区 团队 项目 计划 审查 草稿 邮件 产品 服务 质量 问题 方法"
).split()
PAGE = 50
REPEATS = 15


def sentence(rng: random.Random, words: int) -> str:
    out: list[str] = []
    chinese_before = False
    for _ in range(words):
        chinese = rng.random() < 0.35
        pool = CHINESE if chinese else ENGLISH
        # Zipf-like: a few words are everywhere, most are rarer.
        word = pool[min(int(rng.paretovariate(1.2)) - 1, len(pool) - 1)]
        # Chinese runs have no spaces between words, as in real text.
        out.append(word if (chinese and chinese_before) or not out else " " + word)
        chinese_before = chinese
    return "".join(out)


def build(store: Store, conversations: int, per_conversation: int, seed: int = 7) -> float:
    """Bulk-insert through the real schema (triggers keep the search index in step)."""
    rng = random.Random(seed)
    start = time.perf_counter()
    epoch = datetime(2025, 1, 1, tzinfo=UTC)
    batch = 500
    for first in range(0, conversations, batch):
        convs, msgs = [], []
        for c in range(first, min(first + batch, conversations)):
            conv_id = str(uuid.UUID(int=rng.getrandbits(128)))
            updated = epoch + timedelta(seconds=rng.randrange(365 * 86400))
            title = sentence(rng, rng.randint(2, 6))
            if c % 997 == 0:
                title += " zebrafish"  # a rare word: a handful of hits
            convs.append(
                {
                    "id": conv_id,
                    "title": title,
                    "settings": {},
                    "created_at": updated,
                    "updated_at": updated,
                    "version": 1,
                    "deleted": False,
                }
            )
            parent = None
            for m in range(per_conversation):
                msg_id = str(uuid.UUID(int=rng.getrandbits(128)))
                msgs.append(
                    {
                        "id": msg_id,
                        "conversation_id": conv_id,
                        "parent_id": parent,
                        "role": "user" if m % 2 == 0 else "assistant",
                        "content": sentence(rng, rng.randint(8, 80)),
                        "token_count": 40,
                        "sampling": {},
                        "stats": {},
                        "status": "complete",
                        "created_at": updated,
                        "updated_at": updated,
                        "version": 1,
                        "deleted": False,
                    }
                )
                if m == 3 and c % 499 == 0:
                    msgs[-1]["content"] += "，熊猫"  # a rare two-character word
                parent = msg_id
        with store.session() as s:
            s.execute(insert(Conversation), convs)
            s.execute(insert(Message), msgs)
    return time.perf_counter() - start


def pad(text: str, width: int) -> str:
    """Left-align ``text`` in ``width`` terminal columns (CJK characters take two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages-per-conversation", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="autoglm-bench-") as tmp:
        plain = Path(tmp) / "plain.sqlite3"
        store = open_store(plain)
        n_conv, n_msg = args.conversations, args.conversations * args.messages_per_conversation
        seconds = build(store, args.conversations, args.messages_per_conversation)
        store.close()
        size_mb = plain.stat().st_size / 1e6
        encrypted = Path(tmp) / "encrypted.sqlite3"
        shutil.copyfile(plain, encrypted)
        key = cipher.new_key()
        t0 = time.perf_counter()
        cipher.export(encrypted, None, key)
        encrypt_s = time.perf_counter() - t0
        print(
            f"built {n_conv:,} conversations, {n_msg:,} messages in {seconds:.1f} s; {size_mb:.0f} MB;"
            f" encrypted a copy in {encrypt_s:.1f} s ({size_mb / encrypt_s:.0f} MB/s)"
        )
        print()
        # Both freshly opened, as after a restart; every case is timed on one store and
        # then the other, turn about, so that both see the same load on a shared machine.
        plain_store, encrypted_store = open_store(plain), open_store(encrypted, key)
        plain_rows, encrypted_rows = measure([plain_store, encrypted_store], n_conv)
        plain_store.close()
        encrypted_store.close()

    print(f"{'kind':<7} {'what':<24} {'encrypted ms':>13} {'plain ms':>9} {'ratio':>6} {'rows':>5}")
    print("-" * 69)
    for (kind, what, ms, count), (_, _, plain_ms, plain_count) in zip(
        encrypted_rows, plain_rows, strict=True
    ):
        assert count == plain_count, f"{what}: {count} rows encrypted, {plain_count} plain"
        print(f"{kind:<7} {pad(what, 24)} {ms:>13.2f} {plain_ms:>9.2f} {ms / plain_ms:>6.2f} {count:>5}")

    def slowest(rows: list[Row], kind: str) -> float:
        return max(ms for k, _, ms, _ in rows if k == kind)

    def total(rows: list[Row], kind: str) -> float:
        return sum(ms for k, _, ms, _ in rows if k == kind)

    print()
    print(
        f"RESULT list_page_ms={slowest(encrypted_rows, 'list'):.2f}"
        f" search_ms={slowest(encrypted_rows, 'search'):.2f}"
        f" plain_list_page_ms={slowest(plain_rows, 'list'):.2f}"
        f" plain_search_ms={slowest(plain_rows, 'search'):.2f}"
        f" search_ratio={total(encrypted_rows, 'search') / total(plain_rows, 'search'):.2f}"
        f" list_ratio={total(encrypted_rows, 'list') / total(plain_rows, 'list'):.2f}"
    )


Row = tuple[str, str, float, int]


def measure(stores: list[Store], n_conv: int) -> list[list[Row]]:
    """The same cases on each store, timed turn about; one list of rows per store."""

    def list_page(store: Store, offset: int, query: str | None = None) -> Callable[[], object]:
        def run() -> object:
            with store.repo(write=False) as repo:
                return repo.list_conversations(limit=PAGE, offset=offset, query=query)

        return run

    cases: list[tuple[str, str, int, str | None]] = []
    offsets = sorted({o for o in (0, 50, 1_000, 5_000, n_conv - PAGE) if 0 <= o < n_conv})
    cases += [("list", f"offset {offset}", offset, None) for offset in offsets]
    queries = (
        "revenue",  # common: many hits, newest first
        "zebrafish",  # rare
        "budget forecast",  # two words, both must appear
        '"model report"',  # a phrase
        "模型",  # two characters: below a trigram, matched by LIKE
        "模型报告",  # four characters: through the trigram index
        "熊猫",  # rare and two characters: trigrams that begin with it
        "预算 分析",
        "nothing-matches-this",
    )
    cases += [("search", query, 0, query) for query in queries]
    cases.append(("search", "revenue, offset 1000", 1_000, "revenue"))
    out: list[list[Row]] = [[] for _ in stores]
    for kind, what, offset, query in cases:
        runs = [list_page(store, offset, query) for store in stores]
        samples: list[list[float]] = [[] for _ in stores]
        counts = [0 for _ in stores]
        for _ in range(REPEATS):
            for i, run in enumerate(runs):
                t0 = time.perf_counter()
                counts[i] = len(run())  # type: ignore[arg-type]
                samples[i].append((time.perf_counter() - t0) * 1000)
        for i in range(len(stores)):
            out[i].append((kind, what, statistics.median(samples[i]), counts[i]))
    return out


if __name__ == "__main__":
    main()
