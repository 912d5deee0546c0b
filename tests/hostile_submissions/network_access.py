"""Tries to reach the network (DNS, TCP to a public address, a UDP packet) and reports success in an error."""
import socket
from _stub import KNN as Stub

REACHED = []
for family, kind, address in [(socket.AF_INET, socket.SOCK_STREAM, ("1.1.1.1", 80)),
                              (socket.AF_INET, socket.SOCK_DGRAM, ("8.8.8.8", 53))]:
    try:
        s = socket.socket(family, kind)
        s.settimeout(1)
        s.connect(address)
        s.send(b"x")
        REACHED.append(address[0])
    except OSError:
        pass
try:
    socket.getaddrinfo("pypi.org", 443)
    REACHED.append("dns")
except OSError:
    pass


class KNN(Stub):
    def compute_distances(self, X, norm=None):
        raise RuntimeError(f"REACHED={REACHED}")
