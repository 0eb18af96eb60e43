"""The `autoglm docs` commands and `autoglm ask --docs`: a thin adapter over
app.services.documents."""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import Any

from app.errors import AppError, Cancelled


class _CountProgress:
    """A one-line progress bar on stderr for passages being embedded, on a terminal only."""

    WIDTH = 24

    def __call__(self, done: int, total: int) -> None:
        if not sys.stderr.isatty() or total <= 0:
            return
        filled = self.WIDTH * done // total
        sys.stderr.write(f"\r[{'#' * filled}{'-' * (self.WIDTH - filled)}] {done}/{total} "
                         "passages embedded")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


class _FileProgress:
    """A one-line progress bar on stderr while files are read, shown only on a terminal."""

    WIDTH = 24

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int, path: Path) -> None:
        if not self.tty or total <= 0:
            return
        filled = self.WIDTH * done // total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        name = path.name if len(path.name) <= 40 else path.name[:39] + "…"
        sys.stderr.write(f"\r[{bar}] {done}/{total} {name:<40}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def cmd_docs(args: argparse.Namespace) -> int:
    from app.cli_support import cli_context
    from app.services.documents import open_documents

    action = args.docs_cmd or "list"
    with open_documents(cli_context(args)) as docs:
        if action == "add":
            return _add(args, docs)
        if action == "list":
            return _list(args, docs)
        if action == "remove":
            removed = docs.remove(args.collection, args.targets)
            _out(args, [{"id": d.id, "path": d.path} for d in removed],
                 [f"removed {d.path}" for d in removed] or ["nothing removed"])
            return 0
        if action == "search":
            return _search(args, docs)
        if action == "collections":
            return _collections(args, docs)
        if action == "embed":
            return _embed(args, docs)
    raise AppError("choose a docs command: add, list, remove, search, embed or collections")


def _out(args: argparse.Namespace, data: Any, lines: list[str]) -> None:
    from app.cli_support import emit_json

    if args.json:
        emit_json(data)
    else:
        for line in lines:
            print(line)


def _add(args: argparse.Namespace, docs: Any) -> int:
    cancel = threading.Event()
    try:
        report = docs.add(args.collection, [Path(p) for p in args.paths],
                          progress=_FileProgress(), cancel=cancel,
                          embed_progress=_CountProgress())
    except KeyboardInterrupt:
        cancel.set()
        raise Cancelled() from None
    if args.json:
        _out(args, {
            "collection": report.collection, "seconds": round(report.seconds, 3),
            "pages": report.pages, "embedded": report.embedded,
            "embed_error": report.embed_error,
            "files": [{"path": str(f.path), "outcome": f.outcome, "reason": f.reason,
                       "pages": f.pages, "chunks": f.chunks} for f in report.files],
        }, [])
        return 0
    counts = ", ".join(f"{report.count(o)} {o}" for o in ("added", "updated", "unchanged", "removed")
                       if report.count(o))
    print(f"{report.collection}: {counts or 'no files'} ({report.pages} pages read in "
          f"{report.seconds:.1f} s)")
    for f in report.problems:
        print(f"  skipped {f.path}: {f.reason}")
    if report.embedded:
        print(f"  {report.embedded} passages embedded for finding by meaning")
    if report.embed_error:
        print(f"  not embedded: {report.embed_error}")
    return 0


def _embed(args: argparse.Namespace, docs: Any) -> int:
    """`autoglm docs embed`: vectors for passages read before the embedding model was set."""
    cancel = threading.Event()
    try:
        done = docs.embed(args.collection, progress=_CountProgress(), cancel=cancel)
    except KeyboardInterrupt:
        cancel.set()
        raise Cancelled() from None
    _out(args, {"collection": args.collection, "embedded": done},
         [f"{args.collection}: {done} passages embedded" if done else
          f"{args.collection}: every passage is embedded already"])
    return 0


def _list(args: argparse.Namespace, docs: Any) -> int:
    found = docs.documents(args.collection)
    lines = [f"{d.status:<10} {d.collection}: {d.path}  ({d.pages} pages, {d.chunks} passages)"
             + (f"\n           {d.reason}" if d.reason else "") for d in found]
    _out(args, [{"id": d.id, "collection": d.collection, "path": d.path, "status": d.status,
                 "reason": d.reason, "pages": d.pages, "size": d.size, "chunks": d.chunks,
                 "updated_at": d.updated_at.isoformat()} for d in found],
         lines or ["No documents yet. `autoglm docs add --collection NAME PATH` adds some."])
    return 0


def _search(args: argparse.Namespace, docs: Any) -> int:
    query = " ".join(args.query)
    passages = docs.search(args.collection, query, args.limit)
    lines = []
    for p in passages:
        flat = " ".join(p.text.split())
        lines.append(f"[{p.number}] {p.source}\n    {flat[:300]}{'…' if len(flat) > 300 else ''}")
    _out(args, [p.as_json() for p in passages],
         lines or [f"Nothing in “{args.collection}” matches {query!r}."])
    return 0


def _collections(args: argparse.Namespace, docs: Any) -> int:
    sub = args.collections_cmd or "list"
    if sub == "create":
        c = docs.create_collection(" ".join(args.name))
        _out(args, {"id": c.id, "name": c.name}, [f"created collection “{c.name}”"])
    elif sub == "rename":
        c = docs.rename_collection(args.name, args.new_name)
        _out(args, {"id": c.id, "name": c.name}, [f"renamed to “{c.name}”"])
    elif sub == "remove":
        n = docs.remove_collection(args.name)
        _out(args, {"removed": args.name, "documents": n},
             [f"removed collection “{args.name}” and its {n} document(s)"])
    else:
        cols = docs.collections()
        _out(args, [{"id": c.id, "name": c.name, "documents": c.documents,
                     "unreadable": c.unreadable, "updated_at": c.updated_at.isoformat()}
                    for c in cols],
             [f"{c.name}  ({c.documents} documents" + (f", {c.unreadable} unreadable" if
              c.unreadable else "") + ")" for c in cols] or ["No collections yet."])
    return 0


def ask_docs(args: argparse.Namespace, prompt: str) -> int:
    """`autoglm ask --docs NAME`: an answer from the collection's passages, then its sources."""
    from app.cli_support import (
        cli_context,
        emit_json,
        load_model_for,
        sampling_for,
        saved_note,
        stream_to_stdout,
    )
    from app.services.documents import open_documents

    ctx = cli_context(args)
    with open_documents(ctx) as docs:
        docs.search(args.docs, prompt, 1)  # a wrong collection name fails before the model loads
        model = load_model_for(args, ctx)
        cancel = threading.Event()
        try:
            answer = docs.answer(model, args.docs, prompt, sampling_for(args, ctx), cancel,
                                 whole=bool(getattr(args, "whole", False)))
            if answer.note and not args.json:
                sys.stderr.write(answer.note + "\n")
            try:
                stopped = stream_to_stdout(answer, cancel, show=not args.json)
            except Cancelled:
                stopped = True
            conversation_id = None
            if not args.no_history and not stopped:
                from app.services.doc_answers import save

                conversation_id = save(docs, answer, model=model.name,
                                       params=sampling_for(args, ctx))
        finally:
            model.close()
    sources = answer.sources
    if args.json:
        emit_json({"model": model.name, "collection": args.docs, "text": answer.text,
                    "conversation_id": conversation_id,
                    "found": answer.found, "mode": answer.mode, "note": answer.note,
                    "citations": [{**p.as_json(), "how": how} for p, how in sources],
                    "passages": [p.as_json() for p in answer.passages],
                    "stats": answer.stats.as_dict()})
    else:
        sys.stdout.write("\n")
        if answer.mode == "whole":
            print("\n(Long-context mode: the documents were read whole.)")
        if answer.passages:
            print("\nSources:" if sources else "\nPassages given to the model (none cited):")
            for p, how in sources or [(p, "") for p in answer.passages]:
                note = " (not cited; the answer restates it)" if how == "matched" else ""
                print(f"  [{p.number}] {p.source}{note}")
    saved_note(conversation_id)
    if stopped:
        sys.stderr.write("stopped\n")
        return 130
    return 0


def add_docs_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("docs", parents=[common], help="add documents to collections and search them",
                       description="Collections of documents to search and ask questions of.")
    dsub = p.add_subparsers(dest="docs_cmd", metavar="ACTION")
    q = dsub.add_parser("add", parents=[common], help="add files and folders (recursively)")
    q.add_argument("--collection", "-c", required=True, help="collection (made if new)")
    q.add_argument("paths", nargs="+", metavar="PATH")
    q = dsub.add_parser("list", parents=[common], help="documents, with their status")
    q.add_argument("--collection", "-c", help="only this collection")
    q = dsub.add_parser("remove", parents=[common], help="remove documents and their passages")
    q.add_argument("--collection", "-c", required=True)
    q.add_argument("targets", nargs="+", metavar="PATH|NAME|ID")
    q = dsub.add_parser("search", parents=[common], help="ranked passages, with file and page")
    q.add_argument("--collection", "-c", required=True)
    q.add_argument("--limit", type=int, default=5)
    q.add_argument("query", nargs="+")
    q = dsub.add_parser("embed", parents=[common],
                        help="embed passages read before the embedding model was set")
    q.add_argument("--collection", "-c", required=True)
    q = dsub.add_parser("collections", parents=[common], help="list, create, rename, remove")
    csub = q.add_subparsers(dest="collections_cmd", metavar="ACTION")
    csub.add_parser("list", parents=[common], help="collections and their documents")
    r = csub.add_parser("create", parents=[common], help="a new, empty collection")
    r.add_argument("name", nargs="+")
    r = csub.add_parser("rename", parents=[common], help="give a collection a new name")
    r.add_argument("name")
    r.add_argument("new_name")
    r = csub.add_parser("remove", parents=[common], help="remove a collection and its documents")
    r.add_argument("name")
    q.set_defaults(collections_cmd=None)
    p.set_defaults(func=cmd_docs, docs_cmd=None, collection=None)
