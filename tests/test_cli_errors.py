"""The installed ``causaloid`` command answers every mistake in one line on
standard error, never with a traceback: usage errors exit 2, mistakes found
while running (files, columns, values) exit 1, and each message names the
argument or file at fault."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def installed_command() -> str:
    beside = Path(sys.executable).with_name("causaloid")
    found = str(beside) if beside.exists() else shutil.which("causaloid")
    assert found, "the causaloid command is not installed (pip install -e . or maturin develop)"
    return found


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [installed_command(), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    import causaloid as cl
    from causaloid import expr as E

    d = tmp_path_factory.mktemp("cli")
    g = cl.CausalGraph("alarm", "fire alarm")
    g.add(cl.Causaloid("smoke", "smoke detected", expr=E.col("smoke") > 0.3))
    g.add(cl.Causaloid("heat", "heat detected", expr=E.col("temp") > 60))
    g.add(cl.Causaloid("fire", "fire", expr=E.value()))
    g.link("smoke", "fire")
    g.link("heat", "fire")
    g.freeze()
    (d / "model.json").write_text(g.to_json())
    rows = "\n".join(f"{(i * 7 % 10) / 10},{20 + (i * 13) % 70}" for i in range(40))
    (d / "data.csv").write_text("smoke,temp\n" + rows + "\n")
    (d / "ragged.csv").write_text("smoke,temp\n0.1,20\n0.5,20,7,8\n0.2\n")
    (d / "empty.csv").write_text("")
    (d / "smoke_only.csv").write_text("smoke\n0.1\n0.7\n")
    (d / "text.csv").write_text("smoke,temp\n0.5,hot\n0.1,cold\n")
    (d / "bad.parquet").write_bytes(b"PAR1 this is not parquet at all")
    (d / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (d / "other.json").write_text('{"format": "something else"}')
    (d / "data.xlsx").write_text("not a spreadsheet")
    (d / "folder").mkdir()
    shadow = d / "no_polars"
    shadow.mkdir()
    (shadow / "polars.py").write_text("raise ImportError('No module named polars')\n")
    return d


# (arguments, expected exit code, words the one-line message must contain)
CATALOGUE = [
    (["bench", "--nodes", "0"], 2, ["--nodes", "at least 1"]),
    (["bench", "--nodes", "-5"], 2, ["--nodes", "at least 1"]),
    (["bench", "--nodes", "abc"], 2, ["--nodes", "'abc'"]),
    (["bench", "--nodes", "10,x"], 2, ["--nodes", "'x'"]),
    (["bench", "--rows", "0"], 2, ["--rows"]),
    (["bench", "--batch-nodes", "-1"], 2, ["--batch-nodes"]),
    ([], 2, ["give a command"]),
    (["frobnicate"], 2, ["invalid choice", "frobnicate"]),
    (["evaluate"], 2, ["required", "MODEL"]),
    (["evaluate", "{d}/model.json"], 2, ["required", "DATA"]),
    (["evaluate", "{d}/missing.json", "{d}/data.csv"], 1, ["MODEL", "does not exist"]),
    (["evaluate", "{d}/model.json", "{d}/missing.csv"], 1, ["DATA", "does not exist"]),
    (["evaluate", "{d}/data.csv", "{d}/model.json"], 1, ["MODEL", "model comes first"]),
    (["evaluate", "{d}/model.json", "{d}/ragged.csv"], 1, ["DATA", "ragged.csv", "fields"]),
    (["evaluate", "{d}/model.json", "{d}/empty.csv"], 1, ["DATA", "empty"]),
    (["evaluate", "{d}/model.json", "{d}/bad.parquet"], 1, ["DATA", "bad.parquet", "Parquet"]),
    (["evaluate", "{d}/deep.json", "{d}/data.csv"], 1, ["MODEL", "deep.json", "nested"]),
    (["evaluate", "{d}/other.json", "{d}/data.csv"], 1, ["MODEL", "not a valid model"]),
    (["evaluate", "{d}/folder", "{d}/data.csv"], 1, ["MODEL", "is a folder"]),
    (["evaluate", "{d}/model.json", "{d}/data.xlsx"], 1, ["DATA", "data.xlsx"]),
    (["evaluate", "{d}/model.json", "{d}/data.csv", "--value", "smok"], 1, ["--value", "smoke"]),
    (
        ["evaluate", "{d}/model.json", "{d}/data.csv", "--out", "{d}/no/such/dir/out.csv"],
        1,
        ["--out", "folder"],
    ),
    (["explain", "{d}/model.json"], 1, ["--row", "--data", "smoke"]),
    (["explain", "{d}/model.json", "--row", "{smoke: 1"], 1, ["--row", "not JSON"]),
    (["explain", "{d}/model.json", "--row", "smoke=1"], 1, ["--row", "not JSON"]),
    (["explain", "{d}/model.json", "--row", "[1, 2]"], 1, ["--row", "JSON object"]),
    (["explain", "{d}/model.json", "--row", '{"smoke": 0.1}'], 1, ["--row", "no column 'temp'"]),
    (["evaluate", "{d}/model.json", "{d}/smoke_only.csv"], 1, ["DATA", "no column 'temp'"]),
    (["evaluate", "{d}/model.json", "{d}/text.csv"], 1, ["DATA", "text.csv", "'temp'"]),
    (["explain", "{d}/model.json", "--row", '{"smoke": 0.1, "temp": "hot"}'], 1, ["--row"]),
    (
        ["explain", "{d}/model.json", "--row", '{"smoke": 0.1, "temp": 5}', "--value", "hot"],
        1,
        ["--value", "'hot'"],
    ),
    (
        ["explain", "{d}/model.json", "--data", "{d}/data.csv", "--index", "99"],
        1,
        ["--index", "40 rows"],
    ),
    (["explain", "{d}/model.json", "--data", "{d}/data.csv", "--index", "-1"], 2, ["--index"]),
    (
        ["explain", "{d}/model.json", "--row", "{}", "--data", "{d}/data.csv"],
        2,
        ["not allowed with"],
    ),
    (["explain", "{d}/data.csv", "--row", "{}"], 1, ["MODEL", "model comes first"]),
    (["discover", "{d}/data.csv"], 2, ["--target"]),
    (
        ["discover", "{d}/data.csv", "--target", "temp", "--agents", "smok"],
        1,
        ["--agents", "did you mean 'smoke'"],
    ),
    (["discover", "{d}/data.csv", "--target", "nope"], 1, ["--target", "nope"]),
    (["discover", "{d}/missing.csv", "--target", "temp"], 1, ["DATA", "does not exist"]),
    (["discover", "{d}/bad.parquet", "--target", "temp"], 1, ["DATA", "Parquet"]),
    (["discover", "{d}/empty.csv", "--target", "temp"], 1, ["DATA", "empty"]),
    (["discover", "{d}/data.csv", "--target", "temp", "--bins", "0"], 2, ["--bins"]),
    (["discover", "{d}/data.csv", "--target", "temp", "--threshold", "2"], 2, ["--threshold"]),
    (["discover", "{d}/data.csv", "--target", "temp", "--method", "magic"], 2, ["--method"]),
]


def test_the_catalogue_holds_at_least_twenty_mistakes():
    assert len(CATALOGUE) >= 20


@pytest.mark.parametrize(
    ("args", "code", "words"), CATALOGUE, ids=[" ".join(c[0])[:60] or "none" for c in CATALOGUE]
)
def test_a_mistake_gets_one_line_and_the_right_exit_code(files, args, code, words):
    proc = run(*(a.replace("{d}", str(files)) for a in args))
    message = proc.stderr.strip()
    assert proc.returncode == code, message
    assert "Traceback" not in proc.stderr + proc.stdout
    assert len(message.splitlines()) == 1, message
    assert message.startswith("causaloid"), message
    for word in words:
        assert word in message, (word, message)


def test_discover_without_polars_names_the_extra(files):
    proc = run(
        "discover",
        str(files / "data.csv"),
        "--target",
        "temp",
        env={"PYTHONPATH": str(files / "no_polars")},
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (
        "causaloid discover: error: discover needs polars, which is not installed: "
        "pip install 'causaloid[frames]'"
    )


def test_debug_shows_the_traceback(files):
    proc = run("evaluate", str(files / "missing.json"), str(files / "data.csv"), "--debug")
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr and "UserError" in proc.stderr


def test_missing_model_and_missing_data_read_the_same_way(files):
    model = run("evaluate", str(files / "missing.json"), str(files / "data.csv")).stderr
    data = run("evaluate", str(files / "model.json"), str(files / "missing.csv")).stderr
    assert model.replace("MODEL: model", "X").replace("missing.json", "F") == data.replace(
        "DATA: data", "X"
    ).replace("missing.csv", "F")


def test_help_is_plain_text_with_defaults():
    for command in ("evaluate", "explain", "discover", "bench"):
        proc = run(command, "--help")
        assert proc.returncode == 0
        assert "``" not in proc.stdout and ":class:" not in proc.stdout
    text = " ".join(run("discover", "--help").stdout.split())
    assert "(default: 8)" in text and "(default: f_test)" in text and "(default: 0.05)" in text
    assert "(default: None)" not in text and "(default: False)" not in text
    assert "(default: 10,1000,10000)" in " ".join(run("bench", "--help").stdout.split())


def test_every_option_has_a_help_text():
    from causaloid.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command in sub.choices.items():
        for action in command._actions:
            assert action.help, (name, action.dest)


def test_evaluate_aligns_the_node_table(files):
    proc = run("evaluate", str(files / "model.json"), str(files / "data.csv"), "--activations")
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith("  ")]
    assert len(rows) == 3
    assert len({line.index("active on") for line in rows}) == 1
    assert len({len(line) for line in rows}) == 1


def test_evaluate_in_chunks_gives_the_same_verdicts(files, tmp_path):
    whole, chunked = tmp_path / "whole.csv", tmp_path / "chunked.csv"
    args = [str(files / "model.json"), str(files / "data.csv"), "--activations"]
    assert run("evaluate", *args, "--out", str(whole)).returncode == 0
    assert run("evaluate", *args, "--out", str(chunked), "--chunk", "7").returncode == 0
    assert whole.read_text() == chunked.read_text()
    assert len(whole.read_text().splitlines()) == 41


def test_bench_aligns_its_columns():
    proc = run("bench", "--nodes", "5,1000", "--rows", "500", "--batch-nodes", "5")
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines() if "ns per node" in line]
    assert len(rows) == 2 and rows[0].index("nodes:") == rows[1].index("nodes:")


def test_evaluate_never_hides_blank_inputs(files, tmp_path):
    # Whatever the missing-value policy, blanks in columns the model reads are
    # either counted in the summary or refused in one line naming the column.
    blank = tmp_path / "blank.csv"
    blank.write_text("smoke,temp\n0.5,20\n,30\n0.1,\n0.9,99\n")
    proc = run("evaluate", str(files / "model.json"), str(blank))
    assert "Traceback" not in proc.stderr
    if proc.returncode == 0:
        assert "missing values in columns the model reads (rows): smoke 1, temp 1" in proc.stdout
    else:
        assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1
        assert "smoke" in proc.stderr or "temp" in proc.stderr


TOKENS = [
    "--row", "{", "{}", '{"smoke": 1}', "[1]", "--data", "--index", "-1", "99", "abc",
    "--target", "--agents", "smoke", "temp", "--value", "--bins", "0", "--lag", "--k",
    "--threshold", "2", "--out", "--activations", "--chunk", "--json", "-x", "",
    "{d}/model.json", "{d}/data.csv", "{d}/missing.csv", "{d}/ragged.csv", "{d}/empty.csv",
    "{d}/bad.parquet", "{d}/deep.json", "{d}/other.json", "{d}/folder",
]  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    command=st.sampled_from(["evaluate", "explain", "discover"]),
    tokens=st.lists(st.sampled_from(TOKENS), max_size=6),
)
def test_random_invocations_end_in_one_line_or_success(files, capsys, command, tokens):
    from causaloid.cli import main

    argv = [command, *(t.replace("{d}", str(files)) for t in tokens)]
    if "--out" in argv or "--json" in argv:  # keep the fixture folder unchanged
        argv = [a for a in argv if a not in ("--out", "--json")]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse: usage errors and --help
        code = exc.code
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), (argv, code, err)
    assert "Traceback" not in err
    if code:
        assert len(err.strip().splitlines()) == 1, (argv, err)
        assert err.startswith("causaloid"), (argv, err)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_long_jobs_show_progress_on_a_terminal_and_nothing_otherwise(files):
    pytest.importorskip("tqdm")
    import fcntl
    import pty
    import struct
    import termios

    args = [installed_command(), "evaluate", str(files / "model.json"), str(files / "data.csv")]
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        proc = subprocess.run(
            [*args, "--chunk", "5"], stdout=subprocess.PIPE, stderr=slave, timeout=300
        )
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
    assert proc.returncode == 0
    assert b"evaluate:" in seen and b"/8 [" in seen  # 40 rows in chunks of 5
    quiet = run(*args[1:], "--chunk", "5")
    assert quiet.returncode == 0 and quiet.stderr == ""
    hidden = subprocess.run(
        [*args, "--chunk", "5", "--no-progress"], capture_output=True, text=True, timeout=300
    )
    assert hidden.stderr == ""
