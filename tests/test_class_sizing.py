"""The class load test's arithmetic (scripts/class_sizing.py), its plan, and the throwaway
hub's process handling (scripts/hub.py), checked against numbers worked out by hand."""

from __future__ import annotations

import math
import subprocess
import sys
import time

import pytest

from scripts import class_sizing as sizing
from scripts import hub, hub_load_test


def user(name, wall, cpu, kernel, server=150.0, error=""):
    return {"user": name, "start_server_s": 5.0, "wall_s": wall, "kernel_peak_mib": kernel,
            "kernel_cpu_s": cpu, "server_peak_mib": server, "error": error}


def raw():
    light = [{"lesson": "00_start_here.ipynb", "users": 1, "api_ms": [20, 30],
              "api_failures": 0, "load_before": 1.0, "runs": [user("a", 10, 8, 1000)]},
             {"lesson": "00_start_here.ipynb", "users": 2, "api_ms": [40, 50, 60],
              "api_failures": 0, "load_before": 1.0,
              "runs": [user("b", 18, 9, 1010), user("c", 20, 10, 1020, error="cell 3: boom")]}]
    heavy = [{"lesson": "04_choosing_a_strategy_pytorch.ipynb", "users": 1, "api_ms": [25],
              "api_failures": 1, "load_before": 2.0, "runs": [user("d", 130, 100, 1450)]}]
    return {"machine": "test CPU", "cores": 2, "date": "2026-01-01", "seconds": 300,
            "jupyterhub": "6.1.1", "hub_peak_mib": 100, "runs": light + heavy}


def test_profile_takes_alone_time_median_cpu_and_the_largest_passing_peak():
    light = sizing.lesson_profile(raw(), "00")
    assert light == {"alone_s": 10, "cpu_s": 8.5, "mib": 1010 + 150}  # c failed: not counted
    with pytest.raises(ValueError, match="rerun"):
        sizing.lesson_profile(raw(), "07")


def test_students_per_core_allow_a_minute_or_twice_the_lessons_cpu_time():
    assert sizing.students_per_core({"cpu_s": 10.0}) == 6.0  # 60 s / 10 s
    assert sizing.students_per_core({"cpu_s": 100.0}) == 2.0  # 200 s / 100 s
    assert sizing.students_per_gib({"mib": 1280.0}) == 0.8


def test_vm_and_nodes_for_a_class():
    light = {"alone_s": 12.0, "cpu_s": 10.0, "mib": 1024.0}
    assert sizing.vm_for(30, light, hub_mib=100) == {"cores": 5, "gib": 31}  # ⌈30/6⌉, ⌈30.1⌉
    heavy = {"alone_s": 130.0, "cpu_s": 100.0, "mib": 1600.0}
    nodes = sizing.nodes_for(300, heavy)
    assert nodes["by_memory"] == math.floor(64 * 0.9 * 1024 / 1600) == 36
    assert nodes["by_cpu"] == math.floor(16 * 0.9 * 2) == 28
    assert (nodes["per_node"], nodes["nodes"]) == (28, 11)  # ⌈300/28⌉


def test_model_predicts_the_time_alone_until_the_cores_are_full():
    p = {"alone_s": 12.0, "cpu_s": 10.0}
    assert sizing.predicted_wall_s(p, 1, 2) == 12.0
    assert sizing.predicted_wall_s(p, 8, 2) == 40.0


def test_report_shows_the_table_failures_and_the_arithmetic():
    text = sizing.report(raw())
    assert "| 00 | 2 | 1/2 |" in text  # one of two passed
    assert "| 04 | 1 | 1/1 |" in text and "| 1 | 2.0 |" in text  # an API failure, load 2.0
    assert "60 / 8.5 = **7.06**" in text and "200 / 100.0 = **2.00**" in text
    assert "1024 / 1,160 = **0.88**" in text
    assert (sizing.plural(1, "node"), sizing.plural(3, "node")) == ("1 node", "3 nodes")
    line = sizing.summary_line(raw()["runs"][1])
    assert "1 passed, 1 failed" in line and "c: cell 3: boom" in line


def test_sweep_doubles_up_to_the_class_size():
    assert hub_load_test.sweep(8) == [1, 2, 4, 8]
    assert hub_load_test.sweep(6) == [1, 2, 4, 6]
    assert hub_load_test.sweep(1) == [1]
    for bad in (0, hub_load_test.MAX_USERS + 1):
        with pytest.raises(ValueError, match="choose 1 to"):
            hub_load_test.sweep(bad)


def test_execute_request_follows_the_messaging_protocol():
    message = hub_load_test.message("1 + 1", "s1", {"x": "2"})
    assert message["header"]["msg_type"] == "execute_request"
    assert message["channel"] == "shell" and message["header"]["session"] == "s1"
    assert message["content"]["code"] == "1 + 1"
    assert message["content"]["user_expressions"] == {"x": "2"}


def test_throwaway_config_is_loopback_only(tmp_path):
    path = hub.write_config(tmp_path, 8123, "secret", {"OMP_NUM_THREADS": "1"})
    text = path.read_text()
    assert 'bind_url = "http://127.0.0.1:8123"' in text and 'Spawner.ip = "127.0.0.1"' in text
    assert "0.0.0.0" not in text and "anyone may log in" in text


def test_kill_group_stops_a_process_and_its_children():
    process = subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time; "
                                "subprocess.Popen([sys.executable, '-c', "
                                "'import time; time.sleep(60)']); time.sleep(60)"],
                               start_new_session=True)
    time.sleep(1)
    import psutil

    child = psutil.Process(process.pid).children()[0]
    started = psutil.Process(process.pid).create_time()
    assert not hub.same_process(process.pid, started + 1)  # another start time: left alone
    hub.kill_group(process.pid, grace_s=5, started=started)
    process.wait(timeout=5)
    child.wait(timeout=5)
    assert not hub.alive(child.pid)
