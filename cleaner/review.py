"""The review page: a run's audit record as one self-contained HTML page.

``cleaner report DST`` (and ``clean SRC DST --html FILE``) write it; :func:`build_report` is the
library form. The page needs no server and no network (its CSS, JavaScript and data are inline),
so it can be opened from disk or sent to someone. It shows:

- a summary (files, bytes, edits per stage, duplicates removed, skipped files) with inline SVG
  charts of the edits per stage and per rule;
- every rule with its hit count, its hits in context (before and after highlighted), and the rules
  of the run's rule files that never fired;
- every document's cleaned text with each edit marked where it landed: joins and removals as
  markers, moved blocks as marked spans, removed duplicates collapsed with a link to the kept copy;
- filters by stage, rule and file, a search box, and keyboard navigation between edits.

The audit record is read only through :func:`cleaner.report.read_audit`. Offsets in an edit refer
to the text its step received, so each edit is carried forward through the later steps of its
document to the place it occupies in the cleaned text (:func:`final_spans`).

Large runs stay usable: the page holds at most ``max_edits`` edits in full, sampled evenly within
each rule so that every rule keeps examples, and states per rule how many it left out; totals are
always those of the whole run. The cleaned texts are embedded up to ``max_text`` characters (each
is parsed only when its document is opened); a document past that budget lists its edits in context.
All corpus text reaches the page as JSON inside ``<script type="application/json">`` elements, with
``<``, ``>`` and ``&`` escaped, and is put into the document by the script as text, never as markup.
"""

from __future__ import annotations

import bisect
import html
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from cleaner.corpus import existing_audit
from cleaner.errors import CleanerError, ConfigError
from cleaner.io.writers import write_atomic
from cleaner.report import read_audit
from cleaner.rules.loading import load_rules

DEFAULT_MAX_EDITS = 100_000
DEFAULT_MAX_TEXT = 40_000_000  # characters of cleaned text embedded in the page
MAX_BLANK_LINES = 1000  # blank JSON Lines input lines looked past to find a record's output line
CONTEXT = 24  # characters of cleaned text shown on each side of a hit
DEDUP_STAGE = "dedup"
REMOVAL_RULES = ("exact", "short_near", "near", "fragment")
DOCUMENT_RULE = "duplicate_document"
JOIN_PREFIX = "join_"
MOVE_RULE = "move_block"
MOVED_AWAY_RULE = "heal_interrupted"


@dataclass(frozen=True)
class ReviewStats:
    """What :func:`build_report` wrote: the page, its size, and what it left out."""

    path: Path
    size: int  # bytes of the page
    edits: int  # edits of the run (events not counted)
    edits_shown: int  # edits the page holds in full
    documents: int  # documents listed
    texts_shown: int  # documents whose cleaned text the page holds
    left_out: dict[str, int] = field(default_factory=dict)  # "stage/rule" -> edits not in the page

    def format(self) -> str:
        line = f"review page: {self.path} ({self.size:,} bytes); {self.edits_shown:,} of {self.edits:,} edits shown"
        if self.left_out:
            top = sorted(self.left_out.items(), key=lambda item: (-item[1], item[0]))
            more = f" (+{len(top) - 5} more rules)" if len(top) > 5 else ""
            shown = ", ".join(f"{rule} {n:,}" for rule, n in top[:5])
            line += f"; left out by --max-edits: {shown}{more}"
        if self.texts_shown < self.documents:
            line += f"; texts of {self.documents - self.texts_shown:,} documents left out by --max-text"
        return line


# -- carrying edits to the cleaned text ------------------------------------------------------


