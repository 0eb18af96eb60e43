"""What the conversations service writes is encrypted on disk: a question and a reply from
the real model, in English and Chinese, are in no byte of the data folder, and read back
whole through the service."""

from __future__ import annotations

from app.engine.types import SamplingParams
from app.services.context import AppContext
from app.services.conversations import Conversations, open_conversations
from app.services.models import LoadedModel
from app.services.storage import store_status

QUESTIONS = [
    "Summarise the Zanzibar ledger findings for the audit committee.",
    "请总结深圳数据中心关闭计划的主要风险。",
]
GREEDY = SamplingParams(temperature=0.0, max_tokens=12)


def test_questions_and_replies_are_in_no_byte_of_the_data_folder(
    ctx: AppContext, loaded_model: LoadedModel
) -> None:
    convs: Conversations = open_conversations(ctx, loaded_model)
    replies = []
    try:
        conv = convs.create(title="深圳数据中心")
        for question in QUESTIONS:
            reply = convs.send(conv.id, question, params=GREEDY)
            "".join(reply)  # stream it to its end, as a door does
            replies.append(reply.text)
        assert all(replies)
        # While the service is open (the WAL holds the newest pages) and after it closed.
        for when in ("open", "closed"):
            if when == "closed":
                convs.close()
            for path in ctx.paths.data.rglob("*"):
                if not path.is_file():
                    continue
                data = path.read_bytes()
                for text in [*QUESTIONS, "深圳数据中心", *[r for r in replies if len(r) > 8]]:
                    assert text.encode("utf-8") not in data, f"{text[:20]!r} readable in {path.name}"
    finally:
        convs.close()
    assert store_status(ctx).encrypted
    with open_conversations(ctx, loaded_model) as again:
        shown = [m.content for m in again.get(conv.id).messages]
    assert shown == [QUESTIONS[0], replies[0], QUESTIONS[1], replies[1]]
