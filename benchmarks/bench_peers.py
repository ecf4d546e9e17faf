"""The losses PyTorch lacks, against the libraries practitioners would use instead: forward +
backward time, and peak tensor memory.

    python benchmarks/bench_peers.py --threads 1          # what `make benchmark` runs

Peers (the ``bench`` extra: ``pip install lossbook[bench]``, i.e. pytorch-metric-learning 2.9.0
and kornia 0.9.0; a peer that is not installed is reported as such):

=========================  ==================================================================
lossbook                   peer, called as its documentation shows
=========================  ==================================================================
contrastive_loss           PML ``ContrastiveLoss(pos_margin=0, neg_margin=1)`` on the same pairs
                           (given as an index tuple; PML's loss is not squared)
batch_all_triplet_loss     PML ``TripletMarginLoss(margin=1)``: every triplet, mean over the
                           non-zero ones (the same "BA≠0" mean)
batch_hard_triplet_loss    PML ``BatchHardMiner()`` + ``TripletMarginLoss(margin=1)``
triplet_loss, semi-hard    ``semi_hard_miner`` + ``triplet_loss`` against PML
                           ``TripletMarginMiner(type_of_triplets="semihard")`` +
                           ``TripletMarginLoss`` (PML keeps every semi-hard triplet, FaceNet one
                           per pair)
info_nce_loss              PML ``NTXentLoss(temperature=0.1)`` on the 2N views, labels pairing them
focal_loss                 kornia ``focal_loss(alpha=None, gamma=2, reduction='mean')``
sigmoid_focal_loss         kornia ``binary_focal_loss_with_logits(alpha=0.25, gamma=2, 'mean')``
dice_loss (multiclass)     kornia ``dice_loss`` (softmax over classes, micro average)
=========================  ==================================================================

The other losses PyTorch lacks (RMSE, quantile, log-cosh, binomial deviance, RankNet, ListNet,
the LambdaRank-style loss) have no peer that installs on the CPU from the package index; their
time and memory are listed alone. Prints Markdown.
"""
from __future__ import annotations

import argparse
import importlib.util

import torch
from _timing import fmt_mb, fmt_us, header, median, median_ratio, peak_bytes, stepper, time_variants

import lossbook as lb

F32 = torch.float32