class _StepMap:
    """How one step (a group of non-overlapping edits) moves the offsets of the text it received."""

    def __init__(self, spans: Sequence[tuple[int, int, int]]) -> None:
        ordered = sorted(spans)  # (start, end, length of the replacement)
        self.starts = [start for start, _, _ in ordered]
        self.ends = [end for _, end, _ in ordered]
        self.lengths = [length for _, _, length in ordered]
        self.shift = [0]  # shift[k]: how far the first k edits move what follows them
        for start, end, length in ordered:
            self.shift.append(self.shift[-1] + length - (end - start))

    def left(self, position: int) -> int:
        """Where ``position`` lands as the start of a span (text inserted right there comes before)."""
        k = bisect.bisect_right(self.ends, position)
        if k < len(self.starts) and self.starts[k] < position:  # inside a replaced span: its start
            return self.starts[k] + self.shift[k]
        return position + self.shift[k]

    def right(self, position: int) -> int:
        """Where ``position`` lands as the end of a span (text inserted right there comes after)."""
        k = bisect.bisect_right(self.ends, position)
        while k > 0 and self.starts[k - 1] == self.ends[k - 1] == position:
            k -= 1
        if k < len(self.starts) and self.starts[k] < position:  # inside a replaced span: its end
            return self.starts[k] + self.shift[k] + self.lengths[k]
        return position + self.shift[k]

    def covers(self, place: int) -> bool:
        """Whether edits of this step replace the text on both sides of ``place``."""
        k = bisect.bisect_left(self.starts, place) - 1
        if k < 0 or self.ends[k] <= place:
            return False
        reached = self.ends[k]
        for j in range(k + 1, len(self.starts)):
            if reached > place or self.starts[j] > reached:
                break
            reached = max(reached, self.ends[j])
        return reached > place

    def survivors(self, start: int, end: int) -> list[tuple[int, int]]:
        """The parts of ``start``–``end`` that no edit of this step replaces, where they land."""
        parts = []
        position = start
        for j in range(bisect.bisect_right(self.ends, start), len(self.starts)):
            if self.starts[j] >= end:
                break
            if self.starts[j] > position:
                parts.append((position, self.starts[j]))
            position = max(position, self.ends[j])
        if position < end:
            parts.append((position, end))
        return [(a + self.shift_at(a), b + self.shift_at(a)) for a, b in parts]

    def shift_at(self, position: int) -> int:
        """How far text at ``position`` that no edit replaces moves (edits ending at or before it)."""
        return self.shift[bisect.bisect_right(self.ends, position)]

    def own(self, start: int, end: int) -> int:
        """Where the replacement of the edit at ``start``–``end`` of this step begins."""
        k = bisect.bisect_left(self.starts, start)
        while k < len(self.starts) and (self.starts[k], self.ends[k]) < (start, end):
            k += 1
        return start + self.shift[k]


def step_groups(edits: Sequence[Mapping[str, Any]]) -> list[list[int]]:
    """Indices of ``edits`` in runs of the same ``step``: the groups that are applied at once."""
    groups: list[list[int]] = []
    for index, edit in enumerate(edits):
        if groups and edits[groups[-1][0]].get("step", 0) == edit.get("step", 0):
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups


def final_places(edits: Sequence[Mapping[str, Any]]) -> list[tuple[int, int, bool]]:
    """Where each edit of one document (audit records, in order) lies in the cleaned text, and
    whether it still stands there.

    An edit's ``after`` first lands at its own step's offsets; every later step then moves it, or
    takes it out: an edit stands unless a later edit replaced all of its text (a removed duplicate
    that held a corrected comma) or, for a removal, the text around the place it made. A removal
    is an empty span at the place its text was taken from.

    >>> final_places([{"step": 0, "start": 1, "end": 2, "after": ""}, {"step": 1, "start": 0, "end": 2, "after": ""}])
    [(0, 0, False), (0, 0, True)]
    """
    groups = step_groups(edits)
    maps = [_StepMap([(edits[i]["start"], edits[i]["end"], len(edits[i]["after"])) for i in group]) for group in groups]
    places: list[tuple[int, int, bool]] = [(0, 0, True)] * len(edits)
    for number, group in enumerate(groups):
        for index in group:
            edit = edits[index]
            start = maps[number].own(edit["start"], edit["end"])
            end = start + len(edit["after"])
            # What is left of the edit's text (or whether its place is still between kept text).
            left = [(start, end)] if end > start else []
            standing = True
            for later in maps[number + 1 :]:
                if start == end:
                    standing = standing and not later.covers(start)
                    start = end = later.left(start)
                else:
                    left = [part for a, b in left for part in later.survivors(a, b)]
                    start, end = later.left(start), max(later.left(start), later.right(end))
            if edit["after"]:
                standing = bool(left)
            places[index] = (start, end, standing)
    return places


