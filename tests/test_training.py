"""lossbook.training: the loop's bookkeeping, early stopping, NaN detection and smoothing."""
import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

import lossbook as lb


def regression_data(n=10, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g, dtype=torch.float64)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]], dtype=torch.float64) + 0.1 * torch.randn(
        n, 1, generator=g, dtype=torch.float64)
    return x, y


def make_model(seed=0):
    torch.manual_seed(seed)
    return nn.Linear(3, 1).double()


def batches(x, y, batch_size):
    return [(x[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(x), batch_size)]


# ---------------------------------------------------------------- epoch means and History

def test_epoch_loss_is_the_true_mean_not_the_mean_of_batch_means():
    x, y = regression_data(10)
    loader = batches(x, y, 4)  # batches of 4, 4 and 2
    model = make_model()
    # lr = 0: the weights never move, so the epoch mean is the exact dataset mean
    history = lb.train(model, F.mse_loss, torch.optim.SGD(model.parameters(), lr=0.0), loader,
                       num_epochs=1)
    with torch.no_grad():
        true_mean = F.mse_loss(model(x), y).item()
        mean_of_means = sum(F.mse_loss(model(a), b).item() for a, b in loader) / len(loader)
    assert abs(true_mean - mean_of_means) > 1e-3  # the two really differ here
    assert history.batch_size == [4, 4, 2]
    assert history.train_loss[0] == pytest.approx(true_mean, rel=1e-12)
    assert history.train_loss[0] == pytest.approx(
        lb.epoch_mean(history.batch_loss, history.batch_size), rel=1e-12)


def test_history_records_every_batch_and_epoch():
    x, y = regression_data(10)
    model = make_model()
    history = lb.train(model, F.mse_loss, torch.optim.SGD(model.parameters(), lr=0.05),
                       batches(x, y, 4), val_loader=batches(x, y, 3), num_epochs=4,
                       metrics={"mae": F.l1_loss}, restore_best=False)
    assert len(history.batch_loss) == len(history.batch_size) == 12
    assert history.epochs == [1, 2, 3, 4]
    assert len(history.val_loss) == 4 and len(history.val_metrics["mae"]) == 4
    assert len(history.train_metrics["mae"]) == 4
    assert history.train_loss[-1] < history.train_loss[0]  # it trained
    # the last validation loss is the exact mean of the final model
    with torch.no_grad():
        assert history.val_loss[-1] == pytest.approx(F.mse_loss(model(x), y).item(), rel=1e-12)
        assert history.val_metrics["mae"][-1] == pytest.approx(F.l1_loss(model(x), y).item(), rel=1e-12)
    d = history.as_dict()
    assert d["train_loss"] == history.train_loss and d["best_epoch"] == history.best_epoch
    assert history.best_val_loss == min(history.val_loss)


def test_epoch_mean_helper():
    assert lb.epoch_mean([1.0, 4.0], [3, 1]) == pytest.approx(7 / 4)
    with pytest.raises(ValueError, match="sizes"):
        lb.epoch_mean([1.0, 2.0], [3])
    with pytest.raises(ValueError, match="sizes"):
        lb.epoch_mean([1.0], [0])


# ---------------------------------------------------------------- evaluate

def test_evaluate_is_the_exact_dataset_mean_and_restores_the_mode():
    x, y = regression_data(11)
    model = make_model()
    model.train()
    result = lb.evaluate(model, F.mse_loss, batches(x, y, 4), metrics={"mae": F.l1_loss})
    with torch.no_grad():
        torch.testing.assert_close(result["loss"], F.mse_loss(model(x), y).item())
        torch.testing.assert_close(result["mae"], F.l1_loss(model(x), y).item())
    assert model.training


def test_evaluate_uses_eval_mode():
    model = nn.Sequential(nn.Dropout(0.5))
    x = torch.ones(100, 1)
    # with dropout active the mean of model(x) would be far from 1 for some seeds; in eval it is 1
    result = lb.evaluate(model, lambda out, t: (out - t).abs().mean(), [(x, x)])
    assert result["loss"] == 0.0


def test_evaluate_refuses_an_empty_loader():
    with pytest.raises(ValueError, match="loader"):
        lb.evaluate(make_model(), F.mse_loss, [])


# ---------------------------------------------------------------- early stopping

class Scripted:
    """A loss whose validation value (computed under no_grad) follows a script."""

    def __init__(self, script):
        self.script = iter(script)

    def __call__(self, outputs, target):
        if torch.is_grad_enabled():
            return F.mse_loss(outputs, target)
        return torch.tensor(next(self.script), dtype=outputs.dtype)


@pytest.mark.parametrize("patience, epochs_run, stopped", [(1, 4, True), (3, 6, True), (4, 8, False)])
def test_early_stopping_stops_at_the_right_epoch(patience, epochs_run, stopped):
    script = [3.0, 2.0, 1.0, 1.5, 1.6, 1.7, 0.9, 2.0]  # best at 3; 0.9 only reached at epoch 7
    x, y = regression_data(6)
    model = make_model()
    history = lb.train(model, Scripted(script), torch.optim.SGD(model.parameters(), lr=0.01),
                       batches(x, y, 3), val_loader=[(x, y)], num_epochs=8,
                       early_stopping_patience=patience)
    assert len(history.train_loss) == epochs_run
    assert history.val_loss == pytest.approx(script[:epochs_run], rel=1e-12)
    assert history.best_epoch == (7 if epochs_run >= 7 else 3)
    assert history.stopped_early is stopped


def test_restore_best_loads_the_weights_of_the_best_epoch():
    script = [3.0, 1.0, 2.0, 2.5, 2.6]
    x, y = regression_data(6)
    snapshots = {}

    def remember(epoch, history):
        snapshots[epoch] = {k: v.clone() for k, v in model.state_dict().items()}

    for restore, expected_epoch in ((True, 2), (False, 5)):
        model = make_model()
        history = lb.train(model, Scripted(script), torch.optim.SGD(model.parameters(), lr=0.1),
                           batches(x, y, 3), val_loader=[(x, y)], num_epochs=5,
                           restore_best=restore, on_epoch_end=remember)
        assert history.best_epoch == 2
        for k, v in model.state_dict().items():
            torch.testing.assert_close(v, snapshots[expected_epoch][k], rtol=0, atol=0)
        assert not torch.equal(snapshots[2]["weight"], snapshots[5]["weight"])


def test_on_epoch_end_can_stop_training():
    x, y = regression_data(6)
    model = make_model()
    history = lb.train(model, F.mse_loss, torch.optim.SGD(model.parameters(), lr=0.01),
                       [(x, y)], num_epochs=10, on_epoch_end=lambda epoch, h: epoch == 3)
    assert len(history.train_loss) == 3 and history.best_epoch is None


# ---------------------------------------------------------------- NaN and inf

def nan_on_second_batch(outputs, target):
    loss = F.mse_loss(outputs, target)
    return loss * float("nan") if target[0, 0] == 99 else loss


def test_nan_loss_raises_floating_point_error_naming_epoch_and_batch():
    x, y = regression_data(9)
    y[3, 0] = 99  # first example of the second batch
    model = make_model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(FloatingPointError, match=r"epoch 1, batch 2"):
        lb.train(model, nan_on_second_batch, torch.optim.SGD(model.parameters(), lr=0.0),
                 batches(x, y, 3), num_epochs=2)
    for k, v in model.state_dict().items():  # lr = 0 and the NaN step never ran
        assert torch.isfinite(v).all() and torch.equal(v, before[k])


def test_inf_loss_raises_and_check_can_be_disabled():
    x, y = regression_data(6)
    model = make_model()
    inf_loss = lambda outputs, target: F.mse_loss(outputs, target) + float("inf")  # noqa: E731
    with pytest.raises(FloatingPointError, match="inf"):
        lb.train(model, inf_loss, torch.optim.SGD(model.parameters(), lr=0.0), [(x, y)], num_epochs=1)
    history = lb.train(model, inf_loss, torch.optim.SGD(model.parameters(), lr=0.0), [(x, y)],
                       num_epochs=1, check_finite=False)
    assert math.isinf(history.train_loss[0])


# ---------------------------------------------------------------- smooth

def test_smooth_matches_a_hand_computation():
    values, beta = [4.0, 2.0, 6.0], 0.5
    # m1 = 2, m2 = 1 + 1 = 2, m3 = 1 + 3 = 4; divide by 1 - 0.5**t = 0.5, 0.75, 0.875
    expected = [2.0 / 0.5, 2.0 / 0.75, 4.0 / 0.875]
    assert lb.smooth(values, beta=beta) == pytest.approx(expected, rel=1e-15)


def test_smooth_bias_correction_keeps_a_constant_constant():
    assert lb.smooth([3.0] * 50, beta=0.99) == pytest.approx([3.0] * 50, rel=1e-12)
    assert lb.smooth([1.0, 2.0], beta=0.0) == [1.0, 2.0]
    assert lb.smooth(torch.tensor([1.0, 1.0])) == pytest.approx([1.0, 1.0])
    assert lb.smooth([]) == []


# ---------------------------------------------------------------- bad inputs

def run(**kwargs):
    x, y = regression_data(4)
    model = make_model()
    args = dict(num_epochs=1)
    args.update(kwargs)
    return lb.train(model, F.mse_loss, torch.optim.SGD(model.parameters(), lr=0.1), [(x, y)], **args)


@pytest.mark.parametrize("kwargs, name", [
    (dict(num_epochs=0), "num_epochs"),
    (dict(num_epochs=2.0), "num_epochs"),
    (dict(num_epochs=True), "num_epochs"),
    (dict(early_stopping_patience=0, val_loader=[]), "early_stopping_patience"),
    (dict(early_stopping_patience=1.5, val_loader=[]), "early_stopping_patience"),
    (dict(early_stopping_patience=2), "val_loader"),
])
def test_train_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        run(**kwargs)


@pytest.mark.parametrize("beta, error", [(-0.1, ValueError), (1.0, ValueError), (1.5, ValueError),
                                         (float("nan"), ValueError), (True, TypeError),
                                         ("0.9", TypeError)])
def test_smooth_rejects_beta_outside_the_unit_interval(beta, error):
    with pytest.raises(error, match="beta"):
        lb.smooth([1.0, 2.0], beta=beta)


def test_bad_loaders_are_refused():
    model = make_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="train_loader"):
        lb.train(model, F.mse_loss, opt, [], num_epochs=1)
    x, y = regression_data(4)
    with pytest.raises(TypeError, match="loader"):
        lb.train(model, F.mse_loss, opt, [x], num_epochs=1)


def test_works_with_a_dataloader_and_an_explicit_device():
    x, y = regression_data(10)
    loader = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    model = make_model()
    history = lb.train(model, F.mse_loss, torch.optim.SGD(model.parameters(), lr=0.05), loader,
                       num_epochs=3, device="cpu")
    assert history.batch_size == [4, 4, 2] * 3
