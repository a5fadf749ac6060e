"""The command line lists its subcommands and reports errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "causaloid", *args], capture_output=True, text=True, timeout=300
    )


def test_help_lists_the_subcommands():
    proc = run_cli("--help")
    assert proc.returncode == 0
    assert "causaloid" in proc.stdout


def alarm_model(tmp_path):
    import causaloid as cl
    from causaloid import expr as E

    g = cl.CausalGraph("alarm", "fire alarm")
    g.add(cl.Causaloid("smoke", "smoke detected", expr=E.col("smoke") > 0.3))
    g.add(cl.Causaloid("heat", "heat detected", expr=E.col("temp") > 60))
    g.add(cl.Causaloid("fire", "fire", expr=E.value()))
    g.link("smoke", "fire")
    g.link("heat", "fire")
    g.freeze()
    model = tmp_path / "alarm.json"
    model.write_text(g.to_json())
    data = tmp_path / "readings.csv"
    data.write_text("smoke,temp\n0.1,20\n0.5,20\n0.0,90\n0.1,30\n")
    return model, data


def test_evaluate_prints_a_summary_and_writes_verdicts(tmp_path):
    model, data = alarm_model(tmp_path)
    out = tmp_path / "verdicts.csv"
    proc = run_cli("evaluate", str(model), str(data), "--activations", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "alarm: 4 rows, verdict active on 2 (50.00%)" in proc.stdout
    lines = out.read_text().splitlines()
    assert lines[0] == "row,verdict,smoke,heat,fire"
    assert lines[2] == "1,true,true,false,true"


def test_explain_a_row_given_as_json_or_from_a_table(tmp_path):
    model, data = alarm_model(tmp_path)
    proc = run_cli("explain", str(model), "--row", '{"smoke": 0.1, "temp": 75}')
    assert proc.returncode == 0, proc.stderr
    assert (
        'causaloid "heat" "heat detected": (col("temp") > 60.0) on temp=75 -> true' in proc.stdout
    )
    last = proc.stdout.strip().splitlines()[-2:]
    assert last == [
        "Final verdict: true",
        'Why: "fire" decided true because its input is true. '
        '"heat" gave "fire" true because temp 75 is above 60.',
    ]
    proc = run_cli("explain", str(model), "--data", str(data), "--index", "3")
    assert proc.returncode == 0
    assert proc.stdout.strip().splitlines()[-2] == "Final verdict: false"


def test_cli_errors_are_one_line_without_traceback(tmp_path):
    model, data = alarm_model(tmp_path)
    proc = run_cli("explain", str(model), "--row", '{"smoke": 0.1}')
    assert proc.returncode == 1
    assert "--row: no column 'temp', which the model reads" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run_cli("explain", str(model), "--data", str(data), "--index", "9")
    assert proc.returncode == 1 and "outside the table's 4 rows" in proc.stderr


def test_bench_reports_ns_per_node_and_rows_per_second():
    proc = run_cli("bench", "--nodes", "10,100", "--rows", "2000", "--batch-nodes", "10")
    assert proc.returncode == 0, proc.stderr
    assert "ns per node" in proc.stdout and "rows/s" in proc.stdout
