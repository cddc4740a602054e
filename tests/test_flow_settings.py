"""Prefect settings for a flow run that a command starts (``nianbao run``, ``nianbao demo``)."""

from __future__ import annotations

from prefect.settings import get_current_settings

from flows.prefect_env import PREFECT_DEFAULT_HEARTBEAT, one_shot_flow_settings


def heartbeat():
    return get_current_settings().flows.heartbeat_frequency


def test_a_command_runs_its_flow_without_heartbeats_unless_the_user_set_them(monkeypatch):
    for name in ("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "PREFECT_RUNNER_HEARTBEAT_FREQUENCY"):
        monkeypatch.delenv(name, raising=False)
    assert heartbeat() == PREFECT_DEFAULT_HEARTBEAT  # Prefect's default, nobody chose it
    with one_shot_flow_settings():
        assert heartbeat() is None
    assert heartbeat() == PREFECT_DEFAULT_HEARTBEAT  # only for the command's flow

    monkeypatch.setenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "60")  # the user's choice holds
    before = heartbeat()
    with one_shot_flow_settings():
        assert heartbeat() == before is not None
