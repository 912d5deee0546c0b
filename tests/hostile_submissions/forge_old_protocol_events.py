"""Writes the old protocol's start/done/heartbeat events with perfect outputs and fake timings."""
from _hostile import send
from _stub import KNN

for i in range(30):
    send({"event": "start", "id": f"t{i}"})
    send({"event": "heartbeat"})
    send({"event": "done", "id": f"t{i}", "ok": True, "error": None, "outputs": {}, "times": {"loop": 10.0, "fast": 1e-9}, "stdout": ""})
send({"event": "end"})
