"""The nightly flow's schedule: 02:00 Asia/Shanghai, buildable without a Prefect server."""

from flows.nightly import NIGHTLY_CRON, nightly, nightly_schedule


def test_nightly_deployment_runs_at_two_in_shanghai(tmp_path):
    deployment = nightly.to_deployment(
        name="nianbao-nightly",
        schedules=[nightly_schedule()],
        parameters={"registry": str(tmp_path / "sources.yaml"), "data": str(tmp_path)},
    )
    (schedule,) = deployment.schedules
    assert schedule.schedule.cron == "0 2 * * *" == NIGHTLY_CRON
    assert schedule.schedule.timezone == "Asia/Shanghai"
    assert deployment.parameters["registry"].endswith("sources.yaml")


def test_a_custom_cron_keeps_the_timezone():
    assert nightly_schedule("30 3 * * 1").cron == "30 3 * * 1"
    assert nightly_schedule("30 3 * * 1").timezone == "Asia/Shanghai"
