"""物联感知 in real Chromium (issue 10 acceptance): after `smartgov setup` and `smartgov serve`,
`smartgov iot simulate` publishes over the real Mosquitto; the alarm console shows the live
manhole-cover alarm and the case it became is in the duty chief's workbench."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from smartgov.iot.config import IotSettings
from smartgov.iot.mqtt import broker_reachable
from tests.conftest import free_port
from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def iot_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A server as `make run` starts it, consuming MQTT on a topic root of its own."""
    if not broker_reachable(IotSettings()):
        pytest.skip("no MQTT broker at SMARTGOV_MQTT_URL (.ci/run starts Mosquitto)")
    var_dir = tmp_path_factory.mktemp("iot-e2e")
    tag = uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        "SMARTGOV_VAR_DIR": str(var_dir),
        "SMARTGOV_SECRET_KEY": "e2e",
        "SMARTGOV_MQTT_TOPIC_ROOT": f"e2e{tag}",
        "SMARTGOV_MQTT_SHARE_GROUP": f"e2e{tag}",
    }
    env.pop("SMARTGOV_DATABASE_URL", None)
    env.pop("SMARTGOV_JOBS_INLINE", None)
    cli = [sys.executable, "-m", "smartgov.cli"]
    subprocess.run([*cli, "setup", "--cases", "0"], env=env, check=True, capture_output=True, timeout=300)
    port = free_port()
    log = (var_dir / "server.log").open("w")
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        for _ in range(50):  # the consumer connects beside the server
            if "物联感知接入" in (var_dir / "server.log").read_text():
                break
            time.sleep(0.2)
        assert "物联感知接入随服务启动" in (var_dir / "server.log").read_text()
        yield base, env
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()


def test_simulated_cover_alarm_becomes_a_case_in_the_workbench(iot_server, new_page) -> None:  # type: ignore[no-untyped-def]
    base, env = iot_server
    sim = subprocess.run(
        [
            sys.executable,
            "-m",
            "smartgov.cli",
            "iot",
            "simulate",
            "--devices",
            "70",
            "--rate",
            "2",
            "--seconds",
            "16",
        ],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert sim.returncode == 0, sim.stderr.decode()
    chief = new_page()
    login(chief, base, "chief")
    chief.goto(f"{base}/iot/alarms?active=true")
    row = chief.locator("[data-testid=alarm-row]", has_text="井盖倾斜")
    row.wait_for(timeout=30000)  # the console polls every 5 s
    assert "文三路井盖1号" in row.text_content()
    row.locator("[data-testid=alarm-case]").wait_for(timeout=30000)
    shot(chief, "iot-alarm-console")
    chief.goto(f"{base}/workbench")
    chief.click("[data-queue=file]")  # 待立案: a sensor's case waits for the duty chief to file it
    chief.wait_for_selector("text=井盖倾斜：文三路井盖1号")
    shot(chief, "iot-workbench")
    chief.goto(f"{base}/iot")
    chief.wait_for_selector("[data-testid=device-map] .leaflet-interactive")
    shot(chief, "iot-device-map")
