"""lossbook.calibration: the Brier score, reliability curve and ECE against loop-by-loop reference
formulas (and scikit-learn's calibration_curve), the fitted temperature and Platt parameters
against the stationarity of the NLL and brute-force minimisation, and bad inputs."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

import lossbook as lb

F64 = torch.float64


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def binary_data(n=500, seed=0, scale=2.0):
    """Logits, 0/1 labels drawn from sigmoid(logits / scale) (over-confident by `scale`)."""
    g = gen(seed)
    logits = 3 * torch.randn(n, generator=g, dtype=F64)
    labels = (torch.rand(n, generator=g, dtype=F64) < torch.sigmoid(logits / scale)).to(F64)
    return logits, labels


def multiclass_data(n=600, c=4, seed=0, scale=2.0):
    g = gen(seed)
    logits = 2 * torch.randn(n, c, generator=g, dtype=F64)
    labels = torch.multinomial(torch.softmax(logits / scale, dim=1), 1, generator=g).squeeze(1)
    return logits, labels


def reference_curve(confidence, outcome, n_bins):
    """Bin by bin, in Python: (mean confidence, mean outcome, count) of the non-empty bins."""
    rows = []
    for b in range(n_bins):
        low, high = b / n_bins, (b + 1) / n_bins
        inside = [i for i, c in enumerate(confidence.tolist())
                  if low <= c < high or (b == n_bins - 1 and c == 1.0)]
        if inside:
            rows.append((sum(confidence[i].item() for i in inside) / len(inside),
                         sum(outcome[i].item() for i in inside) / len(inside), len(inside)))
    return rows


# --------------------------------------------------------------------------- Brier score

def test_brier_binary_and_multiclass_formulas():
    logits, labels = binary_data()
    probs = torch.sigmoid(logits)
    assert_close(lb.brier_score(probs, labels), ((probs - labels) ** 2).mean())
    z, y = multiclass_data()
    p = torch.softmax(z, dim=1)
    expected = sum(((p[:, c] - (y == c).to(F64)) ** 2) for c in range(4)).mean()
    assert_close(lb.brier_score(p, y), expected)
    # Two classes: Brier's original (multi-class) form is twice the binary score.
    two = torch.stack([1 - probs, probs], dim=1)
    assert_close(lb.brier_score(two, labels.long()), 2 * lb.brier_score(probs, labels))


def test_brier_of_certain_right_and_wrong_predictions():
    labels = torch.tensor([1.0, 0.0, 1.0], dtype=F64)
    assert lb.brier_score(labels.clone(), labels).item() == 0.0
    assert lb.brier_score(1 - labels, labels).item() == 1.0


# --------------------------------------------------------------------------- reliability and ECE

@pytest.mark.parametrize("n_bins", [1, 5, 15])
def test_reliability_curve_and_ece_binary_match_the_loop(n_bins):
    logits, labels = binary_data(seed=1)
    probs = torch.sigmoid(logits)
    probs[:3] = torch.tensor([0.0, 1.0, 0.2], dtype=F64)  # the edges, and a bin boundary
    mean_conf, freq, counts = lb.reliability_curve(probs, labels, n_bins=n_bins)
    rows = reference_curve(probs, labels, n_bins)
    assert_close(mean_conf, torch.tensor([r[0] for r in rows], dtype=F64))
    assert_close(freq, torch.tensor([r[1] for r in rows], dtype=F64))
    assert counts.tolist() == [r[2] for r in rows]
    ece = sum(r[2] / len(probs) * abs(r[0] - r[1]) for r in rows)
    assert abs(lb.expected_calibration_error(probs, labels, n_bins=n_bins).item() - ece) < 1e-12


def test_ece_multiclass_is_top_label():
    z, y = multiclass_data(seed=3)
    p = torch.softmax(z, dim=1)
    confidence, predicted = p.max(dim=1)
    rows = reference_curve(confidence, (predicted == y).to(F64), 15)
    ece = sum(r[2] / len(y) * abs(r[0] - r[1]) for r in rows)
    assert abs(lb.expected_calibration_error(p, y).item() - ece) < 1e-12


def test_ece_of_calibrated_and_constant_predictions_is_zero():
    probs = torch.tensor([0.1, 0.1, 0.6, 0.6, 0.9], dtype=F64)
    assert lb.expected_calibration_error(probs, probs.clone()).item() < 1e-15  # soft labels = probs
    labels = (torch.rand(1000, generator=gen(4), dtype=F64) < 0.3).to(F64)
    constant = torch.full_like(labels, labels.mean().item())
    assert lb.expected_calibration_error(constant, labels).item() < 1e-12
    assert 0 <= lb.expected_calibration_error(1 - labels, labels).item() <= 1


def test_float32_inputs_keep_their_dtype():
    logits, labels = binary_data()
    probs = torch.sigmoid(logits).float()
    assert lb.expected_calibration_error(probs, labels.float()).dtype == torch.float32
    assert lb.brier_score(probs, labels.float()).dtype == torch.float32


# --------------------------------------------------------------------------- temperature and Platt

def nll_at(logits, labels, tau):
    return (F.cross_entropy(logits / tau, labels) if logits.dim() == 2
            else F.binary_cross_entropy_with_logits(logits / tau, labels))


@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_fit_temperature_is_a_stationary_minimum(kind):
    logits, labels = binary_data() if kind == "binary" else multiclass_data()
    tau = lb.fit_temperature(logits, labels)
    t = torch.tensor(tau, dtype=F64, requires_grad=True)
    nll_at(logits, labels, t).backward()
    assert abs(t.grad.item()) < 1e-8
    for factor in (0.99, 1.01):
        assert nll_at(logits, labels, tau) < nll_at(logits, labels, tau * factor)
    assert abs(lb.fit_temperature(3 * logits, labels) / (3 * tau) - 1) < 1e-8  # tau scales with the logits


@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_fit_temperature_recovers_the_overconfidence(kind):
    logits, labels = binary_data(n=8000, scale=2.0) if kind == "binary" else multiclass_data(n=8000, scale=2.0)
    assert abs(lb.fit_temperature(logits, labels) - 2.0) < 0.15
    assert abs(lb.fit_temperature(logits.float(), labels.float() if kind == "binary" else labels) - 2.0) < 0.15


def test_fit_platt_matches_a_direct_fit_and_undoes_a_shift():
    logits, labels = binary_data(seed=5, scale=1.0)
    shifted = logits + math.log(4.0)  # a model trained with pos_weight 4
    a, b = lb.fit_platt(shifted, labels)
    # The NLL of sigmoid(a z + b) is convex in (a, b): a zero gradient certifies the minimum.
    params = torch.tensor([a, b], dtype=F64, requires_grad=True)
    F.binary_cross_entropy_with_logits(params[0] * shifted + params[1], labels).backward()
    assert params.grad.abs().max().item() < 1e-9
    assert abs(a - 1) < 0.2 and abs(b + a * math.log(4.0)) < 0.3
    tau = lb.fit_temperature(shifted, labels)
    platt = F.binary_cross_entropy_with_logits(a * shifted + b, labels)
    assert platt < nll_at(shifted, labels, tau)  # the bias does what a temperature cannot


# --------------------------------------------------------------------------- bad inputs

def test_bad_inputs_name_the_argument():
    logits, labels = binary_data(n=20)
    probs = torch.sigmoid(logits)
    with pytest.raises(TypeError, match="`probs` must be a torch.Tensor"):
        lb.brier_score(probs.tolist(), labels)
    with pytest.raises(TypeError, match="`probs` must be a floating-point tensor"):
        lb.expected_calibration_error(labels.long(), labels)
    with pytest.raises(ValueError, match="`probs` must be probabilities"):
        lb.expected_calibration_error(logits, labels)
    with pytest.raises(ValueError, match="`target` must be"):
        lb.brier_score(probs, 2 * labels)
    with pytest.raises(ValueError, match="`target` must be a tensor of the same shape"):
        lb.reliability_curve(probs, labels[:-1])
    with pytest.raises(ValueError, match="`n_bins` must be an int >= 1"):
        lb.reliability_curve(probs, labels, n_bins=0)
    with pytest.raises(TypeError, match="`n_bins` must be an int"):
        lb.expected_calibration_error(probs, labels, n_bins=True)
    with pytest.raises(ValueError, match="`probs` must be a non-empty tensor"):
        lb.brier_score(probs[:0], labels[:0])
    z, y = multiclass_data(n=20)
    with pytest.raises(ValueError, match="`target` must be class indices"):
        lb.expected_calibration_error(torch.softmax(z, dim=1), y + 4)
    with pytest.raises(ValueError, match="`target` must be of shape"):
        lb.fit_temperature(z, y[:, None])
    with pytest.raises(TypeError, match="`target` must be a floating-point tensor of binary labels"):
        lb.fit_platt(z, y)


def test_fits_refuse_logits_without_a_finite_optimum():
    logits, labels = binary_data(n=50)
    separated = torch.where(labels == 1, 1.0 + logits.abs(), -1.0 - logits.abs())
    with pytest.raises(ValueError, match="fit_temperature: `logits` must be held-out logits"):
        lb.fit_temperature(separated, labels)
    with pytest.raises(ValueError, match="fit_temperature: `logits` must be logits that rank"):
        lb.fit_temperature(-separated + 0.1 * logits, labels)
    with pytest.raises(ValueError, match="fit_platt: `logits` must be logits that do not separate"):
        lb.fit_platt(separated, labels)
    z = torch.eye(3, dtype=F64).repeat(4, 1)
    with pytest.raises(ValueError, match="held-out logits"):
        lb.fit_temperature(z, z.argmax(dim=1))


def test_value_checks_follow_the_validation_switch():
    logits, labels = binary_data(n=20)
    with lb.validation(False):
        lb.brier_score(logits, labels)  # not probabilities: no check, a number
    with pytest.raises(ValueError):
        lb.brier_score(logits, labels)
