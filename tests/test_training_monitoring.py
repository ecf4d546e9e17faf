"""lossbook.training, the monitoring additions: gradient norms, clipping, NaN gradients, text progress."""
import io
import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from test_training import batches, make_model  # the same tiny model and batching

import lossbook as lb


def regression_data(n=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g, dtype=torch.float64)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]], dtype=torch.float64) + 3.0
    return x, y


def flat(model):
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def manual_run(model, loader, lr, num_epochs, max_norm=None):
    """The loop lb.train documents, written out: the reference for norms and updates."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    norms = []
    for _ in range(num_epochs):
        for inputs, target in loader:
            optimizer.zero_grad()
            F.mse_loss(model(inputs), target).backward()
            grads = torch.cat([p.grad.flatten() for p in model.parameters()])
            norms.append(torch.linalg.vector_norm(grads).item())
            if max_norm is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
            optimizer.step()
    return norms


# ---------------------------------------------------------------- gradient norm

def test_grad_norm_is_recorded_per_batch_before_clipping():
    x, y = regression_data()
    loader = batches(x, y, 5)  # batches of 5, 5 and 2
    model, reference = make_model(), make_model()
    history = lb.train(model, F.mse_loss, torch.optim.SGD(model.parameters(), lr=0.05), loader, num_epochs=2)
    expected = manual_run(reference, loader, lr=0.05, num_epochs=2)
    assert len(history.grad_norm) == len(history.batch_loss) == 6
    assert history.grad_norm == pytest.approx(expected, rel=1e-12)
    torch.testing.assert_close(flat(model), flat(reference))
    assert history.as_dict()["grad_norm"] == history.grad_norm


def test_grad_norm_counts_only_the_optimizer_parameters_that_have_gradients():
    x, y = regression_data()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    model[0].requires_grad_(False)  # a frozen layer: no gradient, not in the norm
    optimizer = torch.optim.SGD(model[2].parameters(), lr=0.0)
    history = lb.train(model, F.mse_loss, optimizer, [(x, y)], num_epochs=1)
    model.zero_grad()
    F.mse_loss(model(x), y).backward()
    expected = torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in model[2].parameters()]))
    assert history.grad_norm[0] == pytest.approx(expected.item(), rel=1e-12)


# ---------------------------------------------------------------- clipping

def test_max_grad_norm_clips_like_clip_grad_norm():
    x, y = regression_data()
    loader = batches(x, y, 4)
    model, reference = make_model(), make_model()
    history = lb.train(model, F.mse_loss, torch.optim.SGD(model.parameters(), lr=0.1), loader,
                       num_epochs=3, max_grad_norm=0.5)
    expected = manual_run(reference, loader, lr=0.1, num_epochs=3, max_norm=0.5)
    assert max(history.grad_norm) > 0.5  # the clipping did something
    assert history.grad_norm == pytest.approx(expected, rel=1e-12)  # recorded before clipping
    torch.testing.assert_close(flat(model), flat(reference))


def test_clipping_bounds_every_update():
    x, y = regression_data()
    model = make_model()
    before = flat(model)
    lb.train(model, F.mse_loss, torch.optim.SGD(model.parameters(), lr=1.0), [(x, y)], num_epochs=1,
             max_grad_norm=0.25)
    # clip_grad_norm_ scales by max_norm / (norm + 1e-6): the step is 0.25 to within 1e-6
    assert torch.linalg.vector_norm(flat(model) - before).item() == pytest.approx(0.25, rel=1e-5)


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), "1", True])
def test_bad_max_grad_norm_is_rejected(bad):
    x, y = regression_data()
    model = make_model()
    with pytest.raises((ValueError, TypeError), match="max_grad_norm"):
        lb.train(model, F.mse_loss, torch.optim.SGD(model.parameters(), lr=0.1), [(x, y)], num_epochs=1,
                 max_grad_norm=bad)


# ---------------------------------------------------------------- a NaN gradient under a finite loss

def per_example_rmse(y_hat, target):
    return ((y_hat - target) ** 2).mean(dim=1).sqrt().mean()


def nan_gradient_problem():
    """The first example is predicted exactly: a finite loss whose gradient is NaN."""
    x, y = regression_data()
    x[0], y[0] = 0.0, 0.0
    model = make_model()
    nn.init.zeros_(model.bias)
    return model, [(x[:6], y[:6]), (x[6:], y[6:])]


@pytest.mark.parametrize("max_grad_norm", [None, 1.0])
def test_nan_gradient_stops_before_the_step(max_grad_norm):
    model, loader = nan_gradient_problem()
    before = flat(model)
    with pytest.raises(FloatingPointError, match=r"gradient norm is nan at epoch 1, batch 1 "):
        lb.train(model, per_example_rmse, torch.optim.SGD(model.parameters(), lr=0.1), loader,
                 num_epochs=1, max_grad_norm=max_grad_norm)
    torch.testing.assert_close(flat(model), before)  # the weights never saw it


def test_without_the_check_a_nan_gradient_reaches_the_weights():
    model, loader = nan_gradient_problem()
    history = lb.train(model, per_example_rmse, torch.optim.SGD(model.parameters(), lr=0.1), loader,
                       num_epochs=1, check_finite=False)
    assert math.isnan(history.grad_norm[0]) and math.isfinite(history.batch_loss[0])
    assert math.isnan(history.batch_loss[1]) and torch.isnan(flat(model)).all()


def test_without_the_check_clipping_does_not_raise_either():
    model, loader = nan_gradient_problem()
    lb.train(model, per_example_rmse, torch.optim.SGD(model.parameters(), lr=0.1), loader,
             num_epochs=1, check_finite=False, max_grad_norm=1.0)
    assert torch.isnan(flat(model)).all()


# ---------------------------------------------------------------- progress bars

def run_with_text_progress():
    x, y = regression_data()
    model = make_model()
    stream = io.StringIO()
    history = lb.train(model, F.mse_loss, torch.optim.SGD(model.parameters(), lr=0.05), batches(x, y, 4),
                       val_loader=[(x, y)], num_epochs=3, progress=stream)
    return stream.getvalue(), history


def test_text_progress_bar_is_deterministic_and_shows_the_losses():
    text, history = run_with_text_progress()
    assert text == run_with_text_progress()[0]  # no timings, no rates: the same run, the same text
    assert "it/s" not in text and "s/it" not in text
    states = [s for s in text.split("\r") if s]
    assert len(states) == 3 and text.endswith("\n")  # one redraw per epoch, then a new line
    for epoch, state in enumerate(states, start=1):
        assert state.startswith(f"epoch {epoch}/3 |")
        assert f"train {history.train_loss[epoch - 1]:.4f}, val {history.val_loss[epoch - 1]:.4f}" in state


def test_text_progress_bar_ends_its_line_when_training_fails():
    x, y = regression_data()
    model = make_model()
    stream = io.StringIO()

    def fail_in_epoch_2(epoch, history):
        if epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        lb.train(model, F.mse_loss, torch.optim.SGD(model.parameters(), lr=0.05), [(x, y)], num_epochs=3,
                 progress=stream, on_epoch_end=fail_in_epoch_2)
    assert stream.getvalue().startswith("\repoch 1/3 |") and stream.getvalue().endswith("\n")


def test_progress_true_draws_a_tqdm_bar(capsys):
    x, y = regression_data()
    model = make_model()
    lb.train(model, F.mse_loss, torch.optim.SGD(model.parameters(), lr=0.05), [(x, y)], num_epochs=2,
             progress=True)
    assert "2/2" in capsys.readouterr().err


def test_bad_progress_is_rejected():
    x, y = regression_data()
    model = make_model()
    with pytest.raises(TypeError, match="progress"):
        lb.train(model, F.mse_loss, torch.optim.SGD(model.parameters(), lr=0.05), [(x, y)], num_epochs=1,
                 progress="yes")
