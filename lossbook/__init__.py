"""lossbook: reference implementations of loss functions in PyTorch.

The package beside the book *Loss Functions in PyTorch*. Each family of losses
lives in its own module, small enough to read in one sitting:

==================  ==========================================================
``regression``      MSE, MAE, Huber, SmoothL1, RMSE, quantile, log-cosh,
                    Gaussian, Poisson and Gaussian-mixture negative
                    log-likelihood
``classification``  BCE, BCE with logits, NLL, cross-entropy, KL divergence,
                    the chunked linear cross-entropy, adaptive softmax
``imbalance``       sigmoid focal, softmax focal, soft Dice, class weights,
                    logit-adjusted cross-entropy, balanced softmax
``metric``          contrastive, triplet (with online mining), hinge and
                    cosine embedding, binomial deviance, InfoNCE, SupCon,
                    normalised softmax with proxies
``mining``          miners that return index tuples of triplets: batch
                    hard, batch all, semi-hard
``ranking``         margin ranking, RankNet, ListNet, LambdaRank-style loss,
                    ApproxNDCG, NDCG
``margin``          soft margin, multi-class and multi-label margin, triplet
                    margin with any distance
``sequence``        CTC, with greedy and best-path decoding
``scale``           z-loss; losses across processes (gather, launcher)
``calibration``     Brier score, expected calibration error, reliability,
                    temperature and Platt scaling
``checking``        check a loss against a reference: values, gradients,
                    gradcheck, reductions, extreme inputs
``training``        a small training loop that records a loss history
``utils``           device choice, seeding, random tensors made on the CPU
``catalog``         every loss with its family, PyTorch twin and chapter
==================  ==========================================================

Every public name is re-exported here: ``lossbook.mse_loss``,
``lossbook.MSELoss``, ``lossbook.get_device`` ...

The value checks (probabilities in [0, 1], class indices in range ...) are on by default and
off with ``lossbook.set_validation(False)`` or ``with lossbook.validation(False):``; see
``lossbook/_validation.py``.
"""
# The version is written here and only here; pyproject.toml reads it (setuptools' dynamic `attr`).
__version__ = "0.1.0"

from . import (
               calibration,
               checking,
               classification,
               imbalance,
               margin,
               metric,
               mining,
               ranking,
               regression,
               scale,
               sequence,
               training,
               utils,
)
from . import catalog as _catalog_module
from ._validation import is_validation_enabled, set_validation, validation
from .calibration import *  # noqa: F401,F403
from .catalog import *  # noqa: F401,F403
from .checking import *  # noqa: F401,F403
from .classification import *  # noqa: F401,F403
from .imbalance import *  # noqa: F401,F403
from .margin import *  # noqa: F401,F403
from .metric import *  # noqa: F401,F403
from .mining import *  # noqa: F401,F403
from .ranking import *  # noqa: F401,F403
from .regression import *  # noqa: F401,F403
from .scale import *  # noqa: F401,F403
from .sequence import *  # noqa: F401,F403
from .training import *  # noqa: F401,F403
from .utils import *  # noqa: F401,F403

__all__ = [
    "set_validation", "is_validation_enabled", "validation",
    *utils.__all__,
    *regression.__all__,
    *classification.__all__,
    *imbalance.__all__,
    *metric.__all__,
    *mining.__all__,
    *ranking.__all__,
    *margin.__all__,
    *sequence.__all__,
    *scale.__all__,
    *calibration.__all__,
    *checking.__all__,
    *training.__all__,
    *_catalog_module.__all__,
]