def _metric_batch(b, d, device, seed=0):
    g = torch.Generator().manual_seed(seed)
    e = torch.randn(b, d, generator=g).to(device).requires_grad_()
    labels = (torch.arange(b) % max(b // 4, 1)).to(device)  # P = B / 4 classes of K = 4
    return e, labels


def cases(b, d, device):
    """(name, lossbook step, peer step or a reason there is none, note)."""
    has_pml = importlib.util.find_spec("pytorch_metric_learning") is not None
    has_kornia = importlib.util.find_spec("kornia") is not None
    pml = kornia = None
    if has_pml:
        from pytorch_metric_learning import losses as pml_losses
        from pytorch_metric_learning import miners as pml_miners
        pml = (pml_losses, pml_miners)
    if has_kornia:
        import kornia.losses as kornia
    missing_pml = "pytorch-metric-learning not installed"
    missing_kornia = "kornia not installed"
    out = []

    e, labels = _metric_batch(b, d, device)
    half = b // 2
    x1, x2 = e[:half].detach().clone().requires_grad_(), e[half:].detach().clone().requires_grad_()
    target = (torch.arange(half) % 2).to(device)
    pairs_e = torch.cat([x1, x2])
    idx = torch.arange(half, device=device)
    pos, neg = idx[target == 1], idx[target == 0]
    pair_tuple = (pos, pos + half, neg, neg + half)
    out.append(("contrastive_loss", stepper(lambda a, c, t: lb.contrastive_loss(a, c, t), [x1, x2, target], {}, device),
                stepper(lambda z: pml[0].ContrastiveLoss(pos_margin=0, neg_margin=1)(
                    z, indices_tuple=pair_tuple), [pairs_e], {}, device) if pml else missing_pml,
                f"{half} pairs"))

    out.append(("batch_all_triplet_loss", stepper(lb.batch_all_triplet_loss, [e, labels], {}, device),
                stepper(pml[0].TripletMarginLoss(margin=1.0), [e, labels], {}, device) if pml else missing_pml,
                "mean over active triplets"))
    if pml:
        pml_hard, pml_loss = pml[1].BatchHardMiner(), pml[0].TripletMarginLoss(margin=1.0)
        pml_semi = pml[1].TripletMarginMiner(margin=1.0, type_of_triplets="semihard")
    out.append(("batch_hard_triplet_loss", stepper(lb.batch_hard_triplet_loss, [e, labels], {}, device),
                stepper(lambda z, y: pml_loss(z, y, pml_hard(z, y)), [e, labels], {}, device) if pml else missing_pml,
                "PML: miner + loss"))
    out.append(("semi_hard_miner + triplet_loss",
                stepper(lambda z, y: lb.triplet_loss(z, lb.semi_hard_miner(z, y)), [e, labels], {}, device),
                stepper(lambda z, y: pml_loss(z, y, pml_semi(z, y)), [e, labels], {}, device) if pml else missing_pml,
                "PML keeps every semi-hard triplet"))
    views = torch.cat([x1, x2]).detach().clone().requires_grad_()
    view_labels = torch.arange(half, device=device).repeat(2)
    out.append(("info_nce_loss", stepper(lambda z: lb.info_nce_loss(z[:half], z[half:]), [views], {}, device),
                stepper(pml[0].NTXentLoss(temperature=0.1), [views, view_labels], {}, device) if pml else missing_pml,
                f"{half} pairs of views"))
    out.append(("binomial_deviance_loss", stepper(lb.binomial_deviance_loss, [e, labels], {}, device),
                "no peer", ""))

    n, c = 16 * b, 10
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(n, c, generator=g).to(device).requires_grad_()
    classes = torch.randint(0, c, (n,), generator=g).to(device)
    out.append(("focal_loss", stepper(lambda x, y: lb.focal_loss(x, y), [logits, classes], {}, device),
                stepper(lambda x, y: kornia.focal_loss(x, y, alpha=None, gamma=2.0, reduction="mean"),
                        [logits, classes], {}, device) if kornia else missing_kornia, f"{n} x {c} logits"))
    blogits = torch.randn(n, c, generator=g).to(device).requires_grad_()
    binary = (torch.rand(n, c, generator=g) < 0.3).float().to(device)
    out.append(("sigmoid_focal_loss", stepper(lambda x, y: lb.sigmoid_focal_loss(x, y), [blogits, binary], {}, device),
                stepper(lambda x, y: kornia.binary_focal_loss_with_logits(x, y, alpha=0.25, gamma=2.0,
                                                                          reduction="mean"),
                        [blogits, binary], {}, device) if kornia else missing_kornia, f"{n} x {c} logits"))
    seg = torch.randn(8, 4, 32, 32, generator=g).to(device).requires_grad_()
    seg_target = torch.randint(0, 4, (8, 32, 32), generator=g).to(device)
    out.append(("dice_loss (multiclass)",
                stepper(lambda x, y: lb.dice_loss(x, y, multiclass=True), [seg, seg_target], {}, device),
                stepper(kornia.dice_loss, [seg, seg_target], {}, device) if kornia else missing_kornia,
                "8 x 4 x 32 x 32; kornia: one Dice over the batch"))

    for name in ("rmse_loss", "quantile_loss", "log_cosh_loss", "ranknet_loss", "listnet_loss", "lambda_loss"):
        args, kwargs = lb.example_inputs(name, (b, 32) if "loss" in name else (b, d), dtype=F32, device=device)
        out.append((name, stepper(getattr(lb, name), args, kwargs, device), "no peer",
                    f"{b} lists of 32" if name in ("ranknet_loss", "listnet_loss", "lambda_loss") else f"{b} x 32"))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch", type=int, default=128, help="batch size B of the metric losses")
    parser.add_argument("--dim", type=int, default=64, help="embedding size")
    parser.add_argument("--repeat", type=int, default=15, help="timed blocks per measurement")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads on the CPU")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    print(header(f"Losses PyTorch lacks, against their peers (metric losses: B = {args.batch}, "
                 f"D = {args.dim}, P = B/4 classes of K = 4)", device, args.repeat))
    print("| loss | lossbook (µs) | peer (µs) | ratio | lossbook peak (MiB) | peer peak (MiB) | note |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, ours, peer, note in cases(args.batch, args.dim, device):
        if callable(peer):
            t = time_variants({"peer": (peer, True), "ours": (ours, True)}, args.repeat)
            print(f"| `{name}` | {fmt_us(median(t['ours']))} | {fmt_us(median(t['peer']))} | "
                  f"{median_ratio(t['ours'], t['peer']):.2f} | {fmt_mb(peak_bytes(ours))} | "
                  f"{fmt_mb(peak_bytes(peer))} | {note} |")
        else:
            t = time_variants({"ours": (ours, True)}, args.repeat)
            print(f"| `{name}` | {fmt_us(median(t['ours']))} | {peer} | | {fmt_mb(peak_bytes(ours))} | | {note} |")
    print()


if __name__ == "__main__":
    main()
