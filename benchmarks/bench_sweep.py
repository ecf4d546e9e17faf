"""How time and memory grow: the batch losses over the batch size B, the list losses over the
list length L. Forward + backward time and peak tensor memory (``lb.peak_memory``), and the
exponent k of the growth B^k (or L^k) between the two largest sizes, so that B, B² and B³ show.

    python benchmarks/bench_sweep.py --threads 1          # what `make benchmark` runs

Metric losses: embeddings (B, 64), P = B/4 classes of K = 4. ``batch_all_triplet_loss`` is
shown twice: 'mean' (sorted distances and prefix sums, O(B²) memory) and 'none' (it returns the
(B, B, B) tensor of triplet losses: O(B³)); and, when installed, pytorch-metric-learning's
``TripletMarginLoss`` (all triplets), for comparison. Ranking losses: 32 queries of L items.
Prints Markdown.
"""
from __future__ import annotations

import argparse
import importlib.util

import torch
from _timing import fmt_mb, fmt_us, growth, header, median, peak_bytes, stepper, time_variants

import lossbook as lb


def metric_cases():
    cases = [
        ("batch_all_triplet_loss", lambda e, y: lb.batch_all_triplet_loss(e, y), None),
        ("batch_all_triplet_loss, 'none'", lambda e, y: lb.batch_all_triplet_loss(e, y, reduction="none"), 256),
        ("batch_hard_triplet_loss", lambda e, y: lb.batch_hard_triplet_loss(e, y), None),
        ("semi_hard_miner + triplet_loss", lambda e, y: lb.triplet_loss(e, lb.semi_hard_miner(e, y)), None),
        ("batch_all_miner + triplet_loss", lambda e, y: lb.triplet_loss(e, lb.batch_all_miner(e, y)), 256),
        ("binomial_deviance_loss", lambda e, y: lb.binomial_deviance_loss(e, y), None),
        ("info_nce_loss", lambda e, y: lb.info_nce_loss(e[: len(e) // 2], e[len(e) // 2:]), None),
    ]
    if importlib.util.find_spec("pytorch_metric_learning") is not None:
        from pytorch_metric_learning import losses
        cases.append(("PML TripletMarginLoss (all triplets)", losses.TripletMarginLoss(margin=1.0), 256))
    return cases


def ranking_cases():
    return [(name, getattr(lb, name), None) for name in ("ranknet_loss", "lambda_loss", "listnet_loss")]


def sweep(cases, sizes, make, device, repeat):
    print("| loss | " + " | ".join(f"{s}: µs" for s in sizes) + " | time growth | "
          + " | ".join(f"{s}: MiB" for s in sizes) + " | memory growth |")
    print("|---|" + "---:|" * (2 * len(sizes) + 2))
    for name, fn, largest in cases:
        times, peaks, used = [], [], []
        for size in sizes:
            if largest is not None and size > largest:
                continue
            args = make(size, device)
            step = stepper(fn, args, {}, device)
            times.append(median(time_variants({"x": (step, True)}, repeat, warmup=1)["x"]))
            peaks.append(peak_bytes(step))
            used.append(size)
        cells_t = [fmt_us(t) for t in times] + ["-"] * (len(sizes) - len(times))
        cells_m = [fmt_mb(p) for p in peaks] + ["-"] * (len(sizes) - len(peaks))
        print(f"| `{name}` | " + " | ".join(cells_t) + f" | {growth(times, used)} | "
              + " | ".join(cells_m) + f" | {growth(peaks, used)} |")
    print()


def make_metric(b, device):
    g = torch.Generator().manual_seed(0)
    e = torch.randn(b, 64, generator=g).to(device).requires_grad_()
    return [e, (torch.arange(b) % (b // 4)).to(device)]


def make_ranking(length, device):
    g = torch.Generator().manual_seed(0)
    scores = torch.randn(32, length, generator=g).to(device).requires_grad_()
    return [scores, torch.randint(0, 4, (32, length), generator=g).float().to(device)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batches", type=int, nargs="+", default=[64, 128, 256, 512])
    parser.add_argument("--lengths", type=int, nargs="+", default=[32, 64, 128, 256])
    parser.add_argument("--repeat", type=int, default=5, help="timed blocks per measurement")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads on the CPU")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    print(header("Growth with the batch size B (metric losses, D = 64)", device, args.repeat))
    sweep(metric_cases(), args.batches, make_metric, device, args.repeat)
    print(header("Growth with the list length L (ranking losses, 32 queries)", device, args.repeat))
    sweep(ranking_cases(), args.lengths, make_ranking, device, args.repeat)


if __name__ == "__main__":
    main()
