"""`quollo serve` stops on Ctrl-C even when its parent started it with SIGINT ignored."""

from __future__ import annotations

import signal
import subprocess
import time

from testkit.server import QUOLLO, ROOT, free_ports, subprocess_env


def test_ctrl_c_stops_a_server_started_from_a_background_job() -> None:
    # What a non-interactive shell does for `quollo serve &`: the child starts with SIGINT ignored.
    port, aws_port = free_ports(2)
    process = subprocess.Popen(
        [str(QUOLLO), "serve", "--port", str(port), "--aws-port", str(aws_port)],
        env=subprocess_env(),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # runs in the child before exec
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        for line in process.stdout:
            if "Press Ctrl-C" in line or time.monotonic() > deadline:
                break
        process.send_signal(signal.SIGINT)
        assert process.wait(15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
        if process.stdout is not None:
            process.stdout.close()
