"""Extract other projects' test cases into ``tests/data/peers/`` (data only, with provenance).

Usage: ``python scripts/peer_cases.py PEER GIT_DIR`` with PEER one of ``pangu``, ``autocorrect``,
``zhlint``, ``ftfy``, and GIT_DIR a clone of that peer's repository (pangu takes two:
``pangu PANGU_PY_GIT PANGU_JS_GIT``). The cases are read at the clone's ``HEAD`` from the test files
named below; the output records the repository, commit and path of every case. ftfy's test cases
are JSON already and are copied byte for byte.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "peers"


def git(repo: str, *args: str) -> str:
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True).stdout


def files(repo: str, prefix: str, suffix: str) -> list[str]:
    return [p for p in git(repo, "ls-tree", "-r", "--name-only", "HEAD", prefix).split() if p.endswith(suffix)]


def head(repo: str) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


def _js_string(body: str, quote: str) -> str:
    """The value of a JavaScript string literal's body (escapes decoded)."""
    out, i = [], 0
    simple = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "`": "`", "0": "\0", "$": "$"}
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt == "u" and body[i + 2] == "{":
            end = body.index("}", i)
            out.append(chr(int(body[i + 3 : end], 16)))
            i = end + 1
        elif nxt == "u":
            out.append(chr(int(body[i + 2 : i + 6], 16)))
            i += 6
        elif nxt == "x":
            out.append(chr(int(body[i + 2 : i + 4], 16)))
            i += 4
        else:
            out.append(simple.get(nxt, nxt))
            i += 2
    return "".join(out)


_JS_LITERAL = r"""('(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\$])*`)"""


def _js_value(literal: str) -> str:
    return _js_string(literal[1:-1], literal[0])


