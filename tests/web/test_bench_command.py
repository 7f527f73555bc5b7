"""`kefu bench <name>` loads the benchmarks from bench/ wherever it is started."""

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize("name", ["assist", "chat"])
def test_the_benchmark_loads_from_any_directory(tmp_path, name):
    kefu = Path(sys.executable).with_name("kefu")
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"} | {"KEFU_VAR_DIR": str(tmp_path)}
    result = subprocess.run([str(kefu), "bench", name, "--help"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)

    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith(f"usage: kefu bench {name}")