def final_spans(edits: Sequence[Mapping[str, Any]]) -> list[tuple[int, int]]:
    """Where each edit lies in the cleaned text (:func:`final_places` without whether it stands).

    >>> final_spans([{"step": 0, "start": 0, "end": 1, "after": "AB"}, {"step": 1, "start": 0, "end": 0, "after": "x"}])
    [(1, 3), (0, 1)]
    """
    return [(start, end) for start, end, _ in final_places(edits)]


# -- choosing what the page holds -----------------------------------------------------------


def quotas(counts: Mapping[str, int], budget: int) -> dict[str, int]:
    """How many edits of each rule to keep so that at most ``budget`` are kept, shared fairly:
    rules with few hits keep them all, the rest share what is left equally.

    >>> quotas({"a": 5, "b": 100, "c": 100}, 45)
    {'a': 5, 'b': 20, 'c': 20}
    """
    shares = dict.fromkeys(counts, 0)
    left = max(budget, 0)
    open_rules = sorted(counts, key=lambda rule: (counts[rule], rule))
    while open_rules and left > 0:
        each = left // len(open_rules)
        if each == 0:
            for rule in sorted(open_rules, key=lambda rule: (-counts[rule], rule))[:left]:
                shares[rule] += 1
            break
        still_open = []
        for rule in open_rules:
            take = min(each, counts[rule] - shares[rule])
            shares[rule] += take
            left -= take
            if shares[rule] < counts[rule]:
                still_open.append(rule)
        open_rules = still_open
    return shares


def _sampled(seen: int, quota: int, total: int) -> bool:
    """Whether the ``seen``-th (0-based) of ``total`` hits is one of ``quota`` spread evenly."""
    if quota >= total:
        return True
    return (seen + 1) * quota // total > seen * quota // total


# -- reading the run ------------------------------------------------------------------------


def rule_key(record: Mapping[str, Any]) -> str:
    return f"{record['stage']}/{record['rule']}"


def is_event(record: Mapping[str, Any]) -> bool:
    detail = record.get("detail")
    return bool(isinstance(detail, dict) and detail.get("event"))


def is_removal(record: Mapping[str, Any]) -> bool:
    """A paragraph or document the dedup step removed as a duplicate."""
    return record["stage"] == DEDUP_STAGE and record["rule"] in (*REMOVAL_RULES, DOCUMENT_RULE)


@dataclass
class _Totals:
    """The first pass over the audit record: what the run did, counted in full."""

    run: dict[str, Any] = field(default_factory=dict)
    files: list[dict[str, Any]] = field(default_factory=list)
    records_skipped: list[dict[str, Any]] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    hits: Counter[str] = field(default_factory=Counter)
    by_stage: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)


def _count(records: Iterable[dict[str, Any]]) -> _Totals:
    totals = _Totals()
    for record in records:
        kind = record.get("type")
        if kind == "run":
            totals.run = record
        elif kind == "file":
            totals.files.append(record)
        elif kind == "record":
            totals.records_skipped.append(record)
        elif kind == "stale":
            totals.stale.append(record["doc"])
        elif kind == "edit":
            if is_event(record):
                totals.events[f"{rule_key(record)} {record['detail']['event']}"] += 1
                continue
            totals.hits[rule_key(record)] += 1
            totals.by_stage[record["stage"]] += 1
            if is_removal(record):
                totals.removed[record["rule"]] += 1
    return totals