def pangu(py_repo: str, js_repo: str) -> dict:
    cases: list[dict] = []
    seen: dict[tuple[str, str], dict] = {}
    py_commit = head(py_repo)
    for path in files(py_repo, "tests/core", ".py"):
        tree = ast.parse(git(py_repo, "show", f"HEAD:{path}"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Assert) or not isinstance(node.test, ast.Compare):
                continue
            call, right = node.test.left, node.test.comparators[0]
            if not (isinstance(call, ast.Call) and getattr(call.func, "id", "") == "spacing_text"):
                continue
            if not (isinstance(call.args[0], ast.Constant) and isinstance(right, ast.Constant)):
                continue
            key = (call.args[0].value, right.value)
            if key in seen:
                continue
            case = {"input": key[0], "expected": key[1], "source": f"pangu.py:{path}:{node.lineno}"}
            seen[key] = case
            cases.append(case)
    js_commit = head(js_repo)
    pattern = re.compile(r"spacingText\(" + _JS_LITERAL + r"\)\)\.toBe\(" + _JS_LITERAL + r"\)")
    for path in files(js_repo, "tests/shared", ".ts"):
        for lineno, line in enumerate(git(js_repo, "show", f"HEAD:{path}").splitlines(), 1):
            if line.lstrip().startswith("//"):
                continue
            for match in pattern.finditer(line):
                key = (_js_value(match.group(1)), _js_value(match.group(2)))
                if key in seen:
                    seen[key]["source"] += f" pangu.js:{path}:{lineno}"
                    continue
                case = {"input": key[0], "expected": key[1], "source": f"pangu.js:{path}:{lineno}"}
                seen[key] = case
                cases.append(case)
    for number, case in enumerate(cases, 1):
        case["id"] = f"pangu-{number:03d}"
    return {
        "peer": "pangu",
        "provenance": [
            {
                "repository": "https://github.com/vinta/pangu.py",
                "commit": py_commit,
                "paths": "tests/core/*.py",
                "licence": "MIT (Copyright (c) 2013 Vinta)",
            },
            {
                "repository": "https://github.com/vinta/pangu.js",
                "commit": js_commit,
                "paths": "tests/shared/*.ts",
                "licence": "MIT (Copyright (c) 2013 Vinta)",
            },
        ],
        "extraction": "every `assert spacing_text(A) == B` (pangu.py) and `spacingText(A)).toBe(B)` (pangu.js) "
        "with literal strings, outside comments; pairs found in both are listed once",
        "cases": [{k: c[k] for k in ("id", "input", "expected", "source")} for c in cases],
    }


def _rust_string(literal: str) -> str:
    if literal.startswith("r"):
        hashes = len(literal) - len(literal.lstrip("r#")) - 1
        return literal[2 + hashes : -1 - hashes]
    body, out, i = literal[1:-1], [], 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt == "u":
            end = body.index("}", i)
            out.append(chr(int(body[i + 3 : end], 16)))
            i = end + 1
        elif nxt == "\n":
            i += 2
            while i < len(body) and body[i] in " \t\n":
                i += 1
        else:
            out.append({"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(nxt, nxt))
            i += 2
    return "".join(out)


def _rust_literal(name: str) -> str:
    """A Rust string literal, plain or raw (``r#"…"#``, closed by as many ``#`` as opened it)."""
    return rf'(?P<{name}>r(?P<{name}_hashes>#*)"[\s\S]*?"(?P={name}_hashes)|"(?:\\[\s\S]|[^"\\])*")'


def autocorrect(repo: str) -> dict:
    commit = head(repo)
    # (path, function the cases are run through upstream)
    sources = [
        ("autocorrect/src/format.rs", "format"),
        ("autocorrect/src/rule/fullwidth.rs", "format"),
        ("autocorrect/src/rule/halfwidth.rs", "format_punctuation"),
    ]
    cases: list[dict] = []
    pair = re.compile(_rust_literal("a") + r"\s*=>\s*" + _rust_literal("b"))
    assert_eq = re.compile(
        r"assert_eq!\(\s*" + _rust_literal("a") + r",\s*(?P<f>format\w*)\(\s*" + _rust_literal("b") + r"\s*\)"
    )
    for path, function in sources:
        text = git(repo, "show", f"HEAD:{path}")
        tests = text[text.index("mod tests") :]
        offset = text.index("mod tests")
        for block in re.finditer(r"fn (\w+)\(\)[\s\S]*?(?=\n    #\[test\]|\Z)", tests):
            name = block.group(1)
            body = block.group()
            # Cases of tests that check anything but plain formatting (lint output, options) are left out.
            if "assert_cases(" not in body and "assert_eq!" not in body:
                continue
            if "=> (map" in body or "lint" in name or "json" in name:
                continue
            body_start = offset + block.start()
            for match in pair.finditer(body):
                lineno = text.count("\n", 0, body_start + match.start()) + 1
                cases.append(
                    {
                        "input": _rust_string(match.group("a")),
                        "expected": _rust_string(match.group("b")),
                        "function": function,
                        "source": f"{path}:{lineno} ({name})",
                    }
                )
            for match in assert_eq.finditer(body):
                lineno = text.count("\n", 0, body_start + match.start()) + 1
                cases.append(
                    {
                        "input": _rust_string(match.group("b")),
                        "expected": _rust_string(match.group("a")),
                        "function": match.group("f"),
                        "source": f"{path}:{lineno} ({name})",
                    }
                )
    for number, case in enumerate(cases, 1):
        case["id"] = f"autocorrect-{number:03d}"
    return {
        "peer": "autocorrect",
        "provenance": [
            {
                "repository": "https://github.com/huacnlee/autocorrect",
                "commit": commit,
                "paths": ", ".join(path for path, _ in sources),
                "licence": "MIT (Copyright (c) 2020 Jason Lee; autocorrect/LICENSE)",
            }
        ],
        "extraction": "the `source => expected` pairs of the unit tests of plain-text formatting (`format`, "
        "`format_punctuation`, `format_word`); tests of lint output or of options are left out",
        "cases": [{k: c[k] for k in ("id", "input", "expected", "function", "source")} for c in cases],
    }


def zhlint(repo: str) -> dict:
    commit = head(repo)
    cases: list[dict] = []
    pattern = re.compile(r"getOutput\(\s*" + _JS_LITERAL + r",\s*options\s*\)\)\.toBe\(\s*" + _JS_LITERAL + r"\s*\)")
    for path in ("test/uncategorized.test.ts",):
        text = git(repo, "show", f"HEAD:{path}")
        for match in pattern.finditer(text):
            lineno = text.count("\n", 0, match.start()) + 1
            cases.append(
                {
                    "input": _js_value(match.group(1)),
                    "expected": _js_value(match.group(2)),
                    "source": f"{path}:{lineno}",
                }
            )
    for number, case in enumerate(cases, 1):
        case["id"] = f"zhlint-{number:03d}"
    return {
        "peer": "zhlint",
        "provenance": [
            {
                "repository": "https://github.com/zhlint-project/zhlint",
                "commit": commit,
                "paths": "test/uncategorized.test.ts",
                "licence": "MIT (Copyright (c) 2019 Jinjiang)",
            }
        ],
        "extraction": "the `getOutput(A, options)).toBe(B)` cases with literal strings run with zhlint's default "
        "rules (its per-rule tests enable one option each and are not this project's conventions)",
        "cases": [{k: c[k] for k in ("id", "input", "expected", "source")} for c in cases],
    }


def ftfy(repo: str) -> None:
    target = OUT / "ftfy"
    target.mkdir(exist_ok=True)
    for path in files(repo, "tests/test-cases", ".json"):
        (target / Path(path).name).write_bytes(
            subprocess.run(["git", "-C", repo, "show", f"HEAD:{path}"], check=True, capture_output=True).stdout
        )
    print("ftfy", head(repo))


def main() -> None:
    peer, *repos = sys.argv[1:]
    if peer == "ftfy":
        ftfy(*repos)
        return
    data = {"pangu": pangu, "autocorrect": autocorrect, "zhlint": zhlint}[peer](*repos)
    path = OUT / f"{peer}_cases.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(peer, len(data["cases"]), "cases ->", path)


if __name__ == "__main__":
    main()
