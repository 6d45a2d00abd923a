import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_production_environment(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DEBUG": "false",
        "SECRET_KEY": "x7#kq9!vLm2@pR4zT8wY1nB6cF3hJ5dG0sA-eU_iO+lK*qW$rE^tY&uI(oP)",
        "ALLOWED_HOSTS": "biostat.example.org",
        "BIOSTAT_DATA_DIR": str(tmp_path),
        "BIOSTAT_TESTING": "0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_secret_key_in_production_is_refused(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DEBUG": "false",
        "BIOSTAT_TESTING": "0",
        "BIOSTAT_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