def _file_edits(records: Iterable[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]]:
    """Each file record with its edits by document id (the audit record lists them after the file)."""
    current: dict[str, Any] | None = None
    edits: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        kind = record.get("type")
        if kind == "file":
            if current is not None:
                yield current, edits
            current, edits = record, {}
        elif kind == "edit" and current is not None:
            edits.setdefault(record["doc"], []).append(record)
    if current is not None:
        yield current, edits


def _jsonl_texts(path: Path, text_field: str) -> list[str | None]:
    """The text field of each line of a JSON Lines output (``None`` where a line has none)."""
    texts: list[str | None] = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            texts.append(None)
            continue
        text = value.get(text_field) if isinstance(value, dict) else None
        texts.append(text if isinstance(text, str) else None)
    return texts


def _read_output(dst: Path, file: Mapping[str, Any], text_field: str) -> list[str | None]:
    """The cleaned texts in one file's output in DST: the file's text, or each JSON Lines line's
    text field (``None`` for a line without one); nothing if the file was skipped or is unreadable."""
    path = dst / file["doc"]
    if file.get("status") == "skipped" or not path.is_file():
        return []
    try:
        if not file["doc"].endswith(".jsonl"):
            return [path.read_text(encoding="utf-8").removesuffix("\n")]
        return _jsonl_texts(path, text_field)
    except (OSError, UnicodeDecodeError):
        return []


def _line_number(doc: str) -> int:
    _, _, number = doc.rpartition(":")
    return int(number) if number.isdigit() else 0


def _text_matches(text: str, edits: Sequence[Mapping[str, Any]]) -> bool:
    """Whether ``text`` is what ``edits`` made: undoing them step by step, last step first, finds
    each edit's ``after`` at its place (and so rebuilds the text every step received)."""
    for group in reversed(step_groups(edits)):
        ordered = sorted((edits[i] for i in group), key=lambda edit: (edit["start"], edit["end"]))
        parts: list[str] = []
        position = shift = 0
        for edit in ordered:
            start, after = edit["start"] + shift, edit["after"]
            if start < position or text[start : start + len(after)] != after:
                return False
            parts += [text[position:start], edit["before"]]
            position = start + len(after)
            shift += len(after) - (edit["end"] - edit["start"])
        parts.append(text[position:])
        text = "".join(parts)
    return True


def _paragraph_index(removed: Sequence[int], para: int) -> int:
    """The index in the cleaned text of the paragraph the dedup step received as ``para``."""
    return para - bisect.bisect_left(sorted(removed), para)


def _rule_sources(run: Mapping[str, Any], bases: Sequence[Path]) -> tuple[list[dict[str, Any]], list[str]]:
    """Every rule of the rule files the run names (id, file, line), and the files that could not be read."""
    rules: list[dict[str, Any]] = []
    missing: list[str] = []
    for name in run.get("rules") or []:
        found = next((base / name for base in bases if (base / name).is_file()), None)
        if found is None:
            missing.append(name)
            continue
        try:
            loaded = load_rules([found])
        except CleanerError:
            missing.append(name)
            continue
        rules.extend({"id": rule.id, "file": name, "line": rule.line} for rule in loaded.rules)
    return rules, missing


