"""How fast is lossbook against PyTorch? Forward + backward time of every exact twin.

    python benchmarks/bench_twins.py                       # CPU, and CUDA when available
    python benchmarks/bench_twins.py --device cpu --size 65536 --repeat 50
    python benchmarks/bench_twins.py --threads 1   # steadier on a small, busy machine

For each loss in ``lb.catalog()`` with a PyTorch twin, both functions get the same float32
inputs (drawn with the kinds of :mod:`lossbook.checking`, shape ``(size, 32)``) and run
``loss = fn(*inputs); loss.backward()``. Each block times enough calls to last about 2 ms;
the two are timed in alternating blocks, so that a change in the machine's load hits both alike.
The table shows the median time per call over ``--repeat`` blocks (after a warm-up), the
median of the per-block ratios lossbook / PyTorch, and the median ratio over all twins for
each device. Prints Markdown.

lossbook's losses are plain PyTorch ops plus input checks; PyTorch's are fused C++ kernels.
A ratio near 1 means the composition costs little; a large one says where fusing would pay
(see chapters/custom-losses on ``torch.compile``). The checks that read values (probabilities
in [0, 1], class indices in range, labels that are +-1) synchronise with a GPU on every call.
"""
from __future__ import annotations

import argparse
import importlib
import statistics
import time

import torch

import lossbook as lb

# The kinds of each twin's positional arguments (see lossbook.checking); shape (size, 32).
INPUTS = {
    "mse_loss": ("real", "target"),
    "l1_loss": ("real", "target"),
    "huber_loss": ("real", "target"),
    "smooth_l1_loss": ("real", "target"),
    "gaussian_nll_loss": ("real", "target", "positive"),
    "poisson_nll_loss": ("real", "counts"),
    "binary_cross_entropy": ("probs", "binary"),
    "binary_cross_entropy_with_logits": ("logits", "binary"),
    "cross_entropy": ("logits", "classes"),
    "nll_loss": ("log_probs", "classes"),
    "kl_div": ("log_probs", "dist"),
    "margin_ranking_loss": ("real", "real", "sign"),
    "hinge_embedding_loss": ("positive", "sign"),
    "cosine_embedding_loss": ("real", "real", "sign_rows"),
    "triplet_margin_loss": ("real", "real", "real"),
}
KWARGS = {"kl_div": {"reduction": "batchmean"}}
WIDTH = 32


def _resolve(dotted):
    module, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def make_inputs(name, size, device):
    kinds = [lb.Arg("sign", shape=(size,)) if k == "sign_rows" else k for k in INPUTS[name]]
    return lb.draw_inputs(kinds, (size, WIDTH), dtype=torch.float32, device=device)


def _stepper(fn, args, kwargs, device):
    def step():
        for a in args:
            a.grad = None
        fn(*args, **kwargs).backward()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
    return step


def _block(step, number):
    t0 = time.perf_counter()
    for _ in range(number):
        step()
    return (time.perf_counter() - t0) / number


def compare(ours, theirs, args, kwargs, device, repeat, warmup=5):
    """Median seconds per forward + backward call of each, and the median of per-block ratios.

    The two are timed in alternating blocks (ours, theirs, ours, ...) so that a change in the
    machine's load hits both alike; each block repeats the call for about 2 ms.
    """
    steps = [_stepper(fn, args, kwargs, device) for fn in (ours, theirs)]
    for step in steps:
        for _ in range(warmup):
            step()
    number = max(1, round(2e-3 / max(_block(steps[1], 3), 1e-7)))
    times = [[], []]
    for _ in range(repeat):
        for i, step in enumerate(steps):
            times[i].append(_block(step, number))
    ratios = [a / b for a, b in zip(*times)]
    return statistics.median(times[0]), statistics.median(times[1]), statistics.median(ratios)


def bench(device, size, repeat, names):
    rows = []
    for name in names:
        args = make_inputs(name, size, device)
        kwargs = KWARGS.get(name, {})
        rows.append((name, *compare(getattr(lb, name), _resolve(TWINS[name].pytorch), args, kwargs,
                                    device, repeat)))
    return rows


TWINS = {info.name: info for info in lb.catalog() if info.pytorch is not None}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", action="append", help="cpu or cuda (repeatable); default: cpu, "
                        "and cuda when available")
    parser.add_argument("--size", type=int, default=4096, help="batch size (rows of 32 features)")
    parser.add_argument("--repeat", type=int, default=25, help="timed blocks per measurement")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads on the CPU")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = args.device or (["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"])
    missing = sorted(set(TWINS) - set(INPUTS))
    if missing:
        parser.error(f"no input kinds for {missing}: add them to INPUTS")
    names = [n for n in INPUTS if n in TWINS]
    print(f"torch {torch.__version__}, batch {args.size} x {WIDTH}, float32, forward + backward, "
          f"median of {args.repeat}, {torch.get_num_threads()} CPU threads\n")
    print("| loss | device | lossbook (µs) | PyTorch (µs) | ratio |")
    print("|---|---|---:|---:|---:|")
    summary = []
    for device in map(torch.device, devices):
        rows = bench(device, args.size, args.repeat, names)
        for name, ours, theirs, ratio in rows:
            print(f"| `{name}` | {device.type} | {ours * 1e6:.1f} | {theirs * 1e6:.1f} | {ratio:.2f} |")
        summary.append((device.type, statistics.median(r[3] for r in rows)))
    print()
    for device, ratio in summary:
        print(f"median ratio lossbook / PyTorch on {device}: {ratio:.2f}")


if __name__ == "__main__":
    main()
