"""The ``zcrm`` command line, in-process through ``main([...])`` against a socket-served fake."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import anyio
import pytest

import zcrm_async as zc
from tests._signals import default_ctrl_c
from zcrm_async.cli import EXIT_CODES, main
from zcrm_async.stores.file import FILE_NAME
from zcrm_async.testing import FakeZohoCRM

Capture = pytest.CaptureFixture[str]


def zcrm(config: Path, *args: str) -> int:
    return main(["--config", str(config), *args])


def grant(fake: FakeZohoCRM, config: Path) -> None:
    assert zcrm(config, "auth", "grant", fake.issue_grant_code()) == 0


def without_user(config: Path) -> None:
    """Remove current_user_email from the config file."""
    settings = json.loads(config.read_text())
    del settings["current_user_email"]
    config.write_text(json.dumps(settings))


def assert_clean_error(err: str) -> None:
    assert "Traceback" not in err
    assert err.startswith(("zcrm: error:", "usage error:", "zcrm: no tokens"))


# -- auth ----------------------------------------------------------------------------------------


def test_auth_grant_status_revoke(fake: FakeZohoCRM, config_file: Path, capsys: Capture) -> None:
    assert zcrm(config_file, "auth", "status") == 3
    assert "no tokens stored for admin@example.com" in capsys.readouterr().err

    grant(fake, config_file)
    out = capsys.readouterr().out
    assert "tokens stored for admin@example.com" in out

    assert zcrm(config_file, "auth", "status") == 0
    out = capsys.readouterr().out
    assert "access token valid" in out
    stored = json.loads((config_file.parent / "tokens" / FILE_NAME).read_text())
    secrets = [t["refresh_token"] for t in stored["tokens"].values()] + [fake.client_secret]
    assert not any(secret in out for secret in secrets)

    assert zcrm(config_file, "auth", "revoke") == 0
    assert "revoked" in capsys.readouterr().out
    assert zcrm(config_file, "auth", "status") == 3


def test_a_used_grant_code_is_an_auth_error(
    fake: FakeZohoCRM, config_file: Path, capsys: Capture
) -> None:
    code = fake.issue_grant_code()
    assert zcrm(config_file, "auth", "grant", code) == 0
    capsys.readouterr()
    assert zcrm(config_file, "auth", "grant", code) == 3
    err = capsys.readouterr().err
    assert_clean_error(err)
    assert "invalid_code" in err


def test_grant_of_an_unknown_user_says_what_to_run(
    fake: FakeZohoCRM, config_file: Path, capsys: Capture
) -> None:
    without_user(config_file)
    # No scope to learn the user from Zoho: the grant alone cannot say whose tokens these are.
    scopes = ["ZohoCRM.modules.ALL", "ZohoCRM.settings.ALL"]
    assert zcrm(config_file, "auth", "grant", fake.issue_grant_code(scopes=scopes)) == 3
    err = capsys.readouterr().err
    assert_clean_error(err)
    assert "zcrm auth grant <code> --user-email you@example.com" in err
    code = fake.issue_grant_code(scopes=scopes)
    assert zcrm(config_file, "auth", "grant", code, "--user-email", fake.user_email) == 0
    assert f"tokens stored for {fake.user_email}" in capsys.readouterr().out


def test_calls_without_tokens_exit_3(config_file: Path, capsys: Capture) -> None:
    assert zcrm(config_file, "records", "export", "Leads", "--fields", "Last_Name") == 3
    assert_clean_error(capsys.readouterr().err)


# -- configuration -------------------------------------------------------------------------------


def test_config_errors_exit_2_and_name_the_key(tmp_path: Path, capsys: Capture) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('client_id = "x"\nredirect_uri = "http://localhost/cb"\n')
    assert main(["--config", str(bad), "auth", "status"]) == 2
    err = capsys.readouterr().err
    assert_clean_error(err)
    assert "client_secret" in err

    assert main(["--config", str(tmp_path / "missing.toml"), "auth", "status"]) == 2
    assert "cannot read" in capsys.readouterr().err

    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert main(["--config", str(broken), "auth", "status"]) == 2
    assert "not valid JSON" in capsys.readouterr().err

    assert main(["auth", "status"]) == 2
    assert "no configuration" in capsys.readouterr().err


def test_toml_file_with_env_overrides(
    fake: FakeZohoCRM,
    served: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Capture,
) -> None:
    path = tmp_path / "zcrm.toml"
    path.write_text(
        "[zcrm]\n"
        f'client_id = "{fake.client_id}"\n'
        'client_secret = "wrong-secret"\n'
        f'redirect_uri = "{fake.redirect_uri}"\n'
        f'accounts_url = "{served}"\n'
        f'token_persistence_path = "{tmp_path}"\n'
        f'current_user_email = "{fake.user_email}"\n'
        "allow_untrusted_hosts = true\n"
    )
    assert main(["--config", str(path), "auth", "grant", fake.issue_grant_code()]) == 3
    assert "wrong-secret" not in capsys.readouterr().err
    monkeypatch.setenv("ZCRM_CLIENT_SECRET", fake.client_secret)
    monkeypatch.setenv("ZCRM_CONFIG", str(path))
    assert main(["auth", "grant", fake.issue_grant_code()]) == 0


def test_usage_errors_exit_2(config_file: Path, capsys: Capture) -> None:
    assert main(["records", "frobnicate"]) == 2
    assert "invalid choice" in capsys.readouterr().err
    assert zcrm(config_file, "records", "import", "Leads", "x.csv", "--find-by", "Email") == 2
    assert "--find-by goes with --upsert" in capsys.readouterr().err
    assert set(EXIT_CODES) == {0, 1, 2, 3, 4, 5, 130}


def test_unreachable_zoho_is_a_network_error(
    fake: FakeZohoCRM, tmp_path: Path, capsys: Capture
) -> None:
    path = tmp_path / "zcrm.json"
    path.write_text(
        json.dumps(
            {
                "client_id": fake.client_id,
                "client_secret": fake.client_secret,
                "redirect_uri": fake.redirect_uri,
                "accounts_url": "http://127.0.0.1:9",  # discard port: nothing listens
                "persistence": "memory",
                "max_retries": 0,
                "allow_untrusted_hosts": True,
            }
        )
    )
    assert main(["--config", str(path), "auth", "grant", "1000.code"]) == 5
    assert_clean_error(capsys.readouterr().err)


# -- records export / import ---------------------------------------------------------------------


def test_export_csv_via_rest(
    fake: FakeZohoCRM, config_file: Path, tmp_path: Path, capsys: Capture
) -> None:
    grant(fake, config_file)
    ids = fake.add_records(
        "Leads", [{"Last_Name": f"L{i}", "Email": f"l{i}@example.com"} for i in range(450)]
    )
    out = tmp_path / "leads.csv"
    args = ("records", "export", "Leads", "--fields", "Last_Name,Email", "-o", str(out))
    assert zcrm(config_file, *args) == 0
    assert "exported 450 Leads records via REST" in capsys.readouterr().err
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["id", "Last_Name", "Email"]
    assert sorted(r["id"] for r in rows) == sorted(ids)
    assert {r["Email"] for r in rows} == {f"l{i}@example.com" for i in range(450)}


def test_export_jsonl_to_stdout(fake: FakeZohoCRM, config_file: Path, capsys: Capture) -> None:
    grant(fake, config_file)
    fake.add_records("Leads", [{"Last_Name": "Ada"}, {"Last_Name": "Grace"}])
    capsys.readouterr()
    args = ("records", "export", "Leads", "--fields", "Last_Name", "--format", "jsonl")
    assert zcrm(config_file, *args) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(line["Last_Name"] for line in lines) == ["Ada", "Grace"]
    assert all(line["id"] for line in lines)


def test_export_above_the_threshold_uses_bulk_read(
    fake: FakeZohoCRM, config_file: Path, tmp_path: Path, capsys: Capture
) -> None:
    grant(fake, config_file)
    ids = fake.add_records("Leads", [{"Last_Name": f"L{i}"} for i in range(30)])
    out = tmp_path / "leads.csv"
    args = ("records", "export", "Leads", "--fields", "Last_Name", "-o", str(out))
    engine = ("--bulk-threshold", "10", "--poll-interval", "0.01")
    fake.stats.reset()
    assert zcrm(config_file, *args, *engine) == 0
    assert "via Bulk Read" in capsys.readouterr().err
    assert any("bulk" in route for route in fake.stats.by_route)
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["id"] for r in rows) == sorted(ids)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_import_via_rest_reports_rejected_rows_and_exits_1(
    fake: FakeZohoCRM, config_file: Path, tmp_path: Path, capsys: Capture
) -> None:
    grant(fake, config_file)
    rows = [[f"L{i}", f"l{i}@example.com"] for i in range(150)]
    rows[42] = ["", "nameless@example.com"]  # Last_Name is mandatory
    source = write_csv(tmp_path / "in.csv", ["Last_Name", "Email"], rows)
    capsys.readouterr()
    assert zcrm(config_file, "records", "import", "Leads", str(source)) == 1
    err = capsys.readouterr().err
    assert re.search(r"row 43: MANDATORY_NOT_FOUND: .*Last_Name", err)
    assert "149 of 150 rows written to Leads via REST; 1 failed" in err
    assert len(fake.records("Leads")) == 149


def test_import_upsert_find_by_email_writes_each_row_once(
    fake: FakeZohoCRM, config_file: Path, tmp_path: Path, capsys: Capture
) -> None:
    grant(fake, config_file)
    (existing,) = fake.add_records("Leads", [{"Last_Name": "Old", "Email": "l3@example.com"}])
    rows = [[f"L{i}", f"l{i}@example.com"] for i in range(120)]
    source = write_csv(tmp_path / "in.csv", ["Last_Name", "Email"], rows)
    args = ("records", "import", "Leads", str(source), "--upsert", "--find-by", "Email")
    assert zcrm(config_file, *args) == 0
    assert zcrm(config_file, *args) == 0  # again: updates only
    stored = fake.records("Leads")
    assert len(stored) == 120
    assert stored[existing]["Last_Name"] == "L3"


def test_import_above_the_threshold_uses_bulk_write(
    fake: FakeZohoCRM, config_file: Path, tmp_path: Path, capsys: Capture
) -> None:
    grant(fake, config_file)
    rows = [[f"L{i}", f"l{i}@example.com"] for i in range(20)]
    rows[5] = ["", "nameless@example.com"]
    source = write_csv(tmp_path / "in.csv", ["Last_Name", "Email"], rows)
    engine = ("--bulk-threshold", "10", "--poll-interval", "0.01")
    assert zcrm(config_file, "records", "import", "Leads", str(source), *engine) == 1
    err = capsys.readouterr().err
    assert "via Bulk Write; 1 failed" in err
    assert re.search(r"row 6: ", err)
    assert len(fake.records("Leads")) == 19


def test_import_of_a_missing_file_is_a_usage_error(config_file: Path, capsys: Capture) -> None:
    assert zcrm(config_file, "records", "import", "Leads", "/nonexistent/in.csv") == 2
    err = capsys.readouterr().err
    assert_clean_error(err)
    assert "/nonexistent/in.csv" in err


def test_progress_bar_is_drawn_on_request(
    fake: FakeZohoCRM, config_file: Path, tmp_path: Path, capsys: Capture
) -> None:
    grant(fake, config_file)
    source = write_csv(tmp_path / "in.csv", ["Last_Name"], [[f"L{i}"] for i in range(250)])
    capsys.readouterr()
    assert main(["--config", str(config_file), "--progress", "records", "import", "Leads",
                 str(source)]) == 0  # fmt: skip
    err = capsys.readouterr().err
    assert "import Leads" in err and "250/250" in err


# -- coql, fake ----------------------------------------------------------------------------------


def test_coql_prints_rows(fake: FakeZohoCRM, config_file: Path, capsys: Capture) -> None:
    grant(fake, config_file)
    fake.add_records("Leads", [{"Last_Name": "Smith"}, {"Last_Name": "Jones"}])
    capsys.readouterr()
    query = "select Last_Name from Leads where Last_Name = 'Smith'"
    assert zcrm(config_file, "coql", query) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["Last_Name"] for row in rows] == ["Smith"]
    assert zcrm(config_file, "coql", query, "--format", "csv") == 0
    header, row = capsys.readouterr().out.splitlines()
    assert "Smith" in row.split(",") and "Last_Name" in header.split(",")


def test_a_bad_coql_query_is_an_api_error(
    fake: FakeZohoCRM, config_file: Path, capsys: Capture
) -> None:
    grant(fake, config_file)
    assert zcrm(config_file, "coql", "select Nope from Leads where id is not null") == 4
    assert_clean_error(capsys.readouterr().err)


def test_fake_serve_runs_the_fake_server() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "zcrm_async", "fake", "serve", "--port", "0", "--latency", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert re.search(r"Fake Zoho CRM serving at http://127\.0\.0\.1:\d+", first)
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_a_bad_bulk_result_file_is_an_api_error() -> None:
    from zcrm_async.cli._main import exit_code_for

    assert exit_code_for(zc.ArchiveError("the result of bulk read job 1 is truncated")) == 4


# -- the user, the version, the fake's options ---------------------------------------------------


def test_after_a_grant_later_commands_act_as_that_user(
    fake: FakeZohoCRM, config_file: Path, capsys: Capture
) -> None:
    without_user(config_file)
    assert zcrm(config_file, "auth", "status") == 2
    err = capsys.readouterr().err
    assert_clean_error(err)
    assert "no user to act as: pass --user you@example.com" in err
    assert "run zcrm auth grant <code>" in err

    assert zcrm(config_file, "auth", "grant", fake.issue_grant_code()) == 0  # asks Zoho who
    assert f"tokens stored for {fake.user_email}" in capsys.readouterr().out
    assert zcrm(config_file, "auth", "status") == 0
    assert f"tokens stored for {fake.user_email}" in capsys.readouterr().out
    fake.add_records("Leads", [{"Last_Name": "Ada"}])
    assert zcrm(config_file, "records", "export", "Leads", "--fields", "Last_Name") == 0
    assert "Ada" in capsys.readouterr().out
    # --user still wins over the remembered one
    assert zcrm(config_file, "--user", "other@example.com", "auth", "status") == 3
    assert "no tokens stored for other@example.com" in capsys.readouterr().err


def test_version(capsys: Capture) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"zcrm (zcrm_async) {zc.__version__}"


def test_fake_serve_help_lists_the_servers_options() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "zcrm_async", "fake", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for option in ("--port", "--latency", "--token-lifetime", "--max-concurrency"):
        assert option in done.stdout


# -- export: empty, atomic, interrupted, progress, records changing under it ---------------------


def test_an_empty_export_still_writes_the_header(
    fake: FakeZohoCRM, config_file: Path, tmp_path: Path, capsys: Capture
) -> None:
    grant(fake, config_file)
    out = tmp_path / "empty.csv"
    args = ("records", "export", "Leads", "--fields", "Last_Name,Email", "-o", str(out))
    assert zcrm(config_file, *args) == 0
    assert out.read_bytes() == b"id,Last_Name,Email\r\n"
    assert "exported 0 Leads records" in capsys.readouterr().err


def test_a_failed_export_leaves_the_previous_file_and_no_part(
    fake: FakeZohoCRM, config_file: Path, tmp_path: Path, capsys: Capture
) -> None:
    grant(fake, config_file)
    fake.add_records("Leads", [{"Last_Name": f"L{i}"} for i in range(10)])
    out = tmp_path / "leads.csv"
    out.write_text("yesterday's export\n")
    fake.fail_next(400, code="INVALID_QUERY", path="/crm/v8/coql", times=1)
    args = ("records", "export", "Leads", "--fields", "Last_Name", "-o", str(out), "--via", "rest")
    assert zcrm(config_file, *args) == 4
    assert out.read_text() == "yesterday's export\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_ctrl_c_during_an_export_leaves_no_file_that_looks_complete(
    fake: FakeZohoCRM, served: str, config_file: Path, tmp_path: Path
) -> None:
    grant(fake, config_file)
    fake.add_records("Leads", [{"Last_Name": f"L{i}"} for i in range(4500)])  # 3 COQL pages
    out = tmp_path / "leads.csv"
    fake.latency = 0.5
    fake.stats.reset()
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "user-data")}
    command = [sys.executable, "-m", "zcrm_async", "--config", str(config_file)]
    args = ["records", "export", "Leads", "--fields", "Last_Name", "-o", str(out), "--via", "rest"]
    proc = subprocess.Popen(
        [*command, *args], stderr=subprocess.PIPE, text=True, env=env, preexec_fn=default_ctrl_c
    )
    try:
        deadline = time.monotonic() + 60
        while not fake.stats.by_route.get("POST /crm/{version}/coql"):  # the export is under way
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(0.6)  # the first page is written, the second on its way
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "zcrm: error: interrupted" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tokens", "user-data", "zcrm.json"]


def test_rest_export_progress_ends_with_the_total_and_the_average_rate(
    fake: FakeZohoCRM, config_file: Path
) -> None:
    from zcrm_async.cli._commands import _rest_rows

    fake.add_records("Leads", [{"Last_Name": f"L{i}"} for i in range(2500)])
    reports: list[tuple[int, int | None, float]] = []

    async def export() -> int:
        async with zc.ZohoCRM(fake.config(), transport=fake.transport()) as crm:
            await crm.oauth.generate_access_token(fake.issue_grant_code())
            rows = _rest_rows(crm, "Leads", ["Last_Name"], 2500, lambda *r: reports.append(r))
            return len([row async for row in rows])

    assert anyio.run(export) == 2500
    assert reports[0] == (0, 2500, 0.0)
    done, total, rate = reports[-1]
    assert (done, total) == (2500, 2500) and rate > 0


def test_rest_export_sees_every_record_once_while_records_come_and_go(
    fake: FakeZohoCRM,
) -> None:
    """A walk by page number skipped as many records as were deleted before its position and
    repeated those created before it; the walk by id does neither."""
    from zcrm_async.cli._commands import _rest_rows

    ids = fake.add_records("Leads", [{"Last_Name": f"L{i}"} for i in range(4500)])
    exported: list[str] = []

    async def export() -> None:
        async with zc.ZohoCRM(fake.config(), transport=fake.transport()) as crm:
            await crm.oauth.generate_access_token(fake.issue_grant_code())
            async for row in _rest_rows(crm, "Leads", ["Last_Name"], 0, None):
                exported.append(str(row["id"]))
                if len(exported) == 2000:  # the first page is out: records come and go
                    (await crm.records("Leads").delete(ids[:50])).raise_for_failures()
                    await crm.records("Leads").create([{"Last_Name": "New"}] * 20)

    anyio.run(export)
    assert len(exported) == len(set(exported))
    assert set(ids[50:]) <= set(exported)  # every record alive throughout
    assert len(set(exported) - set(ids)) == 20  # and the new ones, behind the walk


# -- import: resuming a bulk import that stopped -------------------------------------------------


def test_a_bulk_import_that_stops_says_how_to_go_on_without_duplicates(
    fake: FakeZohoCRM, config_file: Path, tmp_path: Path, capsys: Capture
) -> None:
    grant(fake, config_file)
    source = write_csv(tmp_path / "in.csv", ["Last_Name"], [[f"L{i}"] for i in range(30)])
    fake.bulk.polls_to_complete = 3
    stop = threading.Event()

    def fail_the_second_job() -> None:  # as soon as the first job exists
        while not stop.is_set() and not fake.bulk.write_jobs():
            time.sleep(0.001)
        fake.bulk.fail_next_job("INTERNAL_ERROR", operation="write")

    watcher = threading.Thread(target=fail_the_second_job)
    watcher.start()
    engine = ("--via", "bulk", "--poll-interval", "0.01", "--rows-per-file", "10")
    try:
        assert zcrm(config_file, "records", "import", "Leads", str(source), *engine) == 4
    finally:
        stop.set()
        watcher.join()
    err = capsys.readouterr().err
    assert "rows 1..10 were written" in err and "--skip-rows 10" in err
    assert len(fake.records("Leads")) == 10
    assert zcrm(config_file, "records", "import", "Leads", str(source), *engine,
                "--skip-rows", "10") == 0  # fmt: skip
    assert "20 of 20 rows written" in capsys.readouterr().err
    names = sorted(r["Last_Name"] for r in fake.records("Leads").values())
    assert names == sorted(f"L{i}" for i in range(30))  # each row once
