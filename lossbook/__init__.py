"""lossbook: reference implementations of loss functions in PyTorch.

The package beside the book *Loss Functions in PyTorch*. Each family of losses
lives in its own module, small enough to read in one sitting:

==================  ==========================================================
``regression``      MSE, MAE, Huber, SmoothL1, RMSE, quantile, log-cosh,
                    Gaussian and Poisson negative log-likelihood
``classification``  BCE, BCE with logits, NLL, cross-entropy, KL divergence
``imbalance``       sigmoid focal, softmax focal, soft Dice, class weights
``metric``          contrastive, triplet (with online mining), hinge and
                    cosine embedding, binomial deviance, InfoNCE
``ranking``         margin ranking, RankNet, ListNet, LambdaRank-style loss
``checking``        check a loss against a reference: values, gradients,
                    gradcheck, reductions, extreme inputs
``training``        a small training loop that records a loss history
``utils``           device choice, seeding, random tensors made on the CPU
``catalog``         every loss with its family, PyTorch twin and chapter
==================  ==========================================================

Every public name is re-exported here: ``lossbook.mse_loss``,
``lossbook.MSELoss``, ``lossbook.get_device`` ...
"""
from . import catalog as _catalog_module
from . import checking, classification, imbalance, metric, ranking, regression, training, utils
from .catalog import *  # noqa: F401,F403
from .checking import *  # noqa: F401,F403
from .classification import *  # noqa: F401,F403
from .imbalance import *  # noqa: F401,F403
from .metric import *  # noqa: F401,F403
from .ranking import *  # noqa: F401,F403
from .regression import *  # noqa: F401,F403
from .training import *  # noqa: F401,F403
from .utils import *  # noqa: F401,F403

__version__ = "0.1.0"

__all__ = [
    *utils.__all__,
    *regression.__all__,
    *classification.__all__,
    *imbalance.__all__,
    *metric.__all__,
    *ranking.__all__,
    *checking.__all__,
    *training.__all__,
    *_catalog_module.__all__,
]
