"""python/README.md's examples run as written: the API block (as a plain script, no
``if __name__ == "__main__":`` guard, on a coarser grid) and the ``python -m skinheal sweep``
command."""
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd

README = Path(__file__).resolve().parents[1] / "README.md"
ROOT = Path(__file__).resolve().parents[2]


def _block(after: str, fence: str) -> str:
    text = README.read_text(encoding="utf-8")
    text = text[text.index(after):]
    text = text[text.index(fence) + len(fence) + 1:]
    return text[:text.index("```")]


def test_api_block_runs_as_a_plain_script(tmp_path):
    lines = []
    for line in _block("## API overview", "```python").splitlines():
        if 'sc["grid.dxx"]' in line:  # documented to raise: check that it does
            code = line.split("#")[0].strip()
            line = f"try:\n    {code}\nexcept ValueError:\n    pass\nelse:\n    raise SystemExit('no ValueError')"
        lines.append(line)
        if "Scenario.preset(" in line:
            lines.append('sc["grid.dx"] = "80 um"  # added by the test: a coarse grid')
    script = tmp_path / "readme_api.py"
    script.write_text("\n".join(lines) + "\nprint(list(table['status']))\n", encoding="utf-8")
    r = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "['ok', 'ok', 'ok']" in r.stdout
    assert "bootstrapping" not in r.stderr and "BrokenProcessPool" not in r.stderr
    assert (tmp_path / "run.h5").exists() and (tmp_path / "sweep" / "summary.csv").exists()


def test_sweep_command_runs_as_written(tmp_path):
    command = _block("### Command line", "```sh").replace("\\\n", " ")
    args = shlex.split(command)
    args = args[args.index("-m"):]
    # Drop the optional parts shown in brackets; write into the test's directory.
    args = [a for a in args if a not in ("[-j", "2]", "[--scheduler", "ADDR]")]
    args[args.index("-o") + 1] = str(tmp_path / "sweep")
    args = [str(ROOT / a) if a.startswith("scenarios/") else a for a in args]
    r = subprocess.run([sys.executable] + args, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr
    table = pd.read_csv(tmp_path / "sweep" / "summary.csv")
    assert list(table["status"]) == ["ok"] * 3
