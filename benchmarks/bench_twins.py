"""How fast is lossbook against PyTorch? Forward + backward time of every exact twin, with
lossbook's value checks on (the default) and off (``lb.set_validation(False)``).

    python benchmarks/bench_twins.py --threads 1          # what `make benchmark` runs
    python benchmarks/bench_twins.py --device cpu --size 64 --width 10 --repeat 50

For each loss of ``lb.catalog()`` with a PyTorch twin, lossbook and PyTorch get the same float32
inputs (``lb.example_inputs``: ``--size`` rows of ``--width`` features or classes) and run
``fn(*inputs).sum().backward()``. The three variants (PyTorch, lossbook with validation,
lossbook without) are timed in alternating blocks of about 2 ms, so that a change in the
machine's load hits all alike; the table shows the median time per call and the median of the
per-block ratios lossbook / PyTorch, then the median ratio over all twins. Prints Markdown.

The value checks read the tensors (probabilities in [0, 1], class indices in range, +-1
targets): on a GPU each is a synchronisation. The gap between the two lossbook columns is
their price.
"""
from __future__ import annotations

import argparse
import importlib
import statistics

import torch
from _timing import fmt_us, header, median, median_ratio, stepper, time_variants

import lossbook as lb

TWINS = [info for info in lb.catalog() if info.pytorch is not None]


def _resolve(dotted):
    module, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def bench(device, size, width, repeat):
    rows = []
    for info in TWINS:
        args, kwargs = lb.example_inputs(info.name, (size, width), dtype=torch.float32, device=device)
        ours, theirs = getattr(lb, info.name), _resolve(info.pytorch)
        times = time_variants({
            "pytorch": (stepper(theirs, args, kwargs, device), True),
            "on": (stepper(ours, args, kwargs, device), True),
            "off": (stepper(ours, args, kwargs, device), False),
        }, repeat)
        rows.append((info.name, median(times["pytorch"]), median(times["on"]), median(times["off"]),
                     median_ratio(times["on"], times["pytorch"]), median_ratio(times["off"], times["pytorch"])))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", action="append", help="cpu or cuda (repeatable); default: cpu, "
                        "and cuda when available")
    parser.add_argument("--size", type=int, default=4096, help="batch size (rows)")
    parser.add_argument("--width", type=int, default=32, help="features or classes per row")
    parser.add_argument("--repeat", type=int, default=25, help="timed blocks per measurement")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads on the CPU")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = args.device or (["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"])
    for device in map(torch.device, devices):
        print(header(f"PyTorch twins, batch {args.size} x {args.width}", device, args.repeat))
        print("| loss | PyTorch (µs) | lossbook (µs) | ratio | lossbook, validation off (µs) | ratio |")
        print("|---|---:|---:|---:|---:|---:|")
        rows = bench(device, args.size, args.width, args.repeat)
        for name, theirs, on, off, r_on, r_off in rows:
            print(f"| `{name}` | {fmt_us(theirs)} | {fmt_us(on)} | {r_on:.2f} | {fmt_us(off)} | {r_off:.2f} |")
        on = [r[4] for r in rows]
        off = [r[5] for r in rows]
        print(f"\nlossbook / PyTorch on {device.type}: median {statistics.median(on):.2f} (largest {max(on):.2f}) "
              f"with validation, median {statistics.median(off):.2f} (largest {max(off):.2f}) without.\n")


if __name__ == "__main__":
    main()
