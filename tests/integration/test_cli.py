"""The command line speaks to people: a clear message and an exit code for a missing file, a
server that is down, a bad option or an empty result - never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import fengkong
from fengkong import __version__
from fengkong.cli.main import main


def run(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["fengkong", *args])
    for name in ("FENGKONG_DATABASE_URL", "FENGKONG_STATE", "FENGKONG_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    code = 0
    try:
        main()
    except SystemExit as done:
        code = int(done.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_version(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"], monkeypatch, capsys)[:2] == (0, f"fengkong {__version__}\n")


def test_a_missing_file_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["score", str(tmp_path / "nope.jsonl"), "--data-dir", str(tmp_path / "d")], monkeypatch, capsys)
    assert code == 2 and "No such file or directory" in err and "nope.jsonl" in err
    code, _, err = run(
        [
            "lists",
            "import",
            "device",
            str(tmp_path / "nope.csv"),
            "--credential",
            "fk_x_y",
            "--source",
            "s",
            "--data-dir",
            str(tmp_path / "d"),
        ],
        monkeypatch,
        capsys,
    )
    squeezed = "".join(ch for ch in err if ch.isalnum() or ch == ".")  # typer draws usage errors in a box
    assert code == 2 and "nope.csv" in squeezed and "doesnotexist" in squeezed


def test_a_database_that_is_down_is_said_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    down = "postgresql://fengkong:secret@127.0.0.1:1/fengkong"  # nothing listens on port 1
    code, _, err = run(["audit", "verify", "--database-url", down], monkeypatch, capsys)
    assert code == 3 and "unavailable" in err and "127.0.0.1:1" in err
    assert "secret" not in err  # the password is not shown


def test_redis_that_is_down_is_said_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FENGKONG_REDIS_URL", "redis://127.0.0.1:1/0")
    code, _, err = run(["score", "--state", "redis", "--data-dir", str(tmp_path / "d")], monkeypatch, capsys)
    assert code == 3 and "Redis" in err and "unavailable" in err


def test_a_bad_option_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["score", "--state", "etcd", "--data-dir", str(tmp_path / "d")], monkeypatch, capsys)
    assert code == 2 and "state" in err and "memory or redis" in err
    code, _, err = run(["audit", "verify", "--database-url", "mysql://x/y"], monkeypatch, capsys)
    assert code == 2 and "database_url" in err and "not a supported database" in err
    monkeypatch.setenv("FENGKONG_LATENESS_S", "an hour")
    code, _, err = run(["audit", "verify", "--data-dir", str(tmp_path / "d")], monkeypatch, capsys)
    assert code == 2 and "FENGKONG_LATENESS_S" in err
    monkeypatch.delenv("FENGKONG_LATENESS_S")
    with fengkong.embedded(tmp_path / "d") as platform:
        supervisor = platform.credentials.create_key("t", label="s", institution="home", roles=["supervisor"]).secret
    code, _, err = run(
        [
            "stop",
            "acct-1",
            "--credential",
            supervisor,
            "--reason",
            "r",
            "--case",
            "",
            "--authority",
            "PSB",
            "--data-dir",
            str(tmp_path / "d"),
        ],
        monkeypatch,
        capsys,
    )
    assert (code, err.strip()) == (2, "error: case_number: is required")


def test_an_empty_result_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path / "d")]
    assert run(["audit", "list", *data], monkeypatch, capsys) == (0, "", "no audit rows after 0\n")
    assert run(["changes", "list", *data], monkeypatch, capsys) == (0, "", "no pending requests\n")
    assert run(["db", "rejected", *data], monkeypatch, capsys) == (0, "", "no rejected events\n")
    code, out, err = run(["lists", "show", "device", "dev-1", *data], monkeypatch, capsys)
    assert (code, out) == (0, "[]\n") and "no device entry for this value in force or to come" in err


def test_an_unexpected_failure_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Anything else still ends in a message naming what went wrong, exit code 1."""
    import fengkong.cli.events as events

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk is on fire\nsecond line")

    monkeypatch.setattr(events, "platform", broken)
    code, _, err = run(["score", "--data-dir", str(tmp_path / "d")], monkeypatch, capsys)
    assert code == 1 and "RuntimeError: the disk is on fire" in err and "second line" not in err