class _Collector:
    """The second pass: documents, texts and the sampled edits, in the page's compact form."""

    def __init__(self, dst: Path, totals: _Totals, max_edits: int, max_text: int, text_field: str) -> None:
        self.dst = dst
        self.text_field = text_field
        self.max_text = max_text
        self.text_used = 0
        self.totals = totals
        stage_order = {stage: n for n, stage in enumerate(dict.fromkeys(totals.run.get("stages", [])))}
        self.rules = sorted(totals.hits, key=lambda key: (stage_order.get(key.split("/", 1)[0], len(stage_order)), key))
        self.rule_index = {key: n for n, key in enumerate(self.rules)}
        self.quota = quotas(totals.hits, max_edits)
        self.seen: Counter[str] = Counter()
        self.docs: list[dict[str, Any]] = []
        self.doc_index: dict[str, int] = {}
        self.texts: list[str] = []
        self.edits: list[list[Any]] = []
        self.removed_paras: dict[str, list[int]] = {}
        self.links: list[tuple[list[Any], dict[str, Any]]] = []  # removal edits whose kept copy is resolved last

    def add_file(self, file: dict[str, Any], edits: dict[str, list[dict[str, Any]]]) -> None:
        outputs = _read_output(self.dst, file, self.text_field)
        if not file["doc"].endswith(".jsonl"):
            records = edits.get(file["doc"], [])
            self.add_document(file, file["doc"], records, final_places(records), outputs[0] if outputs else None)
            return
        # A record ``f.jsonl:N`` is on output line N, less the records dropped before it and the
        # blank input lines before it (not recorded): the first line from there back that holds
        # what its edits made is taken, and the blank lines found so carry over to the next record.
        dropped = 0
        blank = 0
        for doc in sorted(edits, key=_line_number):
            records = edits[doc]
            spans = final_places(records)
            if any(r["rule"] == DOCUMENT_RULE for r in records):
                dropped += 1
                self.add_document(file, doc, records, spans, None)
                continue
            text = None
            position = _line_number(doc) - 1 - dropped - blank
            for back in range(max(min(position, MAX_BLANK_LINES), -1) + 1):
                candidate = outputs[position - back] if position - back < len(outputs) else None
                if candidate is not None and _text_matches(candidate, records):
                    text, blank = candidate, blank + back
                    break
            self.add_document(file, doc, records, spans, text, checked=True)

    def add_document(
        self,
        file: dict[str, Any],
        doc: str,
        records: list[dict[str, Any]],
        spans: list[tuple[int, int, bool]],
        text: str | None,
        checked: bool = False,
    ) -> None:
        """List one document; ``text`` is its cleaned text (``checked``: already shown to fit its edits)."""
        note = ""
        if text is not None and not checked and not _text_matches(text, records):
            text, note = None, "the output in DST is not what the audit record says this run wrote"
        elif text is None and file.get("status") != "skipped":
            note = "no cleaned text found in DST" if not any(r["rule"] == DOCUMENT_RULE for r in records) else ""
        embed = text is not None and self.text_used + len(text) <= self.max_text
        if text is not None and not embed:
            note = "text left out of the page (--max-text); its edits are listed in context"
        index = len(self.docs)
        self.doc_index[doc] = index
        entry: dict[str, Any] = {
            "id": doc,
            "file": file["doc"],
            "status": file.get("status", ""),
            "n": sum(1 for r in records if not is_event(r)),
            "shown": 0,
            "t": -1,
        }
        for key in ("encoding", "reason", "bytes_in", "bytes_out"):
            if key in file and doc == file["doc"]:
                entry[key] = file[key]
        if note:
            entry["note"] = note
        if text is not None and embed:
            self.text_used += len(text)
            entry["t"] = len(self.texts)
            self.texts.append(text)
        self.docs.append(entry)
        self.removed_paras[doc] = [
            int((r.get("detail") or {}).get("removed_para", r.get("para", 0)))
            for r in records
            if is_removal(r) and r["rule"] != DOCUMENT_RULE
        ]
        for record, span in zip(records, spans, strict=True):
            if is_event(record):
                continue
            key = rule_key(record)
            keep = _sampled(self.seen[key], self.quota[key], self.totals.hits[key])
            self.seen[key] += 1
            if keep:
                entry["shown"] += 1
                self.edits.append(self.compact(index, record, span, text))

    def compact(self, doc: int, record: dict[str, Any], span: tuple[int, int, bool], text: str | None) -> list[Any]:
        """``[doc, rule, start, end, before, after, left context, right context, extra]``."""
        start, end, standing = span
        left = right = ""
        if text is not None:
            left, right = text[max(start - CONTEXT, 0) : start], text[end : end + CONTEXT]
        extra: dict[str, Any] = {"step": record.get("step", 0), "para": record.get("para", 0)}
        if not standing:
            extra["gone"] = 1  # a later step took out the text this edit made (a removed duplicate, say)
        detail = record.get("detail") or {}
        if record["stage"] == "rules" and "file" in detail:
            extra["src"] = f"{detail['file']}:{detail.get('line', '')}"
        compact = [doc, self.rule_index[rule_key(record)], start, end, record["before"], record["after"], left, right]
        compact.append(extra)
        if is_removal(record):
            kept = detail.get("kept") or {}
            extra["kept_doc"] = kept.get("doc")
            if "similarity" in kept:
                extra["similarity"] = kept["similarity"]
            self.links.append((compact, kept))
        return compact

    def resolve_links(self) -> None:
        """Point each removed duplicate at its kept copy: a document, and a paragraph in its cleaned text."""
        for compact, kept in self.links:
            extra = compact[8]
            # A kept copy from an earlier run (named by its index) is not in this run's output.
            target = -1 if "index" in kept else self.doc_index.get(kept.get("doc", ""), -1)
            extra["kept"] = target
            if target >= 0 and "para" in kept:
                extra["kept_para"] = _paragraph_index(self.removed_paras.get(kept["doc"], []), int(kept["para"]))


