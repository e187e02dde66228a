from __future__ import annotations

import gzip
import importlib.util
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import settings

# CI runs the property tests on a fixed seed, so a submission's result does not depend on luck; the
# fuzz scripts (scripts/fuzz_idempotence.py, scripts/fuzz_loaders.py) and local runs explore.
settings.register_profile("ci", derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CLEANED = ROOT / "cleaned"


# The run cache a run keeps in DST (see cleaner.incremental): not one of the files a run is about.
RUN_CACHE = Path(".cleaner") / "cache"


def in_run_cache(path: Path, root: Path) -> bool:
    """Whether ``path`` (under ``root``) is the run cache's folder or inside it."""
    rel = path.relative_to(root)
    return rel == RUN_CACHE or RUN_CACHE in rel.parents


def load_script(path: Path) -> ModuleType:
    """A script of the repository (``scripts/``, ``bench/``) imported as a module by its file name.
    It is registered in ``sys.modules`` first: dataclasses look their module up while a class is built."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def audit_text(path: Path) -> str:
    """An audit record's lines as text, decompressed when it is gzip."""
    data = path.read_bytes()
    return (gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data).decode("utf-8")


def write_audit_records(path: Path, records: list[dict]) -> None:
    """Write ``records`` one per line (the verbose layout), gzip-compressed when the name ends in .gz."""
    data = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records).encode("utf-8")
    path.write_bytes(gzip.compress(data, mtime=0) if path.name.endswith(".gz") else data)


def canonical_seed(path: Path) -> str:
    """A seed file as the stages after ``whitespace`` receive it (canonical paragraphs)."""
    from cleaner.config import WhitespaceOptions
    from cleaner.model import Document
    from cleaner.stages import whitespace

    doc, _ = whitespace.make(WhitespaceOptions())(Document(id=path.name, text=path.read_text(encoding="utf-8")))
    return doc.text


@pytest.fixture
def seed_texts() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))}


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """One small local Ray instance for the module (the engine uses it rather than start its own)."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, object_store_memory=100_000_000, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()
