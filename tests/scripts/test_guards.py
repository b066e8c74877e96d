import subprocess
from pathlib import Path

from scripts.guards import run


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    return tmp_path


def test_clean_tree_passes(tmp_path):
    root = _repo(
        tmp_path, {"runtime/a.py": "import logging\nlogging.info('x')\n", "tests/t.py": "print('ok')\n"}
    )
    assert run(root) == []


def test_planted_conflict_markers_are_caught(tmp_path):
    text = "a = 1\n<<<<<<< HEAD\nb = 2\n=======\nb = 3\n>>>>>>> branch\n"
    root = _repo(tmp_path, {"flows/x.py": text, "docs/notes.md": "=======\n"})
    problems = run(root)
    assert any("flows/x.py:2" in p for p in problems)
    assert any("flows/x.py:4" in p for p in problems)
    assert any("flows/x.py:6" in p for p in problems)
    assert any("docs/notes.md:1" in p for p in problems)


def test_planted_print_outside_tests_is_caught(tmp_path):
    root = _repo(tmp_path, {"runtime/x.py": "def f():\n    print('secret')\n", "tests/y.py": "print(1)\n"})
    problems = run(root)
    assert problems == ["runtime/x.py:2: call of the builtin print outside tests (use logging)"]


def test_print_in_a_comment_or_a_method_name_is_not_a_violation(tmp_path):
    root = _repo(tmp_path, {"runtime/x.py": "# print(x) is banned\npretty.print(1)\nblueprint(2)\n"})
    assert run(root) == []


def test_print_inside_a_string_is_not_a_violation_but_a_real_call_after_one_is(tmp_path):
    source = 'MESSAGE = "no print( outside tests"\nx = 1; print(MESSAGE)\n'
    root = _repo(tmp_path, {"scripts/g.py": source})
    assert run(root) == ["scripts/g.py:2: call of the builtin print outside tests (use logging)"]