def collect(
    dst: str | Path,
    *,
    audit: str | Path | None = None,
    src: str | Path | None = None,
    max_edits: int = DEFAULT_MAX_EDITS,
    max_text: int = DEFAULT_MAX_TEXT,
    text_field: str = "text",
) -> dict[str, Any]:
    """The page's data for the run that wrote ``dst``, as a JSON-ready dict (see :func:`build_report`)."""
    dst = Path(dst)
    audit_path = Path(audit) if audit is not None else default_audit(dst)
    totals = _count(read_audit(audit_path))
    collector = _Collector(dst, totals, max_edits, max_text, text_field)
    for file, edits in _file_edits(read_audit(audit_path)):
        collector.add_file(file, edits)
    collector.resolve_links()
    bases = [Path(src) if Path(src).is_dir() else Path(src).parent] if src is not None else []
    rules, missing = _rule_sources(totals.run, [*bases, dst, dst.parent])
    fired = {key.split("/", 1)[1] for key in totals.hits if key.startswith("rules/")}
    shown = Counter(collector.rules[edit[1]] for edit in collector.edits)
    left_out = {key: n - shown[key] for key, n in totals.hits.items() if n > shown[key]}
    return {
        "summary": _summary(totals, collector.docs),
        "stages": list(dict.fromkeys(totals.run.get("stages", []))),
        "rules": [[key, totals.hits[key], shown[key]] for key in collector.rules],
        "rule_files": totals.run.get("rules") or [],
        "rule_files_missing": missing,
        "never_fired": [rule for rule in rules if rule["id"] not in fired],
        "docs": collector.docs,
        "edits": collector.edits,
        "left_out": left_out,
        "max_edits": max_edits,
        "texts": collector.texts,
    }


def default_audit(dst: Path) -> Path:
    return existing_audit(dst)


