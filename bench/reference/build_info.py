"""Prints, as one JSON line, the build of the Python reference: torch's BLAS, CPU capability and
threads (torch.__config__.show()), and numpy's BLAS as threadpoolctl sees it."""
import json
import re

import numpy
import torch
from threadpoolctl import threadpool_info

config = torch.__config__.show()
blas = re.search(r"BLAS_INFO=(\w+)", config)
capability = re.search(r"CPU capability usage: (\S+)", config)
numpy_blas = [
    {"api": p.get("internal_api"), "version": p.get("version"), "threads": p.get("num_threads"), "library": p.get("filepath")}
    for p in threadpool_info()
    if p.get("user_api") == "blas"
]
print(json.dumps({
    "torch": torch.__version__,
    "torchBlas": blas.group(1) if blas else ("mkl" if torch.backends.mkl.is_available() else "unknown"),
    "mkldnn": torch.backends.mkldnn.is_available(),
    "cpuCapability": capability.group(1) if capability else torch.backends.cpu.get_cpu_capability(),
    "torchThreads": torch.get_num_threads(),
    "numpy": numpy.__version__,
    "numpyBlas": numpy_blas,
}))
