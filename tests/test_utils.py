"""lossbook.utils: device choice, seeding, random tensors made on the CPU."""
import random

import numpy as np
import pytest
import torch

import lossbook as lb


def test_get_device_defaults_to_cuda_if_available(monkeypatch):
    monkeypatch.delenv("LOSSBOOK_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert lb.get_device().type == expected


def test_get_device_honours_environment_and_argument(monkeypatch):
    monkeypatch.setenv("LOSSBOOK_DEVICE", "cpu")
    assert lb.get_device() == torch.device("cpu")
    assert lb.get_device("cpu") == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_get_device_refuses_missing_cuda():
    with pytest.raises(ValueError, match="prefer"):
        lb.get_device("cuda")


def test_seed_everything_seeds_all_generators():
    g = lb.seed_everything(123)
    a = (random.random(), np.random.rand(), torch.rand(1).item(), torch.rand(1, generator=g).item())
    g = lb.seed_everything(123)
    b = (random.random(), np.random.rand(), torch.rand(1).item(), torch.rand(1, generator=g).item())
    assert a == b


def test_seed_everything_rejects_non_int():
    with pytest.raises(TypeError, match="seed"):
        lb.seed_everything(1.5)


def test_seed_everything_deterministic_flag():
    try:
        lb.seed_everything(0, deterministic=True)
        assert torch.are_deterministic_algorithms_enabled()
    finally:
        torch.use_deterministic_algorithms(False)


def test_random_tensors_repeat_for_a_seed_and_land_on_the_device():
    x = lb.randn(3, 5, generator=lb.make_generator(7))
    y = lb.randn((3, 5), generator=lb.make_generator(7), device="cpu")
    torch.testing.assert_close(x, y, rtol=0, atol=0)
    assert x.shape == (3, 5) and x.dtype == torch.float32 and x.device.type == "cpu"
    assert lb.randn(2, generator=lb.make_generator(0), dtype=torch.float64, requires_grad=True).requires_grad


def test_random_tensors_are_drawn_from_the_given_generator_only():
    torch.manual_seed(0)
    before = torch.random.get_rng_state()
    lb.rand(4, generator=lb.make_generator(1))
    lb.randint(0, 3, (4,), generator=lb.make_generator(1))
    assert torch.equal(before, torch.random.get_rng_state())


def test_rand_and_randint_ranges():
    g = lb.make_generator(0)
    u = lb.rand(1000, generator=g)
    assert 0 <= u.min() and u.max() < 1
    k = lb.randint(2, 5, (1000,), generator=g)
    assert k.dtype == torch.long and k.min() == 2 and k.max() == 4
