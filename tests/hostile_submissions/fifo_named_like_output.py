"""Creates FIFOs and /dev/zero symlinks named like output .npy files wherever it can."""
import os
from _stub import KNN

for folder in {".", os.environ.get("TMPDIR", "."), os.environ.get("HOME", ".")}:
    for i in range(40):
        for key in ("cifar", "tiny", "random", "loop", "fast", "k1", "k5"):
            base = os.path.join(folder, f"t{i}__{key}")
            try:
                os.mkfifo(base + ".npy")
            except OSError:
                pass
            try:
                os.symlink("/dev/zero", base + ".0.npy")
            except OSError:
                pass