def _summary(totals: _Totals, docs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    status = Counter(file.get("status") for file in totals.files)
    return {
        "files": len(totals.files),
        "changed": status["cleaned"],
        "unchanged": status["unchanged"],
        "skipped": [
            {"doc": f["doc"], "reason": f.get("reason", "")} for f in totals.files if f.get("status") == "skipped"
        ],
        "records_skipped": len(totals.records_skipped),
        "documents": len(docs),
        "bytes_in": sum(int(f.get("bytes_in") or 0) for f in totals.files),
        "bytes_out": sum(int(f.get("bytes_out") or 0) for f in totals.files),
        "edits": sum(totals.hits.values()),
        "by_stage": dict(totals.by_stage),
        "removed": sum(totals.removed.values()),
        "removed_by_rule": dict(sorted(totals.removed.items())),
        "events": dict(sorted(totals.events.items())),
        "stale": totals.stale,
    }


# -- the page -------------------------------------------------------------------------------

CHART_ROWS = 20  # bars in the per-rule chart; the rest are summed up in one line


def _asset(name: str) -> str:
    return resources.files("cleaner").joinpath("data", name).read_text(encoding="utf-8")


def script_json(value: Any) -> str:
    """``value`` as JSON that is safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` appears,
    so no text of the corpus can close the element or start markup.

    >>> script_json("</script><b>")
    '"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, escaped)
    return text


def bar_chart(title: str, rows: Sequence[tuple[str, int]], chart_id: str) -> str:
    """A horizontal bar chart as inline SVG, each bar labelled with its name and count."""
    if not rows:
        return (
            f'<figure class="chart" id="{chart_id}"><figcaption>{html.escape(title)}</figcaption><p>none</p></figure>'
        )
    width, label, bar_height, gap = 560, 210, 16, 4
    most = max(n for _, n in rows) or 1
    height = len(rows) * (bar_height + gap)
    bars = []
    for row, (name, count) in enumerate(rows):
        y = row * (bar_height + gap)
        length = max(round((width - label - 70) * count / most), 1)
        bars.append(
            f'<g data-name="{html.escape(name)}" data-count="{count}"><title>{html.escape(name)}: {count:,}</title>'
            f'<text x="{label - 6}" y="{y + 12}" text-anchor="end">{html.escape(_clip(name, 30))}</text>'
            f'<rect x="{label}" y="{y}" width="{length}" height="{bar_height}" rx="2"></rect>'
            f'<text x="{label + length + 4}" y="{y + 12}">{count:,}</text></g>'
        )
    return (
        f'<figure class="chart" id="{chart_id}"><figcaption>{html.escape(title)}</figcaption>'
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{"".join(bars)}</svg></figure>'
    )


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _number(name: str, value: int, label: str) -> str:
    return f'<div class="num"><b data-summary="{name}">{value:,}</b><span>{html.escape(label)}</span></div>'


def summary_html(model: Mapping[str, Any]) -> str:
    """The summary section: the run's totals, skipped files and the two charts (no script needed)."""
    summary = model["summary"]
    numbers = [
        _number("files", summary["files"], "files"),
        _number("changed", summary["changed"], "changed"),
        _number("unchanged", summary["unchanged"], "unchanged"),
        _number("skipped", len(summary["skipped"]), "skipped"),
        _number("bytes_in", summary["bytes_in"], "bytes in"),
        _number("bytes_out", summary["bytes_out"], "bytes out"),
        _number("edits", summary["edits"], "edits"),
        _number("removed", summary["removed"], "duplicates removed"),
    ]
    if summary["records_skipped"]:
        numbers.append(_number("records_skipped", summary["records_skipped"], "JSON Lines records skipped"))
    stages = sorted(summary["by_stage"].items(), key=lambda item: _stage_position(model["stages"], item[0]))
    rules = sorted(((key, total) for key, total, _ in model["rules"]), key=lambda item: (-item[1], item[0]))
    rest = rules[CHART_ROWS:]
    more = f" (top {CHART_ROWS}; {len(rest)} more rules with {sum(n for _, n in rest):,} edits)" if rest else ""
    parts = [
        '<section id="summary"><h2>Summary</h2><div class="numbers">',
        *numbers,
        "</div>",
        '<table class="stages" id="by-stage"><tr><th>stage</th><th>edits</th></tr>',
        *(f'<tr data-stage="{html.escape(s)}"><td>{html.escape(s)}</td><td>{n:,}</td></tr>' for s, n in stages),
        "</table>",
        '<div class="charts">',
        bar_chart("Edits per stage", stages, "chart-stages"),
        bar_chart("Edits per rule" + more, rules[:CHART_ROWS], "chart-rules"),
        "</div>",
    ]
    if summary["removed_by_rule"]:
        kinds = ", ".join(f"{html.escape(k)} {n:,}" for k, n in summary["removed_by_rule"].items())
        parts.append(f"<p>Duplicates removed by kind: {kinds}.</p>")
    if summary["skipped"]:
        parts.append('<h3>Skipped files</h3><ul id="skipped">')
        parts.extend(
            f"<li><code>{html.escape(s['doc'])}</code>: {html.escape(s['reason'])}</li>" for s in summary["skipped"]
        )
        parts.append("</ul>")
    if summary["events"]:
        parts.append("<h3>Events (reported, nothing changed)</h3><ul>")
        parts.extend(f"<li>{html.escape(k)} ×{n:,}</li>" for k, n in summary["events"].items())
        parts.append("</ul>")
    if summary["stale"]:
        parts.append(f"<p>Stale outputs (their input is gone): {len(summary['stale']):,}.</p>")
    parts.append(_left_out_html(model))
    parts.append("</section>")
    return "".join(parts)


def _stage_position(stages: Sequence[str], stage: str) -> int:
    return stages.index(stage) if stage in stages else len(stages)


def _left_out_html(model: Mapping[str, Any]) -> str:
    left_out = model["left_out"]
    if not left_out:
        return '<p id="left-out">Every edit of the run is in this page.</p>'
    shown = len(model["edits"])
    total = model["summary"]["edits"]
    rows = sorted(left_out.items(), key=lambda item: (-item[1], item[0]))
    items = "".join(f"<li>{html.escape(k)}: {n:,} left out</li>" for k, n in rows)
    return (
        f'<details id="left-out"><summary>This page holds {shown:,} of the run\'s {total:,} edits '
        f"(--max-edits {model['max_edits']:,}), sampled evenly within each rule; counts are always the "
        f"run's totals. Left out per rule:</summary><ul>{items}</ul></details>"
    )


def render_page(model: Mapping[str, Any], title: str = "cleaner review") -> str:
    """The whole page: summary as markup, everything else as data for the inline script."""
    data = {key: value for key, value in model.items() if key != "texts"}
    texts = "".join(
        f'<script type="application/json" id="t{n}">{script_json(text)}</script>'
        for n, text in enumerate(model["texts"])
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'; img-src data:\">"
        f"<title>{html.escape(title)}</title><style>{_asset('review.css')}</style></head><body>"
        f'<header><h1>{html.escape(title)}</h1></header><main id="page">{summary_html(model)}'
        f"{_asset('review.html')}</main>"
        f'<script type="application/json" id="data">{script_json(data)}</script>{texts}'
        f"<script>{_asset('review.js')}</script></body></html>\n"
    )


def build_report(
    dst: str | Path,
    output: str | Path = "report.html",
    *,
    audit: str | Path | None = None,
    src: str | Path | None = None,
    max_edits: int = DEFAULT_MAX_EDITS,
    max_text: int = DEFAULT_MAX_TEXT,
    text_field: str = "text",
) -> ReviewStats:
    """Write the review page of the run that cleaned into ``dst``; return what it holds.

    ``output`` is the page to write; ``audit`` defaults to the one in ``dst/.cleaner/``.
    ``src`` (the run's input folder) helps find the rule files the run names, which are relative
    to it, so that the rules that never fired can be listed; ``dst`` and its parent are tried too.
    ``max_edits`` bounds the edits held in full and ``max_text`` the characters of cleaned text
    embedded; ``text_field`` is the run's JSON Lines text field.
    """
    dst = Path(dst)
    audit_path = Path(audit) if audit is not None else default_audit(dst)
    if not audit_path.is_file():
        raise ConfigError(f"{audit_path}: no audit record (clean writes one when a run completes)")
    model = collect(dst, audit=audit_path, src=src, max_edits=max_edits, max_text=max_text, text_field=text_field)
    target = Path(output)
    page = render_page(model, f"cleaner review: {dst.name or dst}")
    write_atomic(target, page)
    return ReviewStats(
        path=target,
        size=len(page.encode("utf-8")),
        edits=model["summary"]["edits"],
        edits_shown=len(model["edits"]),
        documents=len(model["docs"]),
        texts_shown=len(model["texts"]),
        left_out=model["left_out"],
    )
